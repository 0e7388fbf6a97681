package io.contrastream.model.method.cpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.StepResult;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import io.contrastream.model.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CPC recipe's guarantees: bit-exact resume (3 steps, export, import into a recipe with another
 * seed, 2 steps == 5 steps straight), the numerics guard, and that it learns on synthetic tones.
 */
public class CpcRecipeTest {
    /** 12 frames per window with K = 4. */
    public static final int SHORT = 465 + 11 * 160;

    /** Also the CPC case of {@code GoldenTrajectoryTest}. */
    public static Params small() {
        return Cpc.SPEC.defaults().set(CpcParams.CPC_CHANNELS, 16).set(CpcParams.CPC_GRU, 12)
                .set(CpcParams.CPC_K, 4).set(CpcParams.CPC_NEGATIVES, 3).set(CpcParams.WINDOW_SAMPLES, SHORT)
                .set(OptimizerParams.BATCH, 4).set(OptimizerParams.LR, 0.02);
    }

    /** N windows of tones: each a sum of two sinusoids (frequencies and phases from the seed) plus a little noise. */
    public static AudioBatch tones(long seed, int n, int length) {
        Rng rng = Rng.seeded(seed);
        float[][] w = new float[n][length];
        for (int i = 0; i < n; i++) {
            double f1 = rng.uniform(100, 1500);
            double f2 = rng.uniform(100, 3000);
            double ph = rng.uniform(0, 2 * Math.PI);
            for (int t = 0; t < length; t++) {
                double s = t / 16000.0;
                w[i][t] = (float) (0.4 * Math.sin(2 * Math.PI * f1 * s + ph) + 0.2 * Math.sin(2 * Math.PI * f2 * s)
                        + 0.01 * rng.nextGaussian());
            }
        }
        return AudioBatch.of(w);
    }

    @Test
    void exportImportResumesBitExact() {
        byte[] straight;
        byte[] straightEncoder;
        try (Cpc r = new Cpc(small())) {
            for (int s = 0; s < 5; s++) {
                assertThat(r.step(tones(s, 4, SHORT)).skipped()).isFalse();
            }
            straight = r.exportState();
            straightEncoder = r.exportEncoder();
            assertThat(r.stepCount()).isEqualTo(5);
        }
        byte[] midway;
        try (Cpc r = new Cpc(small())) {
            for (int s = 0; s < 3; s++) {
                r.step(tones(s, 4, SHORT));
            }
            midway = r.exportState();
        }
        try (Cpc r = new Cpc(small().set(RecipeParams.SEED, 1234L))) {
            assertThat(r.exportState()).isNotEqualTo(midway);
            r.importState(midway);
            assertThat(r.stepCount()).isEqualTo(3);
            assertThat(r.exportState()).isEqualTo(midway);
            for (int s = 3; s < 5; s++) {
                r.step(tones(s, 4, SHORT));
            }
            assertThat(r.exportState()).as("state after 3 + restore + 2 steps").isEqualTo(straight);
            assertThat(r.exportEncoder()).isEqualTo(straightEncoder);
        }
        assertThat(straight).isNotEqualTo(midway);
        try (Cpc r = new Cpc(small().set(CpcParams.CPC_GRU, 10))) {
            assertThatThrownBy(() -> r.importState(midway)).hasMessageContaining("cannot import");
        }
    }

    @Test
    void encoderExportImportAndContext() {
        float[] wave = tones(77, 1, 4000).window(0);
        try (Cpc a = new Cpc(small()); Cpc b = new Cpc(small().set(RecipeParams.SEED, 9L))) {
            a.step(tones(1, 4, SHORT));
            float[][] ca = a.context(wave);
            assertThat(ca.length).isEqualTo(a.config().frames(4000));
            assertThat(ca[0].length).isEqualTo(12);
            assertThat(b.context(wave)).isNotEqualTo(ca);
            b.importEncoder(a.exportEncoder());
            assertThat(b.context(wave)).isEqualTo(ca);
            assertThat(a.context(new float[464])).isEmpty();
        }
    }

    @Test
    void nonFiniteBatchIsSkippedCountedAndLeavesWeightsUntouched() {
        try (Cpc r = new Cpc(small())) {
            r.step(tones(0, 4, SHORT));
            byte[] before = r.exportEncoder();
            AudioBatch bad = tones(1, 4, SHORT);
            bad.samples()[123] = Float.NaN;
            StepResult s = r.step(bad);
            assertThat(s.skipped()).isTrue();
            assertThat(r.skippedSteps()).isEqualTo(1);
            assertThat(r.stepCount()).isEqualTo(1);
            assertThat(r.exportEncoder()).isEqualTo(before);
            AudioBatch inf = tones(2, 4, SHORT);
            inf.samples()[5] = Float.POSITIVE_INFINITY;
            assertThat(r.step(inf).skipped()).isTrue();
            assertThat(r.skippedSteps()).isEqualTo(2);
            assertThat(r.exportEncoder()).isEqualTo(before);
            // the NaN gradients are not carried into the next step
            StepResult ok = r.step(tones(3, 4, SHORT));
            assertThat(ok.skipped()).isFalse();
            assertThat(Float.isFinite(ok.loss())).isTrue();
            assertThat(r.stepCount()).isEqualTo(2);
            assertThat(r.exportEncoder()).isNotEqualTo(before);
        }
    }

    @Test
    void rejectsWindowsTooShortForK() {
        assertThatThrownBy(() -> new Cpc(small().set(CpcParams.WINDOW_SAMPLES, 465 + 3 * 160)))
                .hasMessageContaining("needs at least");
        try (Cpc r = new Cpc(small())) {
            assertThatThrownBy(() -> r.step(tones(0, 2, 465 + 2 * 160))).hasMessageContaining("needs at least");
        }
    }

    @Test
    void learnsOnRepeatedTonesWithTheCpuPreset() {
        // cpu preset (64 channels, GRU 64, K = 12), 0.4 s windows (38 frames), one batch repeated
        Params p = Cpc.SPEC.defaults().set(CpcParams.WINDOW_SAMPLES, 6400).set(OptimizerParams.BATCH, 4)
                .set(OptimizerParams.LR, 2e-3 * 256 / 4);
        AudioBatch batch = tones(5, 4, 6400);
        List<Float> losses = new ArrayList<>();
        long t0 = System.nanoTime();
        try (Cpc r = new Cpc(p)) {
            assertThat(r.config()).isEqualTo(io.contrastream.model.encoder.audio.CpcEncoderConfig.cpu());
            for (int s = 0; s < 20; s++) {
                StepResult res = r.step(batch);
                assertThat(res.skipped()).isFalse();
                losses.add(res.loss());
            }
        }
        System.out.printf("CPC cpu preset, 4 x 0.4 s: %.3f s/step, losses %s%n", (System.nanoTime() - t0) / 20e9, losses);
        double chance = Math.log(4 + 16);
        assertThat((double) losses.get(0)).isGreaterThan(0.5 * chance);
        float last = (losses.get(17) + losses.get(18) + losses.get(19)) / 3;
        assertThat(last).as("loss after 20 steps vs first %s", losses).isLessThan(0.8f * losses.get(0));
    }
}
