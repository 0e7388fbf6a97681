package io.contrastream.model.eval;

import java.util.Locale;

/**
 * The evaluation figures of one encoder: weighted kNN and linear-probe top-1 on its features, and
 * the kNN baselines on raw pixels and on a randomly initialised encoder.
 *
 * <pre>{@code
 * EvalReport r = new EvalReport(0.8123, 0.8456, 0.7913, 0.7012);
 * System.out.println(r.line()); // knn_top1=0.8123 linear_top1=0.8456 raw_knn_top1=0.7913 random_knn_top1=0.7012
 * }</pre>
 */
public record EvalReport(double knnTop1, double linearTop1, double rawKnnTop1, double randomKnnTop1) {

    /** {@code knn_top1=0.xxxx linear_top1=0.xxxx raw_knn_top1=0.xxxx random_knn_top1=0.xxxx}. */
    public String line() {
        return String.format(Locale.ROOT, "knn_top1=%.4f linear_top1=%.4f raw_knn_top1=%.4f random_knn_top1=%.4f",
                knnTop1, linearTop1, rawKnnTop1, randomKnnTop1);
    }
}
