package io.contrastream.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.contrastream.model.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * CMC's multiview loss against a slow loop written from the paper's equations (full graph and core
 * view, 2 and 3 views), closed forms, and the autograd gradient under forced GC.
 */
class CmcLossTest {
    private static final int N = 5;
    private static final int D = 4;

    /** L(Vi, Vj) = mean_n −log softmax_m(z̄_i,n · z̄_j,m / τ)[n]. */
    static double pairReference(double[][] anchor, double[][] other, double tau) {
        double[][] a = LossReference.normalize(anchor);
        double[][] c = LossReference.normalize(other);
        double total = 0;
        for (int n = 0; n < a.length; n++) {
            double z = 0;
            for (double[] cm : c) {
                z += Math.exp(LossReference.dot(a[n], cm) / tau);
            }
            total += -(LossReference.dot(a[n], c[n]) / tau - Math.log(z));
        }
        return total / a.length;
    }

    /** Σ over the graph's unordered pairs of L(Vi, Vj) + L(Vj, Vi), written out separately from the class. */
    static double reference(List<double[][]> views, double tau, boolean core) {
        double total = 0;
        for (int i = 0; i < views.size(); i++) {
            for (int j = 0; j < views.size(); j++) {
                boolean contrasted = i != j && (!core || i == 0 || j == 0);
                if (contrasted) {
                    total += pairReference(views.get(i), views.get(j), tau);
                }
            }
        }
        return total;
    }

    @Test
    void matchesSlowLoopForFullGraphAndCoreView() {
        Rng rng = Rng.seeded(41);
        List<double[][]> views = List.of(LossTest.random(rng, N, D), LossTest.random(rng, N, D),
                LossTest.random(rng, N, D));
        try (NDManager m = NDManager.newBaseManager()) {
            for (int v = 2; v <= 3; v++) {
                List<double[][]> use = views.subList(0, v);
                List<NDArray> z = new ArrayList<>();
                use.forEach(x -> z.add(LossTest.nd(m, x)));
                for (double tau : new double[] {0.07, 0.5}) {
                    float full = new CmcLoss((float) tau, CmcLoss.Graph.FULL).compute(z).getFloat();
                    float core = new CmcLoss((float) tau, CmcLoss.Graph.CORE).compute(z).getFloat();
                    double wantFull = reference(use, tau, false);
                    double wantCore = reference(use, tau, true);
                    assertThat((double) full).isCloseTo(wantFull, within(1e-4 * Math.max(1, wantFull)));
                    assertThat((double) core).isCloseTo(wantCore, within(1e-4 * Math.max(1, wantCore)));
                }
            }
        }
    }

    @Test
    void closedForms() {
        try (NDManager m = NDManager.newBaseManager()) {
            // every record's views identical across records: all logits equal, each directed term = log N
            NDArray same = m.ones(new Shape(N, D));
            List<NDArray> three = List.of(same, same.mul(m.create(2f)), same);
            assertThat(new CmcLoss(0.07f, CmcLoss.Graph.FULL).compute(three).getFloat())
                    .isCloseTo((float) (6 * Math.log(N)), within(1e-4f)); // 3 pairs x 2 directions
            assertThat(new CmcLoss(0.07f, CmcLoss.Graph.CORE).compute(three).getFloat())
                    .isCloseTo((float) (4 * Math.log(N)), within(1e-4f)); // 2 pairs x 2 directions
            // orthonormal records, identical across the two views: 2·log(1 + (n − 1)·e^(−1/τ))
            NDArray e = m.eye(D);
            float tau = 0.5f;
            double want = 2 * Math.log(1 + (D - 1) * Math.exp(-1 / tau));
            assertThat((double) new CmcLoss(tau, CmcLoss.Graph.FULL).compute(List.of(e, e)).getFloat())
                    .isCloseTo(want, within(1e-6));
            assertThat(new CmcLoss(tau, CmcLoss.Graph.FULL).pairs(4)).hasSize(6);
            assertThat(new CmcLoss(tau, CmcLoss.Graph.CORE).pairs(4)).hasSize(3);
            assertThatThrownBy(() -> new CmcLoss(tau, CmcLoss.Graph.FULL).compute(List.of(e)))
                    .hasMessageContaining("at least 2 views");
            assertThatThrownBy(() -> new CmcLoss(tau, CmcLoss.Graph.FULL).compute(List.of(e, m.ones(new Shape(D + 1, D)))))
                    .hasMessageContaining("one shape");
            assertThatThrownBy(() -> new CmcLoss(0f, CmcLoss.Graph.FULL)).hasMessageContaining("> 0");
        }
    }

    @Test
    void gradientSurvivesGc() {
        LossTest.checkGradient((x, y) -> new CmcLoss(0.2f, CmcLoss.Graph.FULL).compute(List.of(x, y)),
                (x, y) -> reference(List.of(x, y), 0.2, false));
    }
}
