package io.contrastream.model.augment.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.augment.audio.LogMel;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/** CMC's audio view: its shape, its determinism from (seed, record, view), and what it shows. */
class LogMelViewTest {

    static float[] tone(double hz, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (0.3 * Math.sin(2 * Math.PI * hz * i / 16000.0));
        }
        return w;
    }

    @Test
    void shapeAndDeterminismFromSeedRecordAndView() {
        float[] wave = tone(440, 12000);
        float[] a = LogMelView.augmented(wave, Rng.of(42, 17, 1));
        assertThat(a).hasSize(LogMelView.SHAPE[0] * LogMelView.SHAPE[1] * LogMelView.SHAPE[2]).hasSize(32 * 32);
        assertThat(LogMelView.SAMPLES).isEqualTo(6640);
        assertThat(LogMel.frameCount(LogMelView.SAMPLES)).isEqualTo(LogMelView.FRAMES);
        assertThat(LogMelView.augmented(wave, Rng.of(42, 17, 1))).isEqualTo(a);
        assertThat(LogMelView.augmented(wave, Rng.of(42, 18, 1))).isNotEqualTo(a);
        assertThat(LogMelView.augmented(wave, Rng.of(43, 17, 1))).isNotEqualTo(a);
        assertThat(LogMelView.centred(wave)).isEqualTo(LogMelView.centred(wave.clone()));
        for (float v : a) {
            assertThat(v).isBetween(-3f, 3f);
        }
    }

    @Test
    void rowsAreBandsAndATonePeaksInItsBand() {
        float[] v = LogMelView.centred(tone(1000, 16000));
        int best = 0;
        for (int m = 0; m < LogMelView.SIZE; m++) {
            if (v[m * LogMelView.SIZE + 16] > v[best * LogMelView.SIZE + 16]) {
                best = m;
            }
        }
        int nearest = 0;
        for (int m = 0; m < LogMel.BANDS; m++) {
            if (Math.abs(LogMel.centreHz(m) - 1000) < Math.abs(LogMel.centreHz(nearest) - 1000)) {
                nearest = m;
            }
        }
        double bandOfRow = (best + 0.5) * LogMel.BANDS / LogMelView.SIZE - 0.5; // bilinear 40 -> 32 rows
        assertThat(Math.abs(bandOfRow - nearest)).isLessThanOrEqualTo(1.5);
        // a short utterance is padded with silence on both sides: its first and last frames are floor
        float[] shortOne = LogMelView.centred(tone(1000, 1600));
        float silence = (float) ((Math.log(LogMel.FLOOR) - LogMelView.OFFSET) / LogMelView.SCALE);
        assertThat(shortOne[best * LogMelView.SIZE]).isEqualTo(silence);
        assertThat(shortOne[best * LogMelView.SIZE + 16]).isGreaterThan(0f);
        assertThatThrownBy(() -> LogMelView.image(new float[100])).hasMessageContaining("6640");
    }
}
