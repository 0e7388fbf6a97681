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
 * BYOL's 2 − 2·cos and SimSiam's −cos against slow loops written from the papers, closed forms, and
 * the autograd gradient (with forced GC between forward and backward) against finite differences.
 */
class NegativeCosineLossTest {
    private static final int N = 5;
    private static final int D = 4;

    /** BYOL eq. 2: ‖p/‖p‖ − z/‖z‖‖², averaged over the batch. */
    static double byolReference(double[][] p, double[][] z) {
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            double np = Math.sqrt(LossReference.dot(p[i], p[i]));
            double nz = Math.sqrt(LossReference.dot(z[i], z[i]));
            double sq = 0;
            for (int j = 0; j < p[i].length; j++) {
                double diff = p[i][j] / np - z[i][j] / nz;
                sq += diff * diff;
            }
            total += sq;
        }
        return total / p.length;
    }

    /** SimSiam eq. 1: D(p, z) = −(p/‖p‖)·(z/‖z‖), averaged over the batch. */
    static double simSiamReference(double[][] p, double[][] z) {
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            double np = Math.sqrt(LossReference.dot(p[i], p[i]));
            double nz = Math.sqrt(LossReference.dot(z[i], z[i]));
            total += -LossReference.dot(p[i], z[i]) / (np * nz);
        }
        return total / p.length;
    }

    @Test
    void matchesSlowLoops() {
        Rng rng = Rng.seeded(21);
        double[][] p = LossTest.random(rng, N, D);
        double[][] z = LossTest.random(rng, N, D);
        try (NDManager m = NDManager.newBaseManager()) {
            float byol = NegativeCosineLoss.byol().compute(LossTest.nd(m, p), LossTest.nd(m, z)).getFloat();
            assertThat((double) byol).isCloseTo(byolReference(p, z), within(1e-5));
            float simSiam = NegativeCosineLoss.simSiam().compute(LossTest.nd(m, p), LossTest.nd(m, z)).getFloat();
            assertThat((double) simSiam).isCloseTo(simSiamReference(p, z), within(1e-5));
            assertThat((double) byol).isCloseTo(2 + 2 * simSiam, within(1e-5)); // the two forms differ by 2 − 2·(−D)
        }
    }

    @Test
    void closedForms() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = LossTest.nd(m, LossTest.random(Rng.seeded(22), N, D));
            NDArray scaled = a.mul(m.create(3.5f)); // same directions, other lengths
            assertThat(NegativeCosineLoss.byol().compute(a, scaled).getFloat()).isCloseTo(0f, within(1e-6f));
            assertThat(NegativeCosineLoss.simSiam().compute(a, scaled).getFloat()).isCloseTo(-1f, within(1e-6f));
            NDArray opposite = a.neg();
            assertThat(NegativeCosineLoss.byol().compute(a, opposite).getFloat()).isCloseTo(4f, within(1e-5f));
            assertThat(NegativeCosineLoss.simSiam().compute(a, opposite).getFloat()).isCloseTo(1f, within(1e-6f));
            NDArray e1 = m.create(new float[] {1, 0, 0, 0, 0, 2, 0, 0}, new Shape(2, D));
            NDArray e2 = m.create(new float[] {0, 5, 0, 0, 0, 0, 0, 1}, new Shape(2, D));
            assertThat(NegativeCosineLoss.byol().compute(e1, e2).getFloat()).isEqualTo(2f); // orthogonal
            assertThat(NegativeCosineLoss.simSiam().compute(e1, e2).getFloat()).isEqualTo(0f);
            assertThatThrownBy(() -> NegativeCosineLoss.byol().compute(e1, m.ones(new Shape(3, D))))
                    .hasMessageContaining("one shape");
        }
    }

    @Test
    void byolGradientSurvivesGc() {
        LossTest.checkGradient((p, z) -> NegativeCosineLoss.byol().compute(p, z.stopGradient()),
                NegativeCosineLossTest::byolReference);
    }

    @Test
    void simSiamGradientSurvivesGc() {
        LossTest.checkGradient((p, z) -> NegativeCosineLoss.simSiam().compute(p, z.stopGradient()),
                NegativeCosineLossTest::simSiamReference);
    }

    @Test
    void simSiamSymmetricLossStopsTheTargetGradient() {
        // L = D(x, sg(y))/2 + D(y, sg(x))/2: x gets its gradient through the first term only
        LossTest.checkGradient((x, y) -> {
            NDManager m = x.getManager();
            NegativeCosineLoss d = NegativeCosineLoss.simSiam();
            return d.compute(x, y.stopGradient()).add(d.compute(y, x.stopGradient())).mul(m.create(0.5f));
        }, (x, y) -> simSiamReference(x, y) / 2);
    }
}
