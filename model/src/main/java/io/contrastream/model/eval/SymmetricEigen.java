package io.contrastream.model.eval;

import java.util.Arrays;

/**
 * Eigenvalues of a real symmetric matrix by the cyclic Jacobi method (Golub &amp; Van Loan, "Matrix
 * Computations", §8.5): plane rotations zero the off-diagonal entries one pair at a time until their
 * norm is negligible; the diagonal then holds the eigenvalues.
 *
 * <pre>{@code
 * double[] lambda = SymmetricEigen.eigenvalues(new double[][] {{2, 1}, {1, 2}});   // {1, 3}
 * }</pre>
 *
 * <p>O(d³) per sweep and usually under 10 sweeps: fine for d ≤ 512 (about a second at 512).
 */
public final class SymmetricEigen {
    private static final int MAX_SWEEPS = 100;

    private SymmetricEigen() {}

    /** The eigenvalues of symmetric {@code a} (left unchanged), ascending. */
    public static double[] eigenvalues(double[][] a) {
        int d = a.length;
        double[][] m = new double[d][];
        for (int i = 0; i < d; i++) {
            if (a[i].length != d) {
                throw new IllegalArgumentException("eigenvalues need a square matrix, row " + i + " has "
                        + a[i].length + " entries for " + d + " rows");
            }
            m[i] = a[i].clone();
        }
        double total = 0;
        for (double[] row : m) {
            for (double v : row) {
                total += v * v;
            }
        }
        double tol = 1e-22 * Math.max(total, Double.MIN_NORMAL);
        for (int sweep = 0; sweep < MAX_SWEEPS && offDiagonal(m) > tol; sweep++) {
            for (int p = 0; p < d - 1; p++) {
                for (int q = p + 1; q < d; q++) {
                    if (m[p][q] != 0) {
                        rotate(m, p, q);
                    }
                }
            }
        }
        double[] out = new double[d];
        for (int i = 0; i < d; i++) {
            out[i] = m[i][i];
        }
        Arrays.sort(out);
        return out;
    }

    private static double offDiagonal(double[][] m) {
        double s = 0;
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m.length; j++) {
                if (i != j) {
                    s += m[i][j] * m[i][j];
                }
            }
        }
        return s;
    }

    /** One Jacobi rotation J(p, q, θ) applied as m ← Jᵀ·m·J, zeroing m[p][q]. */
    private static void rotate(double[][] m, int p, int q) {
        double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        double c = 1 / Math.sqrt(t * t + 1);
        double s = t * c;
        for (int k = 0; k < m.length; k++) { // columns p and q
            double mkp = m[k][p];
            double mkq = m[k][q];
            m[k][p] = c * mkp - s * mkq;
            m[k][q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < m.length; k++) { // rows p and q
            double mpk = m[p][k];
            double mqk = m[q][k];
            m[p][k] = c * mpk - s * mqk;
            m[q][k] = s * mpk + c * mqk;
        }
    }
}
