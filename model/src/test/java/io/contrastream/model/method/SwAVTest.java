package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.method.swav.SwAV;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import org.junit.jupiter.api.Test;

/** SwAV's prototypes: unit rows after every step, frozen for the first steps; its feature queue. */
class SwAVTest {
    private static Params small() {
        return Recipes.defaults("swav").set(OptimizerParams.BATCH, 8).set(RecipeParams.PROTOTYPES, 10);
    }

    private static void assertUnitRows(float[] c, int dim) {
        for (int k = 0; k < c.length / dim; k++) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                s += (double) c[k * dim + j] * c[k * dim + j];
            }
            assertThat(Math.sqrt(s)).as("|C[%d]|", k).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void prototypesStayFrozenThenMoveAndKeepUnitRows() {
        try (SwAV frozen = (SwAV) Recipes.create("swav", small(), RecipeStateTest.ENC);
                SwAV free = (SwAV) Recipes.create("swav", small().set(RecipeParams.FREEZE_PROTOTYPES_STEPS, 0L),
                        RecipeStateTest.ENC)) {
            float[] c0 = frozen.prototypes();
            assertThat(c0.length).isEqualTo(10 * 128);
            assertUnitRows(c0, 128);
            assertThat(free.prototypes()).isEqualTo(c0);
            for (int s = 0; s < 2; s++) {
                assertThat(frozen.step(TestBatches.batch(frozen, 8, s)).skipped()).isFalse();
                assertThat(free.step(TestBatches.batch(free, 8, s)).skipped()).isFalse();
            }
            float[] cf = frozen.prototypes();
            for (int i = 0; i < c0.length; i++) {
                assertThat((double) cf[i]).isCloseTo(c0[i], within(1e-6));
            }
            assertThat(free.prototypes()).isNotEqualTo(c0);
            assertUnitRows(free.prototypes(), 128);
        }
    }

    @Test
    void multiCropSmallCropsPredictTheLargeCropsCodes() {
        assertThat(Recipes.defaults("swav").get(RecipeParams.LOCAL_CROPS)).isEqualTo(4);
        assertThat(Recipes.spec("swav").viewCount(Recipes.defaults("swav"))).isEqualTo(6);
        assertThat(Recipes.spec("swav").viewCount(Recipes.defaults("swav").set(RecipeParams.LOCAL_CROPS, 0))).isEqualTo(2);
        assertThat(Recipes.spec("cmc").viewCount(Recipes.defaults("cmc"))).isEqualTo(1);
        assertThat(Recipes.spec("moco-v2").viewCount(Recipes.defaults("moco-v2"))).isEqualTo(2);
        try (SwAV r = (SwAV) Recipes.create("swav", small(), RecipeStateTest.ENC);
                SwAV same = (SwAV) Recipes.create("swav", small(), RecipeStateTest.ENC)) {
            assertThat(r.viewsPerRecord()).isEqualTo(6);
            ViewBatch b = TestBatches.batch(r, 8, 0);
            assertThat(b.shape(0)).containsExactly(1, 28, 28);
            assertThat(b.shape(2)).containsExactly(1, 14, 14);
            java.util.List<float[]> views = new java.util.ArrayList<>(b.views());
            float[] flipped = views.get(3).clone();
            for (int i = 0; i < flipped.length; i++) {
                flipped[i] = 1f - flipped[i];
            }
            views.set(3, flipped);
            float base = r.step(b).loss();
            float changed = same.step(new ViewBatch(8, 1, 28, 28, views, b.recordIds(), b.shapes())).loss();
            assertThat(base).isFinite();
            assertThat(changed).isNotEqualTo(base); // a small crop's prediction is part of the loss
        }
    }

    @Test
    void queueIsUsedOnceFull() {
        try (SwAV r = (SwAV) Recipes.create("swav", small().set(RecipeParams.SWAV_QUEUE, 16), RecipeStateTest.ENC)) {
            assertThat(r.queueInUse()).isFalse();
            r.step(TestBatches.batch(r, 8, 0)); // both views: 16 rows
            assertThat(r.queueInUse()).isTrue();
            assertThat(r.step(TestBatches.batch(r, 8, 1)).skipped()).isFalse();
        }
    }

    @Test
    void queueSmallerThanTheBatchIsRejected() {
        assertThatThrownBy(() -> Recipes.create("swav", small().set(RecipeParams.SWAV_QUEUE, 4), RecipeStateTest.ENC))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("swav-queue");
    }
}
