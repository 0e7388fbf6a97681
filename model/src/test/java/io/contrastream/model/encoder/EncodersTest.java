package io.contrastream.model.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.contrastream.model.head.Mlp;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

class EncodersTest {

    static Block init(Block b, NDManager m, long seed, Shape in) {
        b.setInitializer(new SeededInitializer(Rng.seeded(seed)), Parameter.Type.WEIGHT);
        b.initialize(m, DataType.FLOAT32, in);
        return b;
    }

    static NDArray forward(Block b, NDManager m, NDArray x) {
        return b.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
    }

    @Test
    void smallResNetMapsImagesToH() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int c : new int[] {1, 3}) {
                for (int size : new int[] {28, 32}) {
                    EncoderConfig cfg = EncoderConfig.smallResNet(c, size);
                    Block f = init(Encoders.build(cfg), m, 1, new Shape(2, c, size, size));
                    NDArray h = forward(f, m, m.randomUniform(0, 1, new Shape(3, c, size, size)));
                    assertThat(h.getShape()).isEqualTo(new Shape(3, cfg.outDim()));
                }
            }
            long params = Encoders.build(EncoderConfig.smallResNet(1, 28)).getParameters().size();
            assertThat(params).isGreaterThan(10);
        }
    }

    @Test
    void resNet18HasItsPublishedSize() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block f = init(Encoders.build(EncoderConfig.resNet18(3, 64)), m, 1, new Shape(1, 3, 64, 64));
            long weights = 0;
            for (var p : f.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    weights += p.getValue().getArray().size();
                }
            }
            // ResNet-18 without its 1000-way classifier: 11.18 M trainable parameters (He et al. 2016)
            assertThat(weights).isBetween(11_150_000L, 11_200_000L);
            NDArray h = forward(f, m, m.randomUniform(0, 1, new Shape(2, 3, 64, 64)));
            assertThat(h.getShape()).isEqualTo(new Shape(2, 512));
        }
    }

    @Test
    void seededInitIsRepeatableAndSeedDependent() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape in = new Shape(1, 1, 28, 28);
            float[] a = init(Encoders.build(EncoderConfig.smallResNet(1, 28)), m, 5, in).getParameters().get(0)
                    .getValue().getArray().toFloatArray();
            float[] b = init(Encoders.build(EncoderConfig.smallResNet(1, 28)), m, 5, in).getParameters().get(0)
                    .getValue().getArray().toFloatArray();
            float[] c = init(Encoders.build(EncoderConfig.smallResNet(1, 28)), m, 6, in).getParameters().get(0)
                    .getValue().getArray().toFloatArray();
            assertThat(a).isEqualTo(b);
            assertThat(a).isNotEqualTo(c);
            // He normal, fan-out: first conv is 16 x 1 x 3 x 3 → std sqrt(2 / (16 * 9))
            double var = 0;
            for (float v : a) {
                var += v * v;
            }
            assertThat(Math.sqrt(var / a.length)).isBetween(0.7 * Math.sqrt(2.0 / 144), 1.3 * Math.sqrt(2.0 / 144));
        }
    }

    @Test
    void projectorsHaveTheirLayersAndValidate() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int layers = 1; layers <= 3; layers++) {
                Block g = init(Mlp.projector(layers, 128, 64, 32, true), m, 1, new Shape(4, 128));
                long linear = g.getParameters().keys().stream().filter(k -> k.contains("weight")).count();
                assertThat(linear).isEqualTo(layers);
                assertThat(forward(g, m, m.ones(new Shape(4, 128))).getShape()).isEqualTo(new Shape(4, 32));
            }
            Block q = init(Mlp.predictor(32, 8, 32), m, 1, new Shape(4, 32));
            assertThat(forward(q, m, m.ones(new Shape(4, 32))).getShape()).isEqualTo(new Shape(4, 32));
        }
        assertThatThrownBy(() -> Mlp.projector(4, 1, 1, 1, false)).hasMessageContaining("1, 2 or 3");
        assertThatThrownBy(() -> EncoderConfig.preset("vgg", 1, 28)).hasMessageContaining("resnet-small");
    }
}
