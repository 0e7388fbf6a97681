package io.contrastream.model.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.contrastream.model.encoder.SeededInitializer;
import io.contrastream.model.state.ParameterIO;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/** DINO's weight-normalised last layer and head: unit-norm rows, scale invariance, shapes. */
class WeightNormLinearTest {

    @Test
    void usesUnitNormRowsAndIgnoresTheirLength() {
        try (NDManager m = NDManager.newBaseManager()) {
            WeightNormLinear l = new WeightNormLinear(3);
            l.setInitializer(new SeededInitializer(Rng.seeded(1)), Parameter.Type.WEIGHT);
            l.initialize(m, DataType.FLOAT32, new Shape(2, 2));
            NDArray v = l.getParameters().get(0).getValue().getArray(); // v: 3 x 2
            ParameterIO.assign(v, new float[] {3, 4, 0, -2, 1, 1});
            NDArray x = m.create(new float[] {1, 2, -1, 0.5f}, new Shape(2, 2));
            float[] y = l.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow().toFloatArray();
            float r = (float) Math.sqrt(0.5);
            float[] want = {(3 + 8) / 5f, -2 / 2f * 2, (1 + 2) * r, (-3 + 2) / 5f, -1 * 0.5f, (-1 + 0.5f) * r};
            for (int i = 0; i < want.length; i++) {
                assertThat(y[i]).isCloseTo(want[i], within(1e-5f));
            }
        }
    }

    @Test
    void dinoHeadMapsToKOutputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block head = DinoHead.build(32, 8, 64);
            head.setInitializer(new SeededInitializer(Rng.seeded(2)), Parameter.Type.WEIGHT);
            head.initialize(m, DataType.FLOAT32, new Shape(2, 16));
            NDArray y = head.forward(new ParameterStore(m, false), new NDList(m.randomNormal(new Shape(5, 16))), false)
                    .singletonOrThrow();
            assertThat(y.getShape()).isEqualTo(new Shape(5, 64));
            // unit-norm input rows and unit-norm weight rows: every output is a cosine
            assertThat(y.abs().max().getFloat()).isLessThanOrEqualTo(1f + 1e-5f);
        }
    }
}
