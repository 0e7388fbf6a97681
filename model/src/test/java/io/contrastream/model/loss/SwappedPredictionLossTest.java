package io.contrastream.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/** SwAV's swapped prediction loss against a slow loop, a closed form, and the autograd gradient. */
class SwappedPredictionLossTest {
    private static final int N = 5;
    private static final int K = 3;
    private static final int D = 4; // LossTest's feature dim

    /** mean_i −Σ_k q_ik · log softmax(s_i / τ)_k. */
    static double crossEntropy(double[][] s, double[][] q, double tau) {
        double total = 0;
        for (int i = 0; i < s.length; i++) {
            double z = 0;
            for (double v : s[i]) {
                z += Math.exp(v / tau);
            }
            for (int k = 0; k < s[i].length; k++) {
                total -= q[i][k] * (s[i][k] / tau - Math.log(z));
            }
        }
        return total / s.length;
    }

    static double reference(double[][] s1, double[][] s2, double[][] q1, double[][] q2, double tau) {
        return (crossEntropy(s1, q2, tau) + crossEntropy(s2, q1, tau)) / 2;
    }

    /** x·Cᵀ: N x K. */
    static double[][] scores(double[][] x, double[][] c) {
        double[][] out = new double[x.length][c.length];
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < c.length; k++) {
                for (int j = 0; j < x[i].length; j++) {
                    out[i][k] += x[i][j] * c[k][j];
                }
            }
        }
        return out;
    }

    /** Rows of positive random values summing to 1. */
    static double[][] codes(Rng rng, int n, int k) {
        double[][] q = LossTest.random(rng, n, k);
        for (double[] row : q) {
            double s = 0;
            for (int j = 0; j < k; j++) {
                row[j] = Math.exp(row[j]);
                s += row[j];
            }
            for (int j = 0; j < k; j++) {
                row[j] /= s;
            }
        }
        return q;
    }

    @Test
    void matchesSlowLoop() {
        Rng rng = Rng.seeded(17);
        double[][] s1 = LossTest.random(rng, N, K);
        double[][] s2 = LossTest.random(rng, N, K);
        double[][] q1 = codes(rng, N, K);
        double[][] q2 = codes(rng, N, K);
        try (NDManager m = NDManager.newBaseManager()) {
            float got = new SwappedPredictionLoss(0.1f).compute(LossTest.nd(m, s1), LossTest.nd(m, s2),
                    LossTest.nd(m, q1), LossTest.nd(m, q2)).getFloat();
            double want = reference(s1, s2, q1, q2, 0.1);
            assertThat((double) got).isCloseTo(want, within(1e-4 * Math.max(1, Math.abs(want))));
        }
    }

    @Test
    void multiCropMatchesSlowLoopAndTwoViewsMatchTheTwoViewForm() {
        Rng rng = Rng.seeded(29);
        int views = 5; // 2 coded large crops + 3 small ones
        double[][][] s = new double[views][][];
        for (int v = 0; v < views; v++) {
            s[v] = LossTest.random(rng, N, K);
        }
        double[][][] q = {codes(rng, N, K), codes(rng, N, K)};
        double want = 0; // Caron et al. 2020, sec. 3.2: each code predicted by every other crop, mean over pairs
        int pairs = 0;
        for (int u = 0; u < 2; u++) {
            for (int v = 0; v < views; v++) {
                if (v != u) {
                    want += crossEntropy(s[v], q[u], 0.1);
                    pairs++;
                }
            }
        }
        want /= pairs;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] sn = new NDArray[views];
            for (int v = 0; v < views; v++) {
                sn[v] = LossTest.nd(m, s[v]);
            }
            NDArray[] qn = {LossTest.nd(m, q[0]), LossTest.nd(m, q[1])};
            SwappedPredictionLoss loss = new SwappedPredictionLoss(0.1f);
            assertThat((double) loss.compute(sn, qn).getFloat()).isCloseTo(want, within(1e-4 * Math.max(1, Math.abs(want))));
            assertThat(pairs).isEqualTo(8);
            float twoView = loss.compute(sn[0], sn[1], qn[0], qn[1]).getFloat();
            float general = loss.compute(new NDArray[] {sn[0], sn[1]}, qn).getFloat();
            assertThat(general).isEqualTo(twoView);
            assertThatThrownBy(() -> loss.compute(new NDArray[] {sn[0]}, new NDArray[] {qn[0]}))
                    .hasMessageContaining(">= 2 views");
        }
    }

    @Test
    void uniformCodesAndEqualScoresGiveLogK() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.full(new Shape(N, K), 0.3f);
            NDArray q = m.full(new Shape(N, K), 1f / K);
            assertThat((double) new SwappedPredictionLoss(0.1f).compute(s, s, q, q).getFloat())
                    .isCloseTo(Math.log(K), within(1e-5));
        }
    }

    @Test
    void gradientSurvivesGc() {
        Rng rng = Rng.seeded(23);
        double[][] c = LossTest.random(rng, K, D);
        double[][] q1 = codes(rng, N, K);
        double[][] q2 = codes(rng, N, K);
        try (NDManager fixed = NDManager.newBaseManager()) {
            NDArray ct = LossTest.nd(fixed, c).transpose(); // ct: D x K
            NDArray q1Nd = LossTest.nd(fixed, q1);
            NDArray q2Nd = LossTest.nd(fixed, q2);
            LossTest.checkGradient(
                    (a, b) -> new SwappedPredictionLoss(0.5f).compute(a.matMul(ct), b.matMul(ct), q1Nd, q2Nd),
                    (a, b) -> reference(scores(a, c), scores(b, c), q1, q2, 0.5));
        }
    }
}
