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
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/** Group norm and weight standardisation against plain-Java loops; the gn-ws MLP's structure. */
class NormBlocksTest {

    @Test
    void groupNormMatchesAPlainLoop() {
        int n = 3;
        int c = 8;
        int g = 2;
        float[] x = gaussian(Rng.seeded(1), n * c);
        try (NDManager m = NDManager.newBaseManager()) {
            GroupNorm gn = new GroupNorm(g);
            gn.initialize(m, DataType.FLOAT32, new Shape(n, c));
            float[] got = forward(gn, m, m.create(x, new Shape(n, c)));
            int size = c / g;
            for (int i = 0; i < n; i++) {
                for (int grp = 0; grp < g; grp++) {
                    double mean = 0;
                    for (int j = 0; j < size; j++) {
                        mean += x[i * c + grp * size + j];
                    }
                    mean /= size;
                    double var = 0;
                    for (int j = 0; j < size; j++) {
                        double dv = x[i * c + grp * size + j] - mean;
                        var += dv * dv;
                    }
                    var /= size;
                    for (int j = 0; j < size; j++) {
                        int at = i * c + grp * size + j;
                        double want = (x[at] - mean) / Math.sqrt(var + 1e-5); // γ = 1, β = 0 at start
                        assertThat((double) got[at]).isCloseTo(want, within(1e-5));
                    }
                }
            }
            // one sample alone gives the same output as inside a batch: no batch statistics
            float[] alone = forward(gn, m, m.create(java.util.Arrays.copyOf(x, c), new Shape(1, c)));
            for (int j = 0; j < c; j++) {
                assertThat(alone[j]).isCloseTo(got[j], within(1e-6f));
            }
        }
        assertThat(GroupNorm.defaultGroups(512)).isEqualTo(32);
        assertThat(GroupNorm.defaultGroups(100)).isEqualTo(4);
        assertThat(GroupNorm.defaultGroups(7)).isEqualTo(1);
    }

    @Test
    void wsLinearStandardisesEachWeightRow() {
        int n = 2;
        int in = 5;
        int units = 3;
        float[] x = gaussian(Rng.seeded(2), n * in);
        try (NDManager m = NDManager.newBaseManager()) {
            WsLinear ws = new WsLinear(units, true);
            ws.setInitializer(new SeededInitializer(Rng.seeded(3)), Parameter.Type.WEIGHT);
            ws.initialize(m, DataType.FLOAT32, new Shape(n, in));
            float[] w = ws.getParameters().get("weight").getArray().toFloatArray();
            float[] got = forward(ws, m, m.create(x, new Shape(n, in)));
            double[] wHat = new double[units * in];
            for (int o = 0; o < units; o++) {
                double mean = 0;
                for (int i = 0; i < in; i++) {
                    mean += w[o * in + i];
                }
                mean /= in;
                double var = 0;
                for (int i = 0; i < in; i++) {
                    var += (w[o * in + i] - mean) * (w[o * in + i] - mean);
                }
                var /= in;
                for (int i = 0; i < in; i++) {
                    wHat[o * in + i] = (w[o * in + i] - mean) / Math.sqrt(var + 1e-5);
                }
            }
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < units; o++) {
                    double want = 0; // bias starts at 0
                    for (int i = 0; i < in; i++) {
                        want += x[r * in + i] * wHat[o * in + i];
                    }
                    assertThat((double) got[r * units + o]).isCloseTo(want, within(1e-5));
                }
            }
        }
    }

    @Test
    void gnWsMlpHasNoBatchStatistics() {
        Block mlp = Mlp.build(2, 16, 64, 8, Mlp.GN_WS);
        try (NDManager m = NDManager.newBaseManager()) {
            mlp.setInitializer(new SeededInitializer(Rng.seeded(4)), Parameter.Type.WEIGHT);
            mlp.initialize(m, DataType.FLOAT32, new Shape(2, 16));
            assertThat(mlp.getParameters().values()).allMatch(Parameter::requiresGradient);
            assertThat(Mlp.firstLayer(mlp)).hasSize(3); // WsLinear, GroupNorm, ReLU
            float[] out = forward(mlp, m, m.create(gaussian(Rng.seeded(5), 3 * 16), new Shape(3, 16)));
            assertThat(out).hasSize(3 * 8);
        }
        assertThat(Mlp.firstLayer(Mlp.build(3, 16, 64, 8, Mlp.BN))).hasSize(3);
        assertThat(Mlp.firstLayer(Mlp.build(2, 16, 64, 8, Mlp.NONE))).hasSize(2);
        assertThat(Mlp.firstLayer(Mlp.build(1, 16, 64, 8, Mlp.NONE))).hasSize(1);
    }

    private static float[] forward(Block b, NDManager m, NDArray x) {
        return b.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow().toFloatArray();
    }

    private static float[] gaussian(Rng rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }
}
