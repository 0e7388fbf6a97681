package io.contrastream.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/** DINO's loss against a slow loop from the paper's Algorithm 1, closed forms, and the autograd gradient. */
class DinoLossTest {
    private static final int N = 5;
    private static final int K = 4;

    /** H(P_t, P_s) for one pair: mean_i −Σ_k softmax((t_i − c)/τ_t)_k · log softmax(s_i/τ_s)_k. */
    static double pairReference(double[][] s, double[][] t, double[] c, double tauS, double tauT) {
        double total = 0;
        for (int i = 0; i < s.length; i++) {
            double[] pt = new double[K];
            double zt = 0;
            double zs = 0;
            for (int k = 0; k < K; k++) {
                pt[k] = Math.exp((t[i][k] - c[k]) / tauT);
                zt += pt[k];
                zs += Math.exp(s[i][k] / tauS);
            }
            for (int k = 0; k < K; k++) {
                total -= pt[k] / zt * (s[i][k] / tauS - Math.log(zs));
            }
        }
        return total / s.length;
    }

    @Test
    void matchesSlowLoop() {
        Rng rng = Rng.seeded(41);
        double[][] s1 = LossTest.random(rng, N, K);
        double[][] s2 = LossTest.random(rng, N, K);
        double[][] t1 = LossTest.random(rng, N, K);
        double[][] t2 = LossTest.random(rng, N, K);
        double[] c = LossTest.random(rng, 1, K)[0];
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray center = LossTest.nd(m, new double[][] {c});
            float got = DinoLoss.compute(new NDArray[] {LossTest.nd(m, s1), LossTest.nd(m, s2)},
                    new NDArray[] {LossTest.nd(m, t1), LossTest.nd(m, t2)}, center, 0.1f, 0.04f).getFloat();
            double want = (pairReference(s2, t1, c, 0.1, 0.04) + pairReference(s1, t2, c, 0.1, 0.04)) / 2;
            assertThat((double) got).isCloseTo(want, within(1e-4 * Math.max(1, Math.abs(want))));
        }
    }

    @Test
    void multiCropEveryTeacherViewTeachesEveryOtherStudentView() {
        Rng rng = Rng.seeded(43);
        int views = 6; // 2 global + 4 local crops
        double[][][] s = new double[views][][];
        for (int v = 0; v < views; v++) {
            s[v] = LossTest.random(rng, N, K);
        }
        double[][] t1 = LossTest.random(rng, N, K);
        double[][] t2 = LossTest.random(rng, N, K);
        double[] c = LossTest.random(rng, 1, K)[0];
        double want = 0; // Algorithm 1 with multi-crop: 2 x 5 pairs (no teacher view teaches itself)
        for (int v = 0; v < views; v++) {
            want += v == 0 ? 0 : pairReference(s[v], t1, c, 0.1, 0.04);
            want += v == 1 ? 0 : pairReference(s[v], t2, c, 0.1, 0.04);
        }
        want /= 10;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] sn = new NDArray[views];
            for (int v = 0; v < views; v++) {
                sn[v] = LossTest.nd(m, s[v]);
            }
            float got = DinoLoss.compute(sn, new NDArray[] {LossTest.nd(m, t1), LossTest.nd(m, t2)},
                    LossTest.nd(m, new double[][] {c}), 0.1f, 0.04f).getFloat();
            assertThat((double) got).isCloseTo(want, within(1e-4 * Math.max(1, Math.abs(want))));
        }
    }

    @Test
    void closedForms() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray zeros = m.zeros(new Shape(N, K));
            NDArray c = m.zeros(new Shape(1, K));
            // uniform teacher and student: log K
            assertThat(DinoLoss.compute(new NDArray[] {zeros, zeros}, new NDArray[] {zeros, zeros}, c, 0.1f, 0.04f)
                    .getFloat()).isCloseTo((float) Math.log(K), within(1e-6f));
            // a constant teacher row equal to the centre is uniform whatever it is
            NDArray t = m.ones(new Shape(N, K)).mul(m.create(3f));
            NDArray c3 = m.ones(new Shape(1, K)).mul(m.create(3f));
            assertThat(DinoLoss.compute(new NDArray[] {zeros, zeros}, new NDArray[] {t, t}, c3, 0.1f, 0.04f).getFloat())
                    .isCloseTo((float) Math.log(K), within(1e-6f));
            assertThatThrownBy(() -> DinoLoss.compute(new NDArray[] {zeros}, new NDArray[] {zeros}, c, 0.1f, 0.04f))
                    .hasMessageContaining(">= 2 student views");
        }
    }

    @Test
    void gradientSurvivesGc() {
        // student views (x, y), teacher views (sg(x), sg(y)): L = (H(sg x → y) + H(sg y → x)) / 2; x reached through
        // the student side of the first pair only
        double[] c = {0.1, -0.2, 0.3, 0.0};
        LossTest.checkGradient((x, y) -> {
            NDManager m = x.getManager();
            NDArray center = LossTest.nd(m, new double[][] {c});
            return DinoLoss.compute(new NDArray[] {x, y}, new NDArray[] {x.stopGradient(), y.stopGradient()}, center,
                    0.5f, 0.3f);
        }, (x, y) -> pairReference(x, y, c, 0.5, 0.3) / 2);
    }
}
