package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.param.Params;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * N steps, export, import into a fresh recipe, M more steps equals N + M steps straight, bit for
 * bit: weights, optimizer state, momentum copy, queue and pointer, step counter and RNG. This also
 * proves gradients are zeroed every step (a fresh recipe starts with no accumulated gradient).
 */
class RecipeStateTest {
    static final EncoderConfig ENC = EncoderConfig.smallResNet(1, 28);

    static Params small(String method) {
        return Recipes.defaults(method).set(RecipeParams.BATCH, 8).set(RecipeParams.QUEUE_SIZE, 24)
                .set(RecipeParams.WARMUP_STEPS, 2L).set(RecipeParams.TOTAL_STEPS, 10L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"invaspread", "moco-v1", "moco-v2", "simclr"})
    void exportImportResumesBitExact(String method) {
        byte[] straight;
        float[][] straightEmbed;
        try (AbstractRecipe r = Recipes.create(method, small(method), ENC)) {
            for (int s = 0; s < 5; s++) {
                assertThat(r.step(TestBatches.batch(r, 8, s)).skipped()).isFalse();
            }
            straight = r.exportState();
            straightEmbed = r.embed(TestBatches.batch(r, 8, 100).views().get(0), 8);
            assertThat(r.stepCount()).isEqualTo(5);
        }
        byte[] midway;
        try (AbstractRecipe r = Recipes.create(method, small(method), ENC)) {
            for (int s = 0; s < 3; s++) {
                r.step(TestBatches.batch(r, 8, s));
            }
            midway = r.exportState();
        }
        try (AbstractRecipe r = Recipes.create(method, small(method).set(RecipeParams.SEED, 1234L), ENC)) {
            r.importState(midway);
            assertThat(r.stepCount()).isEqualTo(3);
            assertThat(r.exportState()).isEqualTo(midway);
            for (int s = 3; s < 5; s++) {
                r.step(TestBatches.batch(r, 8, s));
            }
            assertThat(r.exportState()).as("state after 3 + restore + 2 steps").isEqualTo(straight);
            float[][] resumedEmbed = r.embed(TestBatches.batch(r, 8, 100).views().get(0), 8);
            assertThat(Arrays.deepEquals(resumedEmbed, straightEmbed)).isTrue();
        }
        assertThat(straight).isNotEqualTo(midway);
    }

    @ParameterizedTest
    @ValueSource(strings = {"invaspread", "moco-v1", "moco-v2", "simclr"})
    void anEndlessStreamTrainsAtAConstantRate(String method) {
        // total-steps = 0 is the streaming default: no decay, the weights must still move
        var p = Recipes.defaults(method).set(RecipeParams.BATCH, 8).set(RecipeParams.QUEUE_SIZE, 24);
        try (AbstractRecipe r = Recipes.create(method, p, ENC)) {
            byte[] before = r.exportEncoder();
            float lr = r.currentLr();
            assertThat(lr).isEqualTo((float) (0.06 * 8 / 256));
            r.step(TestBatches.batch(r, 8, 0));
            r.step(TestBatches.batch(r, 8, 1));
            assertThat(r.currentLr()).isEqualTo(lr);
            assertThat(r.exportEncoder()).isNotEqualTo(before);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"moco-v2", "simclr"})
    void importRejectsOtherMethodOrShape(String method) {
        try (AbstractRecipe a = Recipes.create(method, small(method), ENC);
                AbstractRecipe b = Recipes.create("invaspread", small("invaspread"), ENC)) {
            byte[] state = a.exportState();
            assertThatThrownBy(() -> b.importState(state)).hasMessageContaining("cannot be imported");
        }
    }
}
