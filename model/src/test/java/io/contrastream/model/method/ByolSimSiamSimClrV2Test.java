package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.contrastream.model.method.byol.Byol;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.method.simclr.SimClrV2;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What is particular to BYOL, SimSiam and SimCLR v2 (the shared contracts are in RecipeStateTest). */
class ByolSimSiamSimClrV2Test {

    @Test
    void byolTargetMomentumFollowsTheCosine() {
        assertThat(Byol.targetMomentum(0.996, 0, 100)).isCloseTo(0.996f, within(1e-7f));
        assertThat(Byol.targetMomentum(0.996, 50, 100)).isCloseTo(0.998f, within(1e-7f));
        assertThat(Byol.targetMomentum(0.996, 100, 100)).isEqualTo(1f);
        assertThat(Byol.targetMomentum(0.996, 500, 100)).isEqualTo(1f);
        assertThat(Byol.targetMomentum(0.99, 12345, 0)).isEqualTo(0.99f); // a stream: constant
    }

    @Test
    void byolTargetIsAnEmaOfTheOnlineEncoder() {
        for (double base : new double[] {0.0, 1.0}) {
            var p = RecipeStateTest.small("byol").set(RecipeParams.BASE_TARGET_MOMENTUM, base)
                    .set(OptimizerParams.TOTAL_STEPS, 0L).set(OptimizerParams.WARMUP_STEPS, 0L); // lr > 0 at step 0
            try (Byol r = (Byol) Recipes.create("byol", p, RecipeStateTest.ENC)) {
                Block targetEncoder = r.targetNetwork().block().getChildren().get(0).getValue();
                float[] start = weights(targetEncoder);
                StepResult s = r.step(TestBatches.batch(r, 8, 0));
                assertThat(s.loss()).isBetween(0f, 8f);
                float[] after = weights(targetEncoder);
                if (base == 1.0) { // τ = 1: the target never moves
                    assertThat(after).isEqualTo(start);
                } else { // τ = 0: the target is the online encoder after the update
                    assertThat(after).isEqualTo(weights(r.encoder));
                    assertThat(after).isNotEqualTo(start);
                }
            }
        }
    }

    @Test
    void simSiamLossIsANegativeCosine() {
        try (AbstractRecipe r = Recipes.create("simsiam", RecipeStateTest.small("simsiam"), RecipeStateTest.ENC)) {
            for (int s = 0; s < 2; s++) {
                assertThat(r.step(TestBatches.batch(r, 8, s)).loss()).isBetween(-1f, 1f);
            }
        }
    }

    @Test
    void simSiamPredictorKeepsTheBaseRateWhileTheScheduleWarmsUp() {
        // at step 0 of a 10-step warm-up the scheduled rate is 0: only a fixed-rate predictor moves
        for (boolean fixed : new boolean[] {true, false}) {
            Params p = Recipes.defaults("simsiam").set(OptimizerParams.BATCH, 8).set(OptimizerParams.WARMUP_STEPS, 10L)
                    .set(RecipeParams.FIX_PRED_LR, fixed);
            try (io.contrastream.model.method.simsiam.SimSiam r =
                    (io.contrastream.model.method.simsiam.SimSiam) Recipes.create("simsiam", p, RecipeStateTest.ENC)) {
                float[] predictor = r.predictorWeights();
                StepResult s = r.step(TestBatches.batch(r, 8, 0));
                assertThat(s.lr()).isZero();
                if (fixed) {
                    assertThat(r.predictorWeights()).as("predictor at the base rate").isNotEqualTo(predictor);
                } else {
                    assertThat(r.predictorWeights()).isEqualTo(predictor);
                }
            }
        }
        assertThat(Recipes.defaults("simsiam").get(RecipeParams.FIX_PRED_LR)).isTrue();
    }

