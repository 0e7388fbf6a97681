package io.contrastream.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * MoCo v3's symmetric InfoNCE against a slow loop written from the paper's pseudo-code, closed forms,
 * and the autograd gradient (forced GC between forward and backward) against finite differences.
 */
class SymmetricInfoNceLossTest {
    private static final int N = 5;
    private static final int D = 4;

    /** ctr(q, k) = 2τ · mean_i −log softmax_j(q̄_i·k̄_j / τ)[i], as in Algorithm 1 of arXiv:2104.02057. */
    static double ctrReference(double[][] q, double[][] k, double tau) {
        double[][] qn = LossReference.normalize(q);
        double[][] kn = LossReference.normalize(k);
        double total = 0;
        for (int i = 0; i < qn.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            double[] logits = new double[kn.length];
            for (int j = 0; j < kn.length; j++) {
                logits[j] = LossReference.dot(qn[i], kn[j]) / tau;
                max = Math.max(max, logits[j]);
            }
            double z = 0;
            for (double l : logits) {
                z += Math.exp(l - max);
            }
            total += -(logits[i] - max - Math.log(z));
        }
        return 2 * tau * total / qn.length;
    }

    @Test
    void matchesSlowLoop() {
        Rng rng = Rng.seeded(31);
        double[][] q1 = LossTest.random(rng, N, D);
        double[][] q2 = LossTest.random(rng, N, D);
        double[][] k1 = LossTest.random(rng, N, D);
        double[][] k2 = LossTest.random(rng, N, D);
        try (NDManager m = NDManager.newBaseManager()) {
            for (double tau : new double[] {0.1, 0.2, 1.0}) {
                SymmetricInfoNceLoss l = new SymmetricInfoNceLoss((float) tau);
                float got = l.compute(LossTest.nd(m, q1), LossTest.nd(m, q2), LossTest.nd(m, k1), LossTest.nd(m, k2))
                        .getFloat();
                double want = ctrReference(q1, k2, tau) + ctrReference(q2, k1, tau);
                assertThat((double) got).isCloseTo(want, within(1e-4 * Math.max(1, Math.abs(want))));
            }
        }
    }

    @Test
    void closedForms() {
        try (NDManager m = NDManager.newBaseManager()) {
            float tau = 0.2f;
            SymmetricInfoNceLoss l = new SymmetricInfoNceLoss(tau);
            // all keys equal: every logit of a row is the same, ctr = 2τ·log N
            NDArray q = LossTest.nd(m, LossTest.random(Rng.seeded(32), N, D));
            NDArray same = m.ones(new Shape(N, D));
            assertThat(l.contrast(q, same).getFloat()).isCloseTo((float) (2 * tau * Math.log(N)), within(1e-5f));
            // orthonormal queries equal to their keys: ctr = 2τ·log(1 + (n − 1)·e^(−1/τ))
            NDArray e = m.eye(D).mul(m.create(3f)); // lengths do not matter
            double want = 2 * tau * Math.log(1 + (D - 1) * Math.exp(-1 / tau));
            assertThat((double) l.contrast(e, e).getFloat()).isCloseTo(want, within(1e-6));
            assertThat((double) l.compute(e, e, e, e).getFloat()).isCloseTo(2 * want, within(1e-6));
            assertThatThrownBy(() -> l.contrast(q, m.ones(new Shape(N + 1, D)))).hasMessageContaining("one shape");
            assertThatThrownBy(() -> new SymmetricInfoNceLoss(0f)).hasMessageContaining("> 0");
        }
    }

    @Test
    void symmetricLossIsSymmetricInTheViews() {
        Rng rng = Rng.seeded(33);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q1 = LossTest.nd(m, LossTest.random(rng, N, D));
            NDArray q2 = LossTest.nd(m, LossTest.random(rng, N, D));
            NDArray k1 = LossTest.nd(m, LossTest.random(rng, N, D));
            NDArray k2 = LossTest.nd(m, LossTest.random(rng, N, D));
            SymmetricInfoNceLoss l = new SymmetricInfoNceLoss(0.2f);
            assertThat(l.compute(q1, q2, k1, k2).getFloat()).isCloseTo(l.compute(q2, q1, k2, k1).getFloat(),
                    within(1e-6f));
        }
    }

    @Test
    void gradientSurvivesGc() {
        // q1 = x, q2 = y, k1 = k2 = sg(y): L = ctr(x, y) + ctr(y, y), x reached through the first term only
        LossTest.checkGradient((x, y) -> new SymmetricInfoNceLoss(0.2f).compute(x, y, y.stopGradient(),
                y.stopGradient()), (x, y) -> ctrReference(x, y, 0.2) + ctrReference(y, y, 0.2));
    }

    @Test
    void gradientOfOneDirectionSurvivesGc() {
        LossTest.checkGradient((x, y) -> new SymmetricInfoNceLoss(0.5f).contrast(x, y.stopGradient()),
                (x, y) -> ctrReference(x, y, 0.5));
    }
}
