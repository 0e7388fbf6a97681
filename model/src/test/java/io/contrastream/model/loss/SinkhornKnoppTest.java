package io.contrastream.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/** SwAV's Sinkhorn-Knopp codes: marginals, and a slow loop of the paper's code (K x N orientation). */
class SinkhornKnoppTest {
    private static final int N = 6;
    private static final int K = 4;

    /** The paper's distributed_sinkhorn on one worker, with Q = exp(scores/ε)ᵀ as K x N, in doubles. */
    static double[][] reference(double[][] scores, double eps, int iters) {
        int n = scores.length;
        int k = scores[0].length;
        double[][] q = new double[k][n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                q[j][i] = Math.exp(scores[i][j] / eps);
                total += q[j][i];
            }
        }
        for (double[] row : q) {
            for (int i = 0; i < n; i++) {
                row[i] /= total;
            }
        }
        for (int it = 0; it < iters; it++) {
            for (double[] row : q) { // prototypes: each row sums to 1/K
                double s = 0;
                for (double v : row) {
                    s += v;
                }
                for (int i = 0; i < n; i++) {
                    row[i] /= s * k;
                }
            }
            for (int i = 0; i < n; i++) { // samples: each column sums to 1/N
                double s = 0;
                for (int j = 0; j < k; j++) {
                    s += q[j][i];
                }
                for (int j = 0; j < k; j++) {
                    q[j][i] /= s * n;
                }
            }
        }
        double[][] out = new double[n][k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = q[j][i] * n;
            }
        }
        return out;
    }

    /** Scores like z·Cᵀ for unit vectors: in [−1, 1]. */
    private static double[][] scores(long seed, int n, int k) {
        double[][] s = LossTest.random(Rng.seeded(seed), n, k);
        for (double[] row : s) {
            for (int j = 0; j < k; j++) {
                row[j] = Math.tanh(row[j]);
            }
        }
        return s;
    }

    @Test
    void matchesSlowLoop() {
        double[][] s = scores(3, N, K);
        double[][] want = reference(s, 0.05, 3);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = SinkhornKnopp.codes(LossTest.nd(m, s), 0.05f, 3).toFloatArray();
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < K; j++) {
                    assertThat((double) got[i * K + j]).as("q[%d][%d]", i, j).isCloseTo(want[i][j], within(1e-4));
                }
            }
        }
    }

    @Test
    void rowsSumToOneAndPrototypesShareTheMass() {
        // after the final row scaling each sample's code sums to 1 exactly; the prototype (column)
        // sums approach N/K as the iterations go: tightly after 50 (the paper's 3 stop early: their
        // values are checked against the slow loop in matchesSlowLoop, and by spread below)
        assertMarginals(50, 0.02);
    }

    @Test
    void threeIterationsSpreadTheMassMoreEvenlyThanASoftmax() {
        int n = 32;
        int k = 8;
        double[][] s = scores(5, n, k);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray scores = LossTest.nd(m, s);
            float[] sinkhorn = SinkhornKnopp.codes(scores, 0.05f, 3).sum(new int[] {0}).toFloatArray();
            float[] softmax = scores.mul(m.create(20f)).softmax(1).sum(new int[] {0}).toFloatArray();
            assertThat(spread(sinkhorn)).isLessThan(spread(softmax));
        }
    }

    private static double spread(float[] v) {
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (float x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        return hi - lo;
    }

    private static void assertMarginals(int iterations, double relativeTolerance) {
        int n = 32;
        int k = 8;
        double[][] s = scores(5, n, k);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = SinkhornKnopp.codes(LossTest.nd(m, s), 0.05f, iterations); // q: n x k
            assertThat(q.getShape().get(0)).isEqualTo(n);
            assertThat(q.getShape().get(1)).isEqualTo(k);
            for (float r : q.sum(new int[] {1}).toFloatArray()) {
                assertThat((double) r).isCloseTo(1.0, within(1e-4));
            }
            for (float c : q.sum(new int[] {0}).toFloatArray()) {
                assertThat((double) c).as("prototype mass after %d iterations", iterations)
                        .isCloseTo((double) n / k, within(relativeTolerance * n / k));
            }
            for (float v : q.toFloatArray()) {
                assertThat(v).isGreaterThanOrEqualTo(0f);
            }
        }
    }

    @Test
    void equalScoresGiveUniformCodes() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (float v : SinkhornKnopp.codes(m.ones(new ai.djl.ndarray.types.Shape(N, K)), 0.05f, 3).toFloatArray()) {
                assertThat((double) v).isCloseTo(1.0 / K, within(1e-6));
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.ones(new ai.djl.ndarray.types.Shape(N, K));
            assertThatThrownBy(() -> SinkhornKnopp.codes(s, 0f, 3)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SinkhornKnopp.codes(s, 0.05f, 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