    @Test
    void simClrV2EmbedsFromTheFirstProjectorLayer() {
        try (SimClrV2 r = (SimClrV2) Recipes.create("simclr-v2", RecipeStateTest.small("simclr-v2"),
                RecipeStateTest.ENC)) {
            r.step(TestBatches.batch(r, 8, 0));
            float[] images = TestBatches.batch(r, 8, 1).views().get(0);
            float[][] layer1 = r.embedProjectorLayer1(images, 8);
            assertThat(layer1).hasNumberOfRows(8);
            assertThat(layer1[0]).hasSize(r.params().get(RecipeParams.PROJ_HIDDEN));
            boolean anyPositive = false;
            for (float[] row : layer1) {
                for (float v : row) {
                    assertThat(v).isGreaterThanOrEqualTo(0f); // after the ReLU
                    anyPositive |= v > 0;
                }
            }
            assertThat(anyPositive).isTrue();
            assertThat(r.embed(images, 8)[0]).hasSize(RecipeStateTest.ENC.outDim());
            assertThat(r.queue()).isEmpty();
        }
    }

    @Test
    void simClrV2MomentumEncoderEnqueuesBothViews() {
        var p = RecipeStateTest.small("simclr-v2").set(RecipeParams.USE_MOMENTUM_ENCODER, true);
        try (SimClrV2 r = (SimClrV2) Recipes.create("simclr-v2", p, RecipeStateTest.ENC);
                AbstractRecipe plain = Recipes.create("simclr-v2", RecipeStateTest.small("simclr-v2"),
                        RecipeStateTest.ENC)) {
            assertThat(r.hasMomentumEncoder()).isTrue();
            r.step(TestBatches.batch(r, 8, 0));
            assertThat(r.queue().orElseThrow().pointer()).isEqualTo(16);
            byte[] state = r.exportState();
            assertThatThrownBy(() -> plain.importState(state)).hasMessageContaining("use-momentum-encoder");
        }
        var tooSmall = RecipeStateTest.small("simclr-v2").set(RecipeParams.USE_MOMENTUM_ENCODER, true)
                .set(RecipeParams.QUEUE_SIZE, 12);
        assertThatThrownBy(() -> Recipes.create("simclr-v2", tooSmall, RecipeStateTest.ENC))
                .hasMessageContaining("queue-size >= 2 x batch");
    }

    @ParameterizedTest
    @ValueSource(strings = {"byol", "byol:mlp-norm=gn-ws", "simsiam", "simclr-v2", "simclr-v2:use-momentum-encoder=true"})
    void stepsLeaveNoArraysInTheRecipeManager(String testCase) {
        try (AbstractRecipe r = Recipes.create(RecipeStateTest.method(testCase), RecipeStateTest.small(testCase),
                RecipeStateTest.ENC)) {
            r.step(TestBatches.batch(r, 8, 0));
            int held = r.manager.getManagedArrays().size();
            for (int s = 1; s < 3; s++) {
                r.step(TestBatches.batch(r, 8, s));
            }
            float[] images = TestBatches.batch(r, 8, 9).views().get(0);
            r.embed(images, 8);
            if (r instanceof SimClrV2 v2) {
                v2.embedProjectorLayer1(images, 8);
            }
            assertThat(r.manager.getManagedArrays()).hasSize(held);
        }
    }

    @Test
    void paramsRejectUnknownNorms() {
        assertThatThrownBy(() -> Recipes.defaults("byol").set("mlp-norm", "layer"))
                .hasMessageContaining("mlp-norm");
        assertThat(Recipes.METHODS).contains("byol", "simsiam", "simclr-v2");
    }

    /** Every trained weight of a block, concatenated (batch-norm running statistics left out). */
    private static float[] weights(Block b) {
        List<Float> out = new ArrayList<>();
        for (Parameter p : b.getParameters().values()) {
            if (p.requiresGradient()) {
                for (float v : p.getArray().toFloatArray()) {
                    out.add(v);
                }
            }
        }
        float[] flat = new float[out.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = out.get(i);
        }
        return flat;
    }
}
