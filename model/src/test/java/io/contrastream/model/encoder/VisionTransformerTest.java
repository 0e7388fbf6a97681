package io.contrastream.model.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/** The tiny ViT: shapes, size, seeded determinism, and where gradients go (frozen patch projection or not). */
class VisionTransformerTest {

    @Test
    void mapsImagesToTheClsToken() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int c : new int[] {1, 3}) {
                for (int size : new int[] {28, 32}) {
                    EncoderConfig cfg = EncoderConfig.vitTiny(c, size, false);
                    Block f = EncodersTest.init(Encoders.build(cfg), m, 1, new Shape(2, c, size, size));
                    assertThat(((VisionTransformer) f).tokens()).isEqualTo(17);
                    NDArray h = EncodersTest.forward(f, m, m.randomUniform(0, 1, new Shape(3, c, size, size)));
                    assertThat(h.getShape()).isEqualTo(new Shape(3, 128));
                    assertThat(cfg.outDim()).isEqualTo(128);
                }
            }
            long weights = 0;
            Block f = EncodersTest.init(Encoders.build(EncoderConfig.vitTiny(1, 28, false)), m, 1,
                    new Shape(1, 1, 28, 28));
            for (var p : f.getParameters()) {
                weights += p.getValue().getArray().size();
            }
            // patch 6,400 + cls 128 + pos 2,176 + 4 blocks x 132,480 + final norm 256
            assertThat(weights).isEqualTo(538_880L);
        }
        assertThat(EncoderConfig.preset("vit-tiny-frozen", 1, 28).vit().frozenPatch()).isTrue();
        assertThat(EncoderConfig.preset("vit-tiny", 1, 28)).isEqualTo(EncoderConfig.vitTiny(1, 28, false));
        assertThat(EncoderConfig.preset("vit-tiny", 1, 28)).isNotEqualTo(EncoderConfig.preset("vit-tiny-frozen", 1, 28));
        assertThatThrownBy(() -> EncoderConfig.preset("vit-tiny", 1, 30)).hasMessageContaining("multiple of patch");
    }

    @Test
    void smallerInputsTakeBilinearlyResampledPositions() {
        // 4 x 4 grid to 2 x 2 with half-pixel centres: each output averages a 2 x 2 block
        float[] r = VisionTransformer.resampling(4, 2);
        assertThat(r).hasSize(4 * 16);
        for (int oy = 0; oy < 2; oy++) {
            for (int ox = 0; ox < 2; ox++) {
                for (int iy = 0; iy < 4; iy++) {
                    for (int ix = 0; ix < 4; ix++) {
                        float w = iy / 2 == oy && ix / 2 == ox ? 0.25f : 0f;
                        assertThat(r[(oy * 2 + ox) * 16 + iy * 4 + ix]).isEqualTo(w);
                    }
                }
            }
        }
        float[] same = VisionTransformer.resampling(4, 4); // the identity
        for (int o = 0; o < 16; o++) {
            for (int i = 0; i < 16; i++) {
                assertThat(same[o * 16 + i]).isEqualTo(o == i ? 1f : 0f);
            }
        }
        float[] three = VisionTransformer.resampling(4, 3); // rows are convex weights
        for (int o = 0; o < 9; o++) {
            double sum = 0;
            for (int i = 0; i < 16; i++) {
                assertThat(three[o * 16 + i]).isGreaterThanOrEqualTo(0f);
                sum += three[o * 16 + i];
            }
            assertThat(sum).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Block f = EncodersTest.init(Encoders.build(EncoderConfig.vitTiny(1, 28, false)), m, 1, new Shape(2, 1, 28, 28));
            NDArray h = EncodersTest.forward(f, m, m.randomUniform(0, 1, new Shape(3, 1, 14, 14))); // 2 x 2 patches
            assertThat(h.getShape()).isEqualTo(new Shape(3, 128));
            assertThatThrownBy(() -> EncodersTest.forward(f, m, m.randomUniform(0, 1, new Shape(3, 1, 12, 12))))
                    .hasMessageContaining("multiple of the patch");
        }
    }

    @Test
    void seededInitAndForwardAreRepeatable() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape in = new Shape(2, 1, 28, 28);
            NDArray x = m.randomUniform(0, 1, new Shape(4, 1, 28, 28));
            float[] a = EncodersTest.forward(EncodersTest.init(Encoders.build(EncoderConfig.vitTiny(1, 28, true)), m, 5,
                    in), m, x).toFloatArray();
            float[] b = EncodersTest.forward(EncodersTest.init(Encoders.build(EncoderConfig.vitTiny(1, 28, true)), m, 5,
                    in), m, x).toFloatArray();
            float[] c = EncodersTest.forward(EncodersTest.init(Encoders.build(EncoderConfig.vitTiny(1, 28, true)), m, 6,
                    in), m, x).toFloatArray();
            assertThat(a).isEqualTo(b);
            assertThat(a).isNotEqualTo(c);
            // the [CLS] output is layer-normalised: per sample mean ≈ 0 and variance ≈ 1 (gamma 1, beta 0 at init)
            double mean = 0;
            double sq = 0;
            for (int j = 0; j < 128; j++) {
                mean += a[j];
                sq += a[j] * a[j];
            }
            assertThat(Math.abs(mean / 128)).isLessThan(1e-4);
            assertThat(sq / 128).isBetween(0.99, 1.01);
        }
    }

    @Test
    void gradientsReachEveryTrainableParameterButNotTheFrozenPatchProjection() {
        for (boolean frozen : new boolean[] {true, false}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Block f = EncodersTest.init(Encoders.build(EncoderConfig.vitTiny(1, 28, frozen)), m, 3,
                        new Shape(2, 1, 28, 28));
                Block patch = ((VisionTransformer) f).patchEmbedding();
                for (var p : patch.getParameters()) {
                    assertThat(p.getValue().requiresGradient()).as(p.getKey()).isEqualTo(!frozen);
                }
                NDArray x = m.randomUniform(0, 1, new Shape(4, 1, 28, 28), ai.djl.ndarray.types.DataType.FLOAT32);
                synchronized (AbstractRecipe.GRADIENT_LOCK) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray h = f.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
                        // a loss that depends on every [CLS] coordinate differently
                        NDArray loss = h.mul(m.arange(128f).add(m.create(1f))).sin().sum();
                        gc.backward(loss);
                    }
                }
                int trainable = 0;
                for (var p : f.getParameters()) {
                    Parameter param = p.getValue();
                    if (param.requiresGradient()) {
                        trainable++;
                        NDArray g = param.getArray().getGradient();
                        assertThat(g.abs().sum().getFloat()).as("gradient of %s", p.getKey()).isGreaterThan(0f);
                    } else {
                        assertThat(frozen).isTrue();
                        assertThat(p.getKey()).contains("patch");
                        assertThat(param.getArray().hasGradient()).as(p.getKey()).isFalse();
                    }
                }
                // cls, pos, 4 blocks x 12 (2 norms, qkv, proj, fc1, fc2), final norm 2, plus the patch weight and bias
                assertThat(trainable).isEqualTo(frozen ? 52 : 54);
            }
        }
    }
}
