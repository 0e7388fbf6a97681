package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.model.method.registry.Recipes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A batch that yields a non-finite loss is counted and skipped; the weights never see it. */
class NumericsGuardTest {

    @ParameterizedTest
    @MethodSource("io.contrastream.model.method.RecipeStateTest#cases")
    void nonFiniteLossNeverReachesTheWeights(String testCase) {
        String method = RecipeStateTest.method(testCase);
        try (AbstractRecipe r = Recipes.create(method, RecipeStateTest.small(testCase), RecipeStateTest.encoder(testCase))) {
            r.step(TestBatches.batch(r, 8, 0));
            byte[] before = r.exportState();
            ViewBatch good = TestBatches.batch(r, 8, 1);
            List<float[]> poisoned = new ArrayList<>();
            for (float[] v : good.views()) {
                float[] copy = v.clone();
                copy[5] = Float.NaN;
                copy[17] = Float.POSITIVE_INFINITY;
                poisoned.add(copy);
            }
            StepResult bad = r.step(new ViewBatch(8, good.channels(), good.height(), good.width(), poisoned,
                    good.recordIds(), good.shapes()));
            assertThat(bad.skipped()).isTrue();
            assertThat(Float.isFinite(bad.loss())).isFalse();
            assertThat(r.skippedSteps()).isEqualTo(1);
            assertThat(r.stepCount()).isEqualTo(1);
            byte[] after = r.exportState();
            // only the skipped-step counter differs (bytes 4 + name + step): compare everything else
            assertThat(withoutCounters(after, method)).isEqualTo(withoutCounters(before, method));
            StepResult next = r.step(good);
            assertThat(next.skipped()).isFalse();
            assertThat(Float.isFinite(next.loss())).isTrue();
            for (float[] h : r.embed(good.views().get(0), 8)) {
                for (float v : h) {
                    assertThat(Float.isFinite(v)).isTrue();
                }
            }
        }
    }

    private static byte[] withoutCounters(byte[] state, String method) {
        int skippedAt = 4 + 2 + method.length() + 8;
        byte[] copy = state.clone();
        for (int i = skippedAt; i < skippedAt + 8; i++) {
            copy[i] = 0;
        }
        return copy;
    }
}
