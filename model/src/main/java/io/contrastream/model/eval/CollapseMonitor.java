package io.contrastream.model.eval;

/**
 * Collapse checks for a batch of embeddings (N x d), as used by the methods without negatives.
 *
 * <pre>{@code
 * double std = CollapseMonitor.meanChannelStd(z);     // ≈ 1/√d healthy, → 0 collapsed (SimSiam fig. 2)
 * double rank = CollapseMonitor.effectiveRank(z);     // between 1 (one direction) and min(N, d)
 * }</pre>
 *
 * <p><b>Per-channel std</b> (Chen &amp; He, CVPR 2021, arXiv:2011.10566, §4.1): each row is
 * L2-normalised, z̄ = z/‖z‖, then the standard deviation of every channel over the batch is taken
 * (population form, dividing by N). Rows spread uniformly on the sphere give ≈ 1/√d; a collapse to
 * one vector gives 0.
 *
 * <p><b>Effective rank</b> (Roy &amp; Vetterli, EUSIPCO 2007): with σ_k the singular values of the
 * N x d matrix and p_k = σ_k / Σ_j σ_j, erank = exp(−Σ_k p_k·log p_k). The σ_k are the square roots of
 * the eigenvalues of the uncentred d x d second-moment matrix ZᵀZ (Jacobi, {@link SymmetricEigen}),
 * so identical rows give exactly 1 and k orthonormal rows give k. Not centring (as RankMe, Garrido
 * et al. 2023) keeps the measure defined for a fully collapsed batch.
 */
public final class CollapseMonitor {
    private CollapseMonitor() {}

    /** The std over the batch of every channel of the L2-normalised rows: d values. */
    public static double[] channelStd(float[][] z) {
        int n = check(z);
        int d = z[0].length;
        double[] sum = new double[d];
        double[] sumSq = new double[d];
        for (float[] row : z) {
            double norm = 0;
            for (float v : row) {
                norm += (double) v * v;
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            for (int j = 0; j < d; j++) {
                double u = row[j] / norm;
                sum[j] += u;
                sumSq[j] += u * u;
            }
        }
        double[] std = new double[d];
        for (int j = 0; j < d; j++) {
            double mean = sum[j] / n;
            std[j] = Math.sqrt(Math.max(0, sumSq[j] / n - mean * mean));
        }
        return std;
    }

    /** The mean over channels of {@link #channelStd}: ≈ 1/√d healthy, 0 collapsed. */
    public static double meanChannelStd(float[][] z) {
        double s = 0;
        double[] std = channelStd(z);
        for (double v : std) {
            s += v;
        }
        return s / std.length;
    }

    /** Roy &amp; Vetterli's effective rank of the N x d batch; 0 for an all-zero batch. */
    public static double effectiveRank(float[][] z) {
        check(z);
        int d = z[0].length;
        double[][] gram = new double[d][d]; // ZᵀZ: d x d
        for (float[] row : z) {
            for (int a = 0; a < d; a++) {
                double ra = row[a];
                if (ra == 0) {
                    continue;
                }
                for (int b = a; b < d; b++) {
                    gram[a][b] += ra * row[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < a; b++) {
                gram[a][b] = gram[b][a];
            }
        }
        double[] lambda = SymmetricEigen.eigenvalues(gram);
        double[] sigma = new double[d];
        double total = 0;
        double largest = 0;
        for (int k = 0; k < d; k++) {
            sigma[k] = Math.sqrt(Math.max(0, lambda[k]));
            largest = Math.max(largest, sigma[k]);
        }
        for (int k = 0; k < d; k++) {
            if (sigma[k] <= 1e-7 * largest) { // rounding noise of a zero singular value (ZᵀZ squares it)
                sigma[k] = 0;
            }
            total += sigma[k];
        }
        if (total == 0) {
            return 0;
        }
        double entropy = 0;
        for (double s : sigma) {
            if (s > 0) {
                double p = s / total;
                entropy -= p * Math.log(p);
            }
        }
        return Math.exp(entropy);
    }

    private static int check(float[][] z) {
        if (z.length == 0 || z[0].length == 0) {
            throw new IllegalArgumentException("collapse checks need a non-empty N x d batch");
        }
        for (float[] row : z) {
            if (row.length != z[0].length) {
                throw new IllegalArgumentException("rows of " + row.length + " and " + z[0].length + " values");
            }
        }
        return z.length;
    }

    /** Both figures of one batch, computed once. */
    public record Report(double channelStd, double effectiveRank, int dim) {
        /**
         * Collapsed when the mean channel std is under a fifth of the healthy 1/√d or the effective
         * rank is under 2 (all outputs on a line or a point).
         */
        public boolean collapsed() {
            return channelStd < 0.2 / Math.sqrt(dim) || effectiveRank < 2;
        }

        /** One line: {@code channel_std=… (healthy ≈ 1/√d = …) effective_rank=… of d [COLLAPSED]}. */
        public String describe() {
            return String.format(java.util.Locale.ROOT,
                    "channel_std=%.4f (healthy ~ 1/sqrt(d) = %.4f) effective_rank=%.1f of %d%s", channelStd,
                    1 / Math.sqrt(dim), effectiveRank, dim, collapsed() ? " COLLAPSED" : "");
        }
    }

    public static Report report(float[][] z) {
        return new Report(meanChannelStd(z), effectiveRank(z), z[0].length);
    }

    /** See {@link Report#collapsed()}. */
    public static boolean collapsed(float[][] z) {
        return report(z).collapsed();
    }

    /** See {@link Report#describe()}. */
    public static String describe(float[][] z) {
        return report(z).describe();
    }
}
