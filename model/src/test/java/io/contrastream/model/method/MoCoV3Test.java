package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.encoder.VisionTransformer;
import io.contrastream.model.method.byol.Byol;
import io.contrastream.model.method.moco.MoCoV3;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * MoCo v3: defaults, the momentum schedule, the frozen patch projection staying put in both
 * networks while the rest trains, and learning on a repeated batch with either encoder.
 */
class MoCoV3Test {
    static final EncoderConfig VIT = EncoderConfig.preset("vit-tiny-frozen", 1, 28);

    @Test
    void defaultsFollowThePaperScaled() {
        Params p = Recipes.defaults("moco-v3");
        assertThat(p.get(OptimizerParams.OPTIMIZER)).isEqualTo("adamw");
        assertThat(p.get(OptimizerParams.LR)).isEqualTo(1.5e-4);
        assertThat(p.get(OptimizerParams.WEIGHT_DECAY)).isEqualTo(0.1);
        assertThat(p.get(RecipeParams.TEMPERATURE)).isEqualTo(0.2);
        assertThat(p.get(RecipeParams.PROJ_LAYERS)).isEqualTo(3);
        assertThat(p.get(RecipeParams.BASE_TARGET_MOMENTUM)).isEqualTo(0.99);
        try (AbstractRecipe r = Recipes.create("moco-v3", p.set(OptimizerParams.BATCH, 64), VIT)) {
            assertThat(r).isInstanceOf(MoCoV3.class);
            assertThat(r.currentLr()).isEqualTo((float) (1.5e-4 * 64 / 256));
            assertThat(r.name()).isEqualTo("moco-v3");
        }
    }

    @Test
    void momentumRisesToOneOnACosine() {
        assertThat(MomentumSchedule.cosineToOne(0.99, 0, 100)).isEqualTo(0.99f);
        assertThat(MomentumSchedule.cosineToOne(0.99, 50, 100)).isCloseTo(0.995f, within(1e-6f));
        assertThat(MomentumSchedule.cosineToOne(0.99, 100, 100)).isEqualTo(1f);
        assertThat(MomentumSchedule.cosineToOne(0.99, 500, 100)).isEqualTo(1f);
        assertThat(MomentumSchedule.cosineToOne(0.99, 500, 0)).isEqualTo(0.99f);
        assertThat(Byol.targetMomentum(0.996, 30, 100)).isEqualTo(MomentumSchedule.cosineToOne(0.996, 30, 100));
    }

    @Test
    void theFrozenPatchProjectionNeverMovesWhileTheRestTrains() {
        Params p = RecipeStateTest.small("moco-v3");
        try (MoCoV3 r = (MoCoV3) Recipes.create("moco-v3", p, VIT)) {
            Block patch = ((VisionTransformer) r.queryEncoder()).patchEmbedding();
            List<float[]> patchBefore = values(patch);
            List<float[]> encoderBefore = values(r.queryEncoder());
            List<float[]> keyBefore = values(r.keyNetwork().block());
            for (int s = 0; s < 3; s++) {
                assertThat(r.step(TestBatches.batch(r, 8, s)).skipped()).isFalse();
            }
            List<float[]> patchAfter = values(patch);
            for (int i = 0; i < patchBefore.size(); i++) {
                assertThat(patchAfter.get(i)).isEqualTo(patchBefore.get(i));
            }
            // the key network's copy of the patch projection (its first parameters after cls and pos) is the same
            var onlineParams = r.queryEncoder().getParameters();
            var keyParams = r.keyNetwork().block().getParameters();
            List<float[]> keyAfter = values(r.keyNetwork().block());
            List<float[]> encoderAfter = values(r.queryEncoder());
            int moved = 0;
            int keyMoved = 0;
            for (int i = 0; i < onlineParams.size(); i++) {
                Pair<String, Parameter> o = onlineParams.get(i);
                boolean frozen = !o.getValue().requiresGradient();
                assertThat(keyParams.get(i).getKey()).endsWith(o.getKey());
                if (frozen) {
                    assertThat(o.getKey()).contains("patch");
                    assertThat(keyAfter.get(i)).isEqualTo(encoderAfter.get(i));
                    assertThat(keyAfter.get(i)).isEqualTo(keyBefore.get(i));
                } else {
                    moved += java.util.Arrays.equals(encoderAfter.get(i), encoderBefore.get(i)) ? 0 : 1;
                    keyMoved += java.util.Arrays.equals(keyAfter.get(i), keyBefore.get(i)) ? 0 : 1;
                }
            }
            assertThat(moved).isEqualTo(52); // every trainable encoder parameter (see VisionTransformerTest)
            assertThat(keyMoved).isEqualTo(52);
        }
    }

    @Test
    void learnsARepeatedBatchWithEitherEncoder() {
        for (EncoderConfig enc : new EncoderConfig[] {VIT, RecipeStateTest.ENC}) {
            Params p = Recipes.defaults("moco-v3").set(OptimizerParams.BATCH, 16).set(OptimizerParams.LR, 0.02);
            try (AbstractRecipe r = Recipes.create("moco-v3", p, enc)) {
                ViewBatch b = TestBatches.batch(r, 16, 0);
                float first = r.step(b).loss();
                // nothing learnt yet: near 2 · 2τ·log N
                assertThat(first).as(enc.arch()).isBetween(0.5f * 0.8f * (float) Math.log(16), 1.2f * 0.8f
                        * (float) Math.log(16));
                float last = first;
                for (int s = 0; s < 8; s++) {
                    last = r.step(b).loss();
                }
                assertThat(last).as(enc.arch()).isLessThan(first);
            }
        }
    }

    private static List<float[]> values(Block b) {
        List<float[]> out = new ArrayList<>();
        for (var p : b.getParameters()) {
            out.add(p.getValue().getArray().toFloatArray());
        }
        return out;
    }
}
