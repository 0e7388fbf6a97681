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
 * CPC's InfoNCE against a slow double-precision loop written from arXiv:1807.03748 eq. 4 with the
 * candidate sets documented in {@link CpcLoss}, closed forms, the negative sampler, and the autograd
 * gradient (forced GC between forward and backward) against finite differences of the loop.
 */
class CpcLossTest {

    /** pred[n][t][k][c] = Σ_h w[k][c][h] · ctx[n][t][h]. */
    static double[][][][] predict(double[][][] ctx, double[][][] w) {
        int n = ctx.length;
        int t = ctx[0].length;
        int kk = w.length;
        int cc = w[0].length;
        double[][][][] p = new double[n][t][kk][cc];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < t; b++) {
                for (int k = 0; k < kk; k++) {
                    for (int c = 0; c < cc; c++) {
                        p[a][b][k][c] = LossReference.dot(w[k][c], ctx[a][b]);
                    }
                }
            }
        }
        return p;
    }

    /** The slow loop: every anchor, its candidate list spelled out, −log softmax of the positive, mean. */
    static double reference(double[][][] z, double[][][][] pred, int k, int m, int[] neg) {
        int n = z.length;
        int frames = z[0].length;
        double total = 0;
        long anchors = 0;
        int next = 0;
        for (int s = 1; s <= k; s++) {
            for (int a = 0; a < n; a++) {
                for (int t = 0; t < frames - s; t++) {
                    double[] p = pred[a][t][s - 1];
                    java.util.List<double[]> cands = new java.util.ArrayList<>();
                    cands.add(z[a][t + s]); // positive first
                    for (int b = 0; b < n; b++) {
                        if (b != a) {
                            cands.add(z[b][t + s]);
                        }
                    }
                    for (int j = 0; j < m; j++) {
                        int flat = neg[next++];
                        cands.add(z[flat / frames][flat % frames]);
                    }
                    double denom = 0;
                    for (double[] x : cands) {
                        denom += Math.exp(LossReference.dot(x, p));
                    }
                    total += -Math.log(Math.exp(LossReference.dot(cands.get(0), p)) / denom);
                    anchors++;
                }
            }
        }
        return total / anchors;
    }

    static double[][][] random3(Rng rng, int a, int b, int c, double scale) {
        double[][][] x = new double[a][b][c];
        for (double[][] u : x) {
            for (double[] v : u) {
                for (int i = 0; i < c; i++) {
                    v[i] = scale * rng.nextGaussian();
                }
            }
        }
        return x;
    }

    static NDArray nd3(NDManager m, double[][][] x) {
        int a = x.length;
        int b = x[0].length;
        int c = x[0][0].length;
        float[] flat = new float[a * b * c];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                for (int l = 0; l < c; l++) {
                    flat[(i * b + j) * c + l] = (float) x[i][j][l];
                }
            }
        }
        return m.create(flat, new Shape(a, b, c));
    }

    /** pred = ctx · Wᵀ with W stacked as (K·C) x H, as the recipe's Linear predictor does. */
    static NDArray predictNd(NDArray ctx, double[][][] w) {
        int kk = w.length;
        int cc = w[0].length;
        int hh = w[0][0].length;
        float[] flat = new float[kk * cc * hh];
        for (int k = 0; k < kk; k++) {
            for (int c = 0; c < cc; c++) {
                for (int h = 0; h < hh; h++) {
                    flat[(k * cc + c) * hh + h] = (float) w[k][c][h];
                }
            }
        }
        NDArray wNd = ctx.getManager().create(flat, new Shape((long) kk * cc, hh));
        long n = ctx.getShape().get(0);
        long t = ctx.getShape().get(1);
        return ctx.matMul(wNd.transpose()).reshape(n, t, kk, cc);
    }

    @Test
    void matchesSlowLoop() {
        Rng rng = Rng.seeded(41);
        int n = 3;
        int frames = 7;
        int c = 4;
        int h = 3;
        for (int[] km : new int[][] {{3, 4}, {1, 0}, {6, 2}}) {
            double[][][] z = random3(rng, n, frames, c, 1.0);
            double[][][] ctx = random3(rng, n, frames, h, 1.0);
            double[][][] w = random3(rng, km[0], c, h, 0.7);
            CpcLoss loss = new CpcLoss(km[0], km[1]);
            int[] neg = loss.sampleNegatives(Rng.seeded(7), n, frames);
            double want = reference(z, predict(ctx, w), km[0], km[1], neg);
            try (NDManager m = NDManager.newBaseManager()) {
                float got = loss.compute(nd3(m, z), predictNd(nd3(m, ctx), w), neg).getFloat();
                assertThat((double) got).as("K=%d M=%d", km[0], km[1]).isCloseTo(want, within(1e-5 * Math.max(1, want)));
            }
        }
    }

    @Test
    void closedFormsAllCandidatesEqual() {
        // every z equal: all N + M logits of an anchor are equal, L = log(N + M), whatever the predictions
        Rng rng = Rng.seeded(42);
        int n = 4;
        int frames = 9;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.ones(new Shape(n, frames, 5)).mul(m.create(0.3f));
            NDArray pred = nd3(m, random3(rng, n, frames, 3 * 5, 1.0)).reshape(n, frames, 3, 5);
            for (int negatives : new int[] {0, 1, 6}) {
                CpcLoss loss = new CpcLoss(3, negatives);
                float got = loss.compute(z, pred, loss.sampleNegatives(rng, n, frames)).getFloat();
                assertThat((double) got).isCloseTo(Math.log(n + negatives), within(1e-5));
                assertThat(loss.candidates(n)).isEqualTo(n + negatives);
            }
            // zero predictions score every candidate 0: log(N + M) too
            CpcLoss loss = new CpcLoss(2, 3);
            NDArray zr = nd3(m, random3(rng, n, frames, 5, 1.0));
            float zero = loss.compute(zr, m.zeros(new Shape(n, frames, 2, 5)), loss.sampleNegatives(rng, n, frames))
                    .getFloat();
            assertThat((double) zero).isCloseTo(Math.log(n + 3), within(1e-5));
        }
    }

    @Test
    void negativesAreOtherTimesOfTheSameSequenceAndSeeded() {
        CpcLoss loss = new CpcLoss(4, 5);
        int n = 3;
        int frames = 10;
        int[] a = loss.sampleNegatives(Rng.seeded(9), n, frames);
        assertThat(a).isEqualTo(loss.sampleNegatives(Rng.seeded(9), n, frames));
        assertThat(a).isNotEqualTo(loss.sampleNegatives(Rng.seeded(10), n, frames));
        assertThat((long) a.length).isEqualTo(loss.anchors(n, frames) * 5);
        assertThat(loss.anchors(n, frames)).isEqualTo(3L * (9 + 8 + 7 + 6));
        int i = 0;
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int k = 1; k <= 4; k++) {
            for (int s = 0; s < n; s++) {
                for (int t = 0; t < frames - k; t++) {
                    for (int j = 0; j < 5; j++) {
                        int flat = a[i++];
                        assertThat(flat / frames).isEqualTo(s);
                        assertThat(flat % frames).isNotEqualTo(t + k);
                        seen.add(flat % frames);
                    }
                }
            }
        }
        assertThat(seen).hasSize(frames); // every time step is drawn somewhere
        assertThatThrownBy(() -> loss.sampleNegatives(Rng.seeded(1), 2, 4)).hasMessageContaining("frames");
        assertThatThrownBy(() -> new CpcLoss(0, 1)).hasMessageContaining("K >= 1");
    }

    // LossTest.checkGradient hands over two 5 x 4 arrays: read each as N=2 x T'=5 x 2 (20 values)
    private static final int GN = 2;
    private static final int GT = 5;
    private static final double[][][] GW = random3(Rng.seeded(43), 2, 2, 2, 1.0); // K=2, C=2, H=2
    private static final CpcLoss GLOSS = new CpcLoss(2, 2);
    private static final int[] GNEG = GLOSS.sampleNegatives(Rng.seeded(44), GN, GT);

    private static double[][][] as3(double[][] x) {
        double[][][] out = new double[GN][GT][2];
        for (int i = 0; i < 20; i++) {
            out[i / 10][(i / 2) % GT][i % 2] = x[i / 4][i % 4];
        }
        return out;
    }

    @Test
    void gradientWrtEncodingsSurvivesGc() {
        LossTest.checkGradient((x, y) -> GLOSS.compute(x.reshape(GN, GT, 2), predictNd(y.reshape(GN, GT, 2), GW), GNEG),
                (x, y) -> reference(as3(x), predict(as3(y), GW), 2, 2, GNEG));
    }

    @Test
    void gradientWrtContextsSurvivesGc() {
        LossTest.checkGradient((x, y) -> GLOSS.compute(y.reshape(GN, GT, 2), predictNd(x.reshape(GN, GT, 2), GW), GNEG),
                (x, y) -> reference(as3(y), predict(as3(x), GW), 2, 2, GNEG));
    }
}
