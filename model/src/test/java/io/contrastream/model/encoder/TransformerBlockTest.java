package io.contrastream.model.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.contrastream.model.state.ParameterIO;
import io.contrastream.model.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One pre-norm transformer block against a slow loop of the textbook formulas, with random parameters. */
class TransformerBlockTest {
    private static final int N = 2;
    private static final int T = 3;
    private static final int W = 8;
    private static final int HEADS = 2;
    private static final int RATIO = 2;

    @Test
    void matchesSlowLoop() {
        Rng rng = Rng.seeded(51);
        try (NDManager m = NDManager.newBaseManager()) {
            TransformerBlock b = new TransformerBlock(W, HEADS, RATIO);
            EncodersTest.init(b, m, 1, new Shape(N, T, W));
            List<String> names = new ArrayList<>();
            List<double[]> p = new ArrayList<>();
            for (var e : b.getParameters()) {
                Parameter param = e.getValue();
                float[] v = new float[Math.toIntExact(param.getArray().size())];
                double[] d = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rng.nextGaussian() * 0.5);
                    d[i] = v[i];
                }
                ParameterIO.assign(param.getArray(), v);
                names.add(e.getKey());
                p.add(d);
            }
            assertThat(names).hasSize(12);
            assertThat(names.get(0)).contains("norm1").endsWith("gamma");
            assertThat(names.get(2)).contains("qkv").endsWith("weight");
            assertThat(names.get(4)).contains("proj").endsWith("weight");
            assertThat(names.get(6)).contains("norm2").endsWith("gamma");
            assertThat(names.get(8)).contains("fc1").endsWith("weight");
            assertThat(names.get(10)).contains("fc2").endsWith("weight");
            float[] x = new float[N * T * W];
            double[][][] xd = new double[N][T][W];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextGaussian();
                xd[i / (T * W)][(i / W) % T][i % W] = x[i];
            }
            NDArray y = EncodersTest.forward(b, m, m.create(x, new Shape(N, T, W)));
            assertThat(y.getShape()).isEqualTo(new Shape(N, T, W));
            float[] got = y.toFloatArray();
            for (int n = 0; n < N; n++) {
                double[][] want = reference(xd[n], p);
                for (int t = 0; t < T; t++) {
                    for (int j = 0; j < W; j++) {
                        assertThat((double) got[(n * T + t) * W + j]).as("y[%d][%d][%d]", n, t, j)
                                .isCloseTo(want[t][j], within(1e-4 + 1e-4 * Math.abs(want[t][j])));
                    }
                }
            }
        }
    }

    /** x + attn(LN1 x), then + MLP(LN2 ·), for one sample (T x W). */
    static double[][] reference(double[][] x, List<double[]> p) {
        int dh = W / HEADS;
        double[][] a = layerNorm(x, p.get(0), p.get(1));
        double[][] qkv = linear(a, p.get(2), p.get(3), 3 * W); // T x 3W: q | k | v, heads inside each
        double[][] heads = new double[T][W];
        for (int h = 0; h < HEADS; h++) {
            for (int i = 0; i < T; i++) {
                double[] s = new double[T];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < T; j++) {
                    for (int d = 0; d < dh; d++) {
                        s[j] += qkv[i][h * dh + d] * qkv[j][W + h * dh + d];
                    }
                    s[j] /= Math.sqrt(dh);
                    max = Math.max(max, s[j]);
                }
                double z = 0;
                for (int j = 0; j < T; j++) {
                    s[j] = Math.exp(s[j] - max);
                    z += s[j];
                }
                for (int j = 0; j < T; j++) {
                    for (int d = 0; d < dh; d++) {
                        heads[i][h * dh + d] += s[j] / z * qkv[j][2 * W + h * dh + d];
                    }
                }
            }
        }
        double[][] x1 = add(x, linear(heads, p.get(4), p.get(5), W));
        double[][] hidden = linear(layerNorm(x1, p.get(6), p.get(7)), p.get(8), p.get(9), RATIO * W);
        for (double[] row : hidden) {
            for (int j = 0; j < row.length; j++) {
                row[j] = 0.5 * row[j] * (1 + erf(row[j] / Math.sqrt(2)));
            }
        }
        return add(x1, linear(hidden, p.get(10), p.get(11), W));
    }

    static double[][] layerNorm(double[][] x, double[] gamma, double[] beta) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v / x[t].length;
            }
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean) / x[t].length;
            }
            out[t] = new double[x[t].length];
            for (int j = 0; j < x[t].length; j++) {
                out[t][j] = (x[t][j] - mean) / Math.sqrt(var + 1e-5) * gamma[j] + beta[j];
            }
        }
        return out;
    }

    /** x · Wᵀ + b with W stored row-major as out x in. */
    static double[][] linear(double[][] x, double[] w, double[] b, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) {
                    s += x[t][i] * w[o * in + i];
                }
                y[t][o] = s;
            }
        }
        return y;
    }

    static double[][] add(double[][] a, double[][] b) {
        double[][] out = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                out[i][j] = a[i][j] + b[i][j];
            }
        }
        return out;
    }

    /** erf by Abramowitz &amp; Stegun 7.1.26 (absolute error below 1.5e-7). */
    static double erf(double x) {
        double s = Math.signum(x);
        double a = Math.abs(x);
        double t = 1 / (1 + 0.3275911 * a);
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
                * Math.exp(-a * a);
        return s * y;
    }
}
