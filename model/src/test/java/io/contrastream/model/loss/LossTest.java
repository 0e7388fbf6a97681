package io.contrastream.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.contrastream.model.util.Rng;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * NT-Xent, InfoNCE and InvaSpread against slow loops from the papers, closed forms, symmetry, and
 * autograd gradients (with forced garbage collection between forward and backward) against central
 * finite differences of the slow loops.
 */
class LossTest {
    private static final int N = 5;
    private static final int D = 4;

    static double[][] random(Rng rng, int n, int d) {
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        return x;
    }

    static NDArray nd(NDManager m, double[][] x) {
        float[] flat = new float[x.length * x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                flat[i * x[0].length + j] = (float) x[i][j];
            }
        }
        return m.create(flat, new Shape(x.length, x[0].length));
    }

    @Test
    void ntXentMatchesSlowLoop() {
        Rng rng = Rng.seeded(1);
        double[][] a = random(rng, N, D);
        double[][] b = random(rng, N, D);
        try (NDManager m = NDManager.newBaseManager()) {
            for (double tau : new double[] {0.1, 0.5, 1.0}) {
                float got = new NtXentLoss((float) tau).compute(nd(m, a), nd(m, b)).getFloat();
                assertThat((double) got).isCloseTo(LossReference.ntXent(a, b, tau), within(1e-4));
            }
        }
    }

    @Test
    void ntXentClosedFormAndSymmetry() {
        try (NDManager m = NDManager.newBaseManager()) {
            // all views identical → every similarity equal → log(2N - 1)
            NDArray same = m.ones(new Shape(N, D));
            float equal = new NtXentLoss(0.5f).compute(same, same).getFloat();
            assertThat((double) equal).isCloseTo(Math.log(2 * N - 1), within(1e-5));
            Rng rng = Rng.seeded(2);
            NDArray a = nd(m, random(rng, N, D));
            NDArray b = nd(m, random(rng, N, D));
            NtXentLoss loss = new NtXentLoss(0.2f);
            assertThat(loss.compute(a, b).getFloat()).isCloseTo(loss.compute(b, a).getFloat(), within(1e-5f));
        }
    }

    @Test
    void infoNceMatchesSlowLoopAndClosedForm() {
        Rng rng = Rng.seeded(3);
        double[][] q = random(rng, N, D);
        double[][] k = random(rng, N, D);
        double[][] queue = LossReference.normalize(random(rng, 7, D));
        try (NDManager m = NDManager.newBaseManager()) {
            float got = new InfoNceLoss(0.07f).compute(nd(m, q), nd(m, k), nd(m, queue)).getFloat();
            assertThat((double) got).isCloseTo(LossReference.infoNce(q, k, queue, 0.07), within(1e-3));
            // q orthogonal to every key and queue entry → all logits 0 → log(K + 1)
            NDArray qe = m.create(new float[] {1, 0, 0, 0}).reshape(1, D);
            NDArray ke = m.create(new float[] {0, 1, 0, 0}).reshape(1, D);
            NDArray qu = m.create(new float[] {0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0}).reshape(3, D);
            assertThat((double) new InfoNceLoss(0.2f).compute(qe, ke, qu).getFloat())
                    .isCloseTo(Math.log(4), within(1e-6));
        }
    }

    @Test
    void invaSpreadMatchesSlowLoopAndClosedForm() {
        Rng rng = Rng.seeded(4);
        double[][] f = random(rng, N, D);
        double[][] g = random(rng, N, D);
        try (NDManager m = NDManager.newBaseManager()) {
            float got = new InvaSpreadLoss(0.5f).compute(nd(m, f), nd(m, g)).getFloat();
            assertThat((double) got).isCloseTo(LossReference.invaSpread(f, g, 0.5), within(1e-4));
            NDArray same = m.ones(new Shape(N, D));
            double expected = Math.log(N) - (N - 1) * Math.log(1 - 1.0 / N);
            assertThat((double) new InvaSpreadLoss(0.1f).compute(same, same).getFloat()).isCloseTo(expected, within(1e-5));
        }
    }

    @Test
    void ntXentGradientSurvivesGc() {
        checkGradient((a, b) -> new NtXentLoss(0.3f).compute(a, b), (a, b) -> LossReference.ntXent(a, b, 0.3));
    }

    @Test
    void infoNceGradientSurvivesGc() {
        double[][] queue = LossReference.normalize(random(Rng.seeded(9), 6, D));
        try (NDManager qm = NDManager.newBaseManager()) {
            NDArray queueNd = nd(qm, queue);
            checkGradient((a, b) -> new InfoNceLoss(0.2f).compute(a, b.stopGradient(), queueNd),
                    (a, b) -> LossReference.infoNce(a, b, queue, 0.2));
        }
    }

    @Test
    void invaSpreadGradientSurvivesGc() {
        checkGradient((a, b) -> new InvaSpreadLoss(0.5f).compute(a, b), (a, b) -> LossReference.invaSpread(a, b, 0.5));
    }

    /**
     * Autograd gradient w.r.t. the first argument, with two forced GCs between forward and backward,
     * against central differences of the reference loop.
     */
    static void checkGradient(BiFunction<NDArray, NDArray, NDArray> loss,
            BiFunction<double[][], double[][], Double> reference) {
        Rng rng = Rng.seeded(11);
        double[][] a = random(rng, N, D);
        double[][] b = random(rng, N, D);
        float[] grad;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = nd(m, a);
            x.setRequiresGradient(true);
            NDArray y = nd(m, b);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.apply(x, y);
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    byte[][] churn = new byte[64][];
                    for (int j = 0; j < churn.length; j++) {
                        churn[j] = new byte[1 << 16];
                    }
                }
                gc.backward(l);
            }
            grad = x.getGradient().toFloatArray();
        }
        double h = 1e-5;
        Function<double[][], Double> f = p -> reference.apply(p, b);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) {
                double keep = a[i][j];
                a[i][j] = keep + h;
                double up = f.apply(a);
                a[i][j] = keep - h;
                double down = f.apply(a);
                a[i][j] = keep;
                double numeric = (up - down) / (2 * h);
                assertThat((double) grad[i * D + j]).as("d loss / d x[%d][%d]", i, j)
                        .isCloseTo(numeric, within(2e-3 + 2e-3 * Math.abs(numeric)));
            }
        }
    }
}
