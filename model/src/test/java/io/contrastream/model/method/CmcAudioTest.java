package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.contrastream.model.augment.audio.LogMelView;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.cmc.Cmc;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import io.contrastream.model.util.Rng;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CMC's cross-modal pair (image + log-mel of the record's audio) with the real engine. */
class CmcAudioTest {
    private static final EncoderConfig GRAY = EncoderConfig.smallResNet(1, 28);

    static Params audioParams(String views) {
        return Recipes.defaults("cmc").set(RecipeParams.CMC_VIEWS, views).set(OptimizerParams.BATCH, 8);
    }

    /** A tone at a frequency that depends on the record, with a harmonic, 0.5 s at 16 kHz. */
    static float[] tone(long id) {
        double f = 200 + 150 * (id % 8);
        float[] w = new float[8000];
        for (int i = 0; i < w.length; i++) {
            double t = i / 16000.0;
            w[i] = (float) (0.3 * Math.sin(2 * Math.PI * f * t) + 0.1 * Math.sin(2 * Math.PI * 3 * f * t));
        }
        return w;
    }

    /** TestBatches' image crop as view 0 and the records' audio views as view 1. */
    static ViewBatch pairs(Recipe r, int n, long batchIndex) {
        ViewBatch images = TestBatches.batch(r, n, batchIndex);
        int len = LogMelView.SIZE * LogMelView.SIZE;
        float[] audio = new float[n * len];
        for (int i = 0; i < n; i++) {
            long id = images.recordIds()[i];
            System.arraycopy(LogMelView.augmented(tone(id), Rng.of(7, id, 1)), 0, audio, i * len, len);
        }
        return ViewBatch.of(n, List.of(images.views().get(0), audio),
                List.of(images.shape(0), LogMelView.SHAPE), images.recordIds());
    }

    @Test
    void theAudioViewMakesTwoViewsPerRecordAndMustComeLast() {
        assertThat(Recipes.spec("cmc").viewCount(audioParams("intensity,audio"))).isEqualTo(2);
        assertThat(Recipes.spec("cmc").viewCount(audioParams("l,ab,audio"))).isEqualTo(2);
        assertThat(Recipes.spec("cmc").viewCount(Recipes.defaults("cmc"))).isEqualTo(1);
        assertThatThrownBy(() -> Cmc.views(audioParams("audio,intensity"), GRAY)).hasMessageContaining("put audio last");
        try (AbstractRecipe r = Recipes.create("cmc", audioParams("intensity,audio"), GRAY)) {
            assertThat(r.viewsPerRecord()).isEqualTo(2);
            assertThat(((CrossModalRecipe) r).audioView()).isEqualTo(1);
            assertThat(r.encoderConfig()).isEqualTo(GRAY);
            ViewBatch p = pairs(r, 8, 0);
            assertThat(r.embed(p.views().get(0), 8)[0]).as("image side only").hasSize(GRAY.outDim());
            ViewBatch twoImageViews = TestBatches.batch(r, 8, 0); // view 1 an image crop, not a log-mel view
            assertThatThrownBy(() -> r.step(twoImageViews)).hasMessageContaining("LogMelView");
        }
    }

    @Test
    void lossIsFiniteAndFallsOnARepeatedBatch() {
        try (AbstractRecipe r = Recipes.create("cmc", audioParams("intensity,audio").set(OptimizerParams.LR, 0.3), GRAY)) {
            ViewBatch b = pairs(r, 8, 0);
            float first = r.step(b).loss();
            assertThat((double) first).as("two directions, each near log 8").isCloseTo(2 * Math.log(8), within(1.2));
            float last = first;
            for (int s = 0; s < 14; s++) {
                StepResult res = r.step(b);
                assertThat(res.skipped()).isFalse();
                assertThat(Float.isFinite(res.loss())).isTrue();
                last = res.loss();
            }
            assertThat(last).isLessThan(0.7f * first);
        }
    }

    @Test
    void exportImportResumesBitExactAndTheEncoderCarriesTheAudioSide() {
        Params p = audioParams("intensity,audio");
        byte[] straight;
        float[][] za;
        byte[] enc;
        ViewBatch probe;
        try (AbstractRecipe r = Recipes.create("cmc", p, GRAY)) {
            probe = pairs(r, 8, 9);
            r.step(pairs(r, 8, 0));
            r.step(pairs(r, 8, 1));
            straight = r.exportState();
            za = ((CrossModalRecipe) r).projectAudio(probe.views().get(1), 8);
            enc = r.exportEncoder();
        }
        for (float[] row : za) {
            double norm = 0;
            for (float v : row) {
                norm += v * v;
            }
            assertThat(norm).isCloseTo(1.0, within(1e-4));
        }
        try (AbstractRecipe r = Recipes.create("cmc", p, GRAY)) {
            r.step(pairs(r, 8, 0));
            byte[] midway = r.exportState();
            try (AbstractRecipe resumed = Recipes.create("cmc", p.set(RecipeParams.SEED, 5L), GRAY)) {
                resumed.importState(midway);
                resumed.step(pairs(resumed, 8, 1));
                assertThat(resumed.exportState()).isEqualTo(straight);
            }
        }
        try (AbstractRecipe other = Recipes.create("cmc", p.set(RecipeParams.SEED, 11L), GRAY)) {
            other.importEncoder(enc);
            float[][] again = ((CrossModalRecipe) other).projectAudio(probe.views().get(1), 8);
            assertThat(Arrays.deepEquals(again, za)).as("heads are not in encoder.bin").isFalse();
            other.importState(straight);
            assertThat(Arrays.deepEquals(((CrossModalRecipe) other).projectAudio(probe.views().get(1), 8), za)).isTrue();
        }
    }

    @Test
    void nanAudioIsSkippedByTheNumericsGuard() {
        try (AbstractRecipe r = Recipes.create("cmc", audioParams("intensity,audio"), GRAY)) {
            r.step(pairs(r, 8, 0));
            byte[] encoder = r.exportEncoder();
            ViewBatch good = pairs(r, 8, 1);
            float[] bad = good.views().get(1).clone();
            bad[3] = Float.NaN;
            StepResult s = r.step(ViewBatch.of(8, List.of(good.views().get(0), bad), good.shapes(), good.recordIds()));
            assertThat(s.skipped()).isTrue();
            assertThat(r.skippedSteps()).isEqualTo(1);
            assertThat(r.exportEncoder()).isEqualTo(encoder);
            assertThat(r.step(good).skipped()).isFalse();
        }
    }

    @Test
    void colourViewsWithAudioContrastEveryPair() {
        EncoderConfig rgb = EncoderConfig.smallResNet(3, 28);
        try (AbstractRecipe r = Recipes.create("cmc", audioParams("l,ab,audio"), rgb)) {
            float first = r.step(pairs(r, 8, 0)).loss();
            assertThat((double) first).as("3 pairs, two directions").isCloseTo(6 * Math.log(8), within(6 * 0.6));
            assertThat(r.embed(pairs(r, 8, 1).views().get(0), 8)[0]).hasSize(2 * rgb.outDim());
        }
    }
}
