package io.contrastream.model.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/** Per-channel std and effective rank against closed forms; Jacobi eigenvalues against known ones. */
class CollapseMonitorTest {

    @Test
    void jacobiFindsKnownEigenvalues() {
        assertThat(SymmetricEigen.eigenvalues(new double[][] {{2, 1}, {1, 2}})).containsExactly(new double[] {1, 3},
                within(1e-12));
        // Q·diag(λ)·Qᵀ with a random orthonormal Q recovers λ
        int d = 12;
        double[][] q = orthonormal(Rng.seeded(5), d, d);
        double[] lambda = new double[d];
        for (int i = 0; i < d; i++) {
            lambda[i] = i - 3.5; // negative, zero-crossing and positive
        }
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < d; k++) {
                    a[i][j] += q[k][i] * lambda[k] * q[k][j];
                }
            }
        }
        assertThat(SymmetricEigen.eigenvalues(a)).containsExactly(lambda, within(1e-9));
    }

    @Test
    void identicalRowsAreCollapsed() {
        float[][] z = new float[10][8];
        Rng rng = Rng.seeded(1);
        float[] row = new float[8];
        for (int j = 0; j < 8; j++) {
            row[j] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < z.length; i++) {
            z[i] = row.clone();
        }
        assertThat(CollapseMonitor.meanChannelStd(z)).isCloseTo(0.0, within(1e-7));
        assertThat(CollapseMonitor.effectiveRank(z)).isCloseTo(1.0, within(1e-9));
        // a positive multiple of each row normalises to the same vector: still collapsed
        z[3] = new float[8];
        for (int j = 0; j < 8; j++) {
            z[3][j] = 4 * row[j];
        }
        assertThat(CollapseMonitor.meanChannelStd(z)).isCloseTo(0.0, within(1e-7));
        assertThat(CollapseMonitor.effectiveRank(z)).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void orthonormalRowsHaveKnownValues() {
        int d = 16;
        float[][] identity = new float[d][d];
        for (int i = 0; i < d; i++) {
            identity[i][i] = 1f;
        }
        // each channel holds one 1 and d − 1 zeros: mean 1/d, std sqrt(1/d − 1/d²) = sqrt(d − 1)/d
        for (double s : CollapseMonitor.channelStd(identity)) {
            assertThat(s).isCloseTo(Math.sqrt(d - 1.0) / d, within(1e-9));
        }
        assertThat(CollapseMonitor.effectiveRank(identity)).isCloseTo(d, within(1e-9));
        // k < d orthonormal rows in general position: k equal singular values → rank k
        double[][] q = orthonormal(Rng.seeded(7), 5, d);
        assertThat(CollapseMonitor.effectiveRank(toFloat(q))).isCloseTo(5.0, within(1e-5));
        // singular values 3 and 1 (rows 3·e1, e2): p = (3/4, 1/4), erank = exp(H(p))
        float[][] two = new float[2][4];
        two[0][0] = 3f;
        two[1][1] = 1f;
        double h = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
        assertThat(CollapseMonitor.effectiveRank(two)).isCloseTo(Math.exp(h), within(1e-9));
    }

    @Test
    void spreadRowsGiveAboutOneOverRootD() {
        int n = 4000;
        int d = 32;
        float[][] z = new float[n][d];
        Rng rng = Rng.seeded(3);
        for (float[] row : z) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) rng.nextGaussian();
            }
        }
        assertThat(CollapseMonitor.meanChannelStd(z)).isCloseTo(1 / Math.sqrt(d), within(0.01));
        assertThat(CollapseMonitor.effectiveRank(z)).isGreaterThan(0.95 * d);
    }

    /** k orthonormal rows of length d (Gram–Schmidt on Gaussian rows). */
    static double[][] orthonormal(Rng rng, int k, int d) {
        double[][] q = new double[k][d];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < d; j++) {
                q[i][j] = rng.nextGaussian();
            }
            for (int r = 0; r < i; r++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += q[i][j] * q[r][j];
                }
                for (int j = 0; j < d; j++) {
                    q[i][j] -= dot * q[r][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < d; j++) {
                norm += q[i][j] * q[i][j];
            }
            for (int j = 0; j < d; j++) {
                q[i][j] /= Math.sqrt(norm);
            }
        }
        return q;
    }

    private static float[][] toFloat(double[][] x) {
        float[][] out = new float[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                out[i][j] = (float) x[i][j];
            }
        }
        return out;
    }
}
