package io.contrastream.model.augment.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/** The audio augmentations: seeded crop/shift, gain in dB, white noise at a measured SNR. */
class CpcAugmentTest {
    static float[] tone(int n, double freq, double amp) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amp * Math.sin(2 * Math.PI * freq * i / 16000.0));
        }
        return x;
    }

    static double db(double ratio) {
        return 10 * Math.log10(ratio);
    }

    @Test
    void cropIsASeededContiguousWindowAndPadsShortInput() {
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        RandomCrop crop = new RandomCrop(300);
        float[] a = crop.apply(x, Rng.seeded(1));
        assertThat(a).hasSize(300).isEqualTo(crop.apply(x, Rng.seeded(1)));
        for (int i = 1; i < a.length; i++) {
            assertThat(a[i]).isEqualTo(a[0] + i);
        }
        java.util.Set<Float> starts = new java.util.HashSet<>();
        Rng rng = Rng.seeded(2);
        for (int i = 0; i < 200; i++) {
            float s = crop.apply(x, rng)[0];
            assertThat(s).isBetween(0f, 700f);
            starts.add(s);
        }
        assertThat(starts.size()).isGreaterThan(100);
        float[] shortIn = {1, 2, 3};
        float[] padded = new RandomCrop(10).apply(shortIn, Rng.seeded(3));
        assertThat(padded).hasSize(10);
        int at = 0;
        while (padded[at] == 0) {
            at++;
        }
        assertThat(java.util.Arrays.copyOfRange(padded, at, at + 3)).isEqualTo(shortIn);
        assertThat(x[5]).isEqualTo(5f); // input untouched
        assertThatThrownBy(() -> new RandomCrop(0)).hasMessageContaining(">= 1");
    }

    @Test
    void gainIsWithinTheDecibelRange() {
        float[] x = tone(4000, 440, 0.3);
        assertThat(db(AudioTransform.power(new Gain(6, 6).apply(x, Rng.seeded(1))) / AudioTransform.power(x)))
                .isCloseTo(6, within(1e-4));
        Rng rng = Rng.seeded(4);
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (int i = 0; i < 100; i++) {
            double g = db(AudioTransform.power(new Gain(-9, 3).apply(x, rng)) / AudioTransform.power(x));
            assertThat(g).isBetween(-9.0 - 1e-4, 3.0 + 1e-4);
            lo = Math.min(lo, g);
            hi = Math.max(hi, g);
        }
        assertThat(hi - lo).isGreaterThan(8); // spread over the range
        assertThat(new Gain(-9, 3).apply(x, Rng.seeded(5))).isEqualTo(new Gain(-9, 3).apply(x, Rng.seeded(5)));
        assertThatThrownBy(() -> new Gain(3, -3)).hasMessageContaining("minDb <= maxDb");
    }

    @Test
    void whiteNoiseHitsTheRequestedSnr() {
        float[] x = tone(160_000, 330, 0.25); // 10 s
        double p = AudioTransform.power(x);
        Rng rng = Rng.seeded(6);
        for (double snr : new double[] {-5, 0, 10, 20, 40}) {
            float[] y = new WhiteNoise(snr).apply(x, rng);
            double noise = 0;
            for (int i = 0; i < x.length; i++) {
                double d = y[i] - x[i];
                noise += d * d;
            }
            noise /= x.length;
            assertThat(db(p / noise)).as("measured SNR for %s dB", snr).isCloseTo(snr, within(0.5));
        }
        // a range draws inside it; silence stays silence; seeded
        float[] shortTone = tone(16_000, 500, 0.5);
        float[] y = new WhiteNoise(5, 25).apply(shortTone, Rng.seeded(7));
        assertThat(y).isEqualTo(new WhiteNoise(5, 25).apply(shortTone, Rng.seeded(7)));
        double n = 0;
        for (int i = 0; i < y.length; i++) {
            n += (y[i] - shortTone[i]) * (double) (y[i] - shortTone[i]);
        }
        assertThat(db(AudioTransform.power(shortTone) / (n / y.length))).isBetween(4.5, 25.5);
        assertThat(new WhiteNoise(10).apply(new float[100], Rng.seeded(8))).containsOnly(0f);
        AudioTransform chain = new RandomCrop(8000).andThen(new Gain(-3, 3)).andThen(new WhiteNoise(20));
        assertThat(chain.apply(shortTone, Rng.seeded(9))).hasSize(8000).isEqualTo(chain.apply(shortTone, Rng.seeded(9)));
    }
}
