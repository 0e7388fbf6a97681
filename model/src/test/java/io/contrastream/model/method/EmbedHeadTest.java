package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.optim.OptimizerParams;
import org.junit.jupiter.api.Test;

/** The head features of evaluation: InstDisc's 128-d unit vectors (its paper's kNN space); others refuse. */
class EmbedHeadTest {

    @Test
    void instDiscGivesUnitRowsOfTheProjectionAndOthersPointToTheEncoder() {
        try (AbstractRecipe r = Recipes.create("instdisc", Recipes.defaults("instdisc").set(OptimizerParams.BATCH, 8)
                .set(RecipeParams.BANK_SIZE, 64).set(RecipeParams.NCE_NEGATIVES, 16), RecipeStateTest.ENC)) {
            ViewBatch b = TestBatches.batch(r, 8, 0);
            r.step(b);
            float[][] v = r.embedHead(b.views().get(0), 8);
            assertThat(v).hasNumberOfRows(8);
            for (float[] row : v) {
                assertThat(row).hasSize(128);
                double norm = 0;
                for (float x : row) {
                    norm += x * x;
                }
                assertThat(norm).isCloseTo(1.0, within(1e-5));
            }
            assertThat(r.embedHead(b.views().get(0), 8)).isDeepEqualTo(v); // inference mode: repeatable
            assertThat(v[0]).isNotEqualTo(v[1]);
        }
        try (AbstractRecipe m = Recipes.create("moco-v2", Recipes.defaults("moco-v2"), RecipeStateTest.ENC)) {
            assertThatThrownBy(() -> m.embedHead(new float[784], 1)).hasMessageContaining("--features encoder");
        }
    }
}
