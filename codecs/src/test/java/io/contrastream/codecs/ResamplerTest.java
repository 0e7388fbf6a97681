package io.contrastream.codecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.data.audio.SincKernel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Band limiting, amplitude, and chunking / state export that change nothing. */
class ResamplerTest {
    static float[] sine(double hz, int rate, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.sin(2 * Math.PI * hz * i / rate);
        }
        return x;
    }

    static float[] noise(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian() * 0.3f;
        }
        return x;
    }

    static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] out = new float[n];
        int pos = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    static float[] chunked(float[] x, int from, int to, int[] sizes) {
        Resampler r = new Resampler(from, to);
        List<float[]> out = new ArrayList<>();
        int pos = 0;
        for (int i = 0; pos < x.length; i++) {
            int n = Math.min(sizes[i % sizes.length], x.length - pos);
            out.add(r.process(java.util.Arrays.copyOfRange(x, pos, pos + n)));
            pos += n;
        }
        return concat(out);
    }

    static void assertClose(float[] a, float[] b, double tol) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) > tol) {
                throw new AssertionError("differ at " + i + ": " + a[i] + " vs " + b[i]);
            }
        }
    }

    /** Max deviation from the ideal sine at the output rate, away from the edges. */
    static double maxError(float[] y, double hz, int rate, int margin) {
        double max = 0;
        for (int k = margin; k < y.length - margin; k++) {
            max = Math.max(max, Math.abs(y[k] - Math.sin(2 * Math.PI * hz * k / rate)));
        }
        return max;
    }

    static double rms(float[] y, int margin) {
        double s = 0;
        int n = 0;
        for (int k = margin; k < y.length - margin; k++) {
            s += y[k] * y[k];
            n++;
        }
        return Math.sqrt(s / n);
    }

    @Test
    void downsamplingKeepsA1kHzSineWithin1Percent() {
        float[] y = Resampler.resample(sine(1000, 22050, 22050), 22050, 16000);
        assertThat(y.length).isBetween(16000 - 50, 16000);
        assertThat(maxError(y, 1000, 16000, 200)).isLessThan(0.01);
        double amp = rms(y, 200) * Math.sqrt(2);
        assertThat(amp).isBetween(0.99, 1.01);
    }

    @Test
    void toneAboveTheNewNyquistIsAttenuatedBy40dB() {
        float[] y = Resampler.resample(sine(10_000, 22050, 22050), 22050, 16000);
        double db = 20 * Math.log10(rms(y, 200) / Math.sqrt(0.5));
        assertThat(db).isLessThan(-40);
        // and just above the cutoff band (8.4 kHz) too; below the cutoff (7 kHz) passes
        assertThat(20 * Math.log10(rms(Resampler.resample(sine(8_400, 22050, 22050), 22050, 16000), 200)
                / Math.sqrt(0.5))).isLessThan(-40);
        assertThat(rms(Resampler.resample(sine(7_000, 22050, 22050), 22050, 16000), 200) * Math.sqrt(2))
                .isBetween(0.99, 1.01);
    }

    @Test
    void upsamplingKeepsA1kHzSine() {
        float[] y = Resampler.resample(sine(1000, 8000, 8000), 8000, 16000);
        assertThat(y.length).isBetween(16000 - 100, 16000);
        assertThat(maxError(y, 1000, 16000, 200)).isLessThan(0.01);
    }

    @Test
    void equalRatesAreTheIdentity() {
        float[] x = noise(1000, 1);
        assertThat(Resampler.resample(x, 16000, 16000)).isSameAs(x);
        Resampler r = new Resampler(16000, 16000);
        assertThat(r.process(x)).isSameAs(x);
        assertThat(r.latencyInputSamples()).isZero();
        assertThat(Resampler.fromState(r.exportState()).process(x)).isSameAs(x);
    }

    @Test
    void anyChunkingGivesTheWholeSignalsOutput() {
        float[] x = noise(22050 * 2 + 123, 2);
        Random rnd = new Random(3);
        int[] random = new int[200];
        for (int i = 0; i < random.length; i++) {
            random[i] = rnd.nextInt(3000);   // zero-length chunks included
        }
        for (int[] rates : new int[][] {{22050, 16000}, {8000, 16000}, {44100, 16000}, {48000, 44100}, {16000, 22050}}) {
            float[] whole = Resampler.resample(x, rates[0], rates[1]);
            for (int[] sizes : new int[][] {{2205}, {1000}, {7}, random, {1, 50_000}}) {
                assertClose(chunked(x, rates[0], rates[1], sizes), whole, 1e-6);
            }
        }
    }

    @Test
    void awkwardRatesUseTheInterpolatedTableAndStillChunkExactly() {
        // 191,999 → 16,000 Hz reduces to L/M = 16,000/191,999: too many branches to tabulate one by one
        float[] x = noise(48_000, 6);
        for (int[] rates : new int[][] {{191_999, 16_000}, {8_001, 16_000}, {16_000, 8_001}}) {
            assertThat(SincKernel.of(rates[0], rates[1]).isExact()).isFalse();
            float[] whole = Resampler.resample(x, rates[0], rates[1]);
            for (int[] sizes : new int[][] {{4800}, {7}, {1, 20_000}}) {
                assertClose(chunked(x, rates[0], rates[1], sizes), whole, 0);
            }
            Resampler s = new Resampler(rates[0], rates[1]);
            float[] first = s.process(java.util.Arrays.copyOfRange(x, 0, 12_345));
            Resampler t = Resampler.fromState(s.exportState());
            float[] full = concat(List.of(first, t.process(java.util.Arrays.copyOfRange(x, 12_345, x.length)), t.flush()));
            assertClose(full, SincKernel.resample(x, rates[0], rates[1]), 0);   // checked against the formula there
        }
        // and a 1 kHz tone still comes through at 191,999 Hz
        float[] y = Resampler.resample(sine(1000, 191_999, 191_999 / 4), 191_999, 16_000);
        assertThat(maxError(y, 1000, 16000, 500)).isLessThan(0.01);
    }

    @Test
    void exportedStateContinuesIdentically() {
        float[] x = noise(30_000, 4);
        float[] whole = Resampler.resample(x, 22050, 16000);
        for (int cut : new int[] {0, 5, 40, 47, 1000, 12_345}) {
            Resampler a = new Resampler(22050, 16000);
            float[] first = a.process(java.util.Arrays.copyOfRange(x, 0, cut));
            byte[] state = a.exportState();
            assertThat(state.length).isLessThan(36 + 4 * 2 * a.latencyInputSamples() + 4);
            Resampler b = Resampler.fromState(state);
            float[] second = b.process(java.util.Arrays.copyOfRange(x, cut, x.length / 2));
            Resampler c = Resampler.fromState(b.exportState());
            float[] third = c.process(java.util.Arrays.copyOfRange(x, x.length / 2, x.length));
            assertClose(concat(List.of(first, second, third)), whole, 0);
        }
    }

    @Test
    void latencyAndTailAreAsDocumented() {
        Resampler r = new Resampler(22050, 16000);
        assertThat(r.latencyInputSamples()).isEqualTo(47);
        assertThat(r.process(new float[47])).isEmpty();   // output 0 needs inputs up to 47
        assertThat(r.process(new float[1])).hasSize(1);
        float[] x = noise(10_000, 5);
        Resampler s = new Resampler(22050, 16000);
        float[] full = concat(List.of(s.process(x), s.flush()));
        assertThat(full).hasSize((int) Math.ceil(10_000 * 320 / 441.0));
        assertClose(full, SincKernel.resample(x, 22050, 16000), 0);
        assertThatThrownBy(() -> s.process(x)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void dcPassesWithGainOne() {
        float[] x = new float[5000];
        java.util.Arrays.fill(x, 0.5f);
        float[] y = Resampler.resample(x, 44100, 16000);
        for (int k = 200; k < y.length; k++) {
            assertThat(Math.abs(y[k] - 0.5f)).isLessThan(1e-5f);
        }
    }

    @Test
    void badStateIsRefused() {
        assertThatThrownBy(() -> Resampler.fromState(new byte[10])).isInstanceOf(IllegalArgumentException.class);
        byte[] good = new Resampler(22050, 16000).exportState();
        good[0] ^= 1;
        assertThatThrownBy(() -> Resampler.fromState(good)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("magic");
        assertThatThrownBy(() -> new Resampler(0, 16000)).isInstanceOf(IllegalArgumentException.class);
    }
}
