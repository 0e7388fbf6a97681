package io.contrastream.model.eval.audio;

import java.util.Arrays;

/**
 * Area under the ROC curve of scores, higher meaning "more likely positive", computed as the
 * Mann–Whitney U statistic: AUC = P(score of a random positive > score of a random negative), a tie
 * counting 1/2. Computed with mid-ranks over the pooled sorted scores (O(n log n)). NaN scores are
 * left out and counted; with no positive or no negative left the AUC is NaN.
 *
 * <pre>{@code
 * RocAuc.Result r = RocAuc.of(positiveScores, negativeScores);
 * r.auc(); r.positives(); r.negatives(); r.nanExcluded();
 * }</pre>
 */
public final class RocAuc {
    private RocAuc() {}

    /**
     * @param auc the area, in [0, 1] (NaN without positives or negatives)
     * @param positives finite-or-infinite (non-NaN) positive scores used
     * @param negatives non-NaN negative scores used
     * @param nanExcluded NaN scores left out (both classes)
     */
    public record Result(double auc, int positives, int negatives, int nanExcluded) {}

    public static double auc(double[] positives, double[] negatives) {
        return of(positives, negatives).auc();
    }

    public static Result of(double[] positives, double[] negatives) {
        double[] p = Arrays.stream(positives).filter(v -> !Double.isNaN(v)).toArray();
        double[] n = Arrays.stream(negatives).filter(v -> !Double.isNaN(v)).toArray();
        int nan = positives.length - p.length + negatives.length - n.length;
        if (p.length == 0 || n.length == 0) {
            return new Result(Double.NaN, p.length, n.length, nan);
        }
        int total = p.length + n.length;
        double[] all = new double[total];
        System.arraycopy(p, 0, all, 0, p.length);
        System.arraycopy(n, 0, all, p.length, n.length);
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(all[a], all[b]));
        double rankSumPos = 0;
        int i = 0;
        while (i < total) {
            int j = i;
            while (j + 1 < total && all[order[j + 1]] == all[order[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1.0; // ranks are 1-based
            for (int q = i; q <= j; q++) {
                if (order[q] < p.length) {
                    rankSumPos += midRank;
                }
            }
            i = j + 1;
        }
        double u = rankSumPos - p.length * (p.length + 1) / 2.0;
        return new Result(u / ((double) p.length * n.length), p.length, n.length, nan);
    }
}
