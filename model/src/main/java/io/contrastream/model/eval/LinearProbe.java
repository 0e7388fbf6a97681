package io.contrastream.model.eval;

import io.contrastream.model.optim.CosineSchedule;
import io.contrastream.model.util.Rng;

import java.util.Arrays;

/**
 * Linear evaluation of frozen features: softmax regression on standardised features (mean and
 * standard deviation from the training set), trained with mini-batch Adam on the cross-entropy,
 * with a cosine-decayed learning rate, optional L2 weight decay and seeded shuffling.
 *
 * <pre>{@code
 * double acc = LinearProbe.top1(trainX, trainY, testX, testY, 10, LinearProbe.Options.defaults());
 * double quick = LinearProbe.top1(trainX, trainY, testX, testY, 10,
 *         LinearProbe.Options.defaults().withEpochs(10).withSeed(7));
 * }</pre>
 *
 * <p>It runs in plain Java on one thread: the model is tiny (features × classes), so per-op native
 * overhead would dominate a DJL version, and libtorch's thread pool slows down badly when another
 * job shares the cores. Plain Java is also bit-for-bit deterministic for a seed on any machine and
 * needs no {@code GradientCollector} (the gradient is closed-form,
 * {@code ∂L/∂z = (softmax(z) − onehot(y))/B}), so it can run next to a training loop.
 */
public final class LinearProbe {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPS = 1e-8f;

    /**
     * Training settings.
     *
     * @param epochs passes over the training set
     * @param batchSize mini-batch size
     * @param lr Adam's peak learning rate (cosine-decayed to 0 over training)
     * @param weightDecay L2 coefficient on the weights (not the bias), added to the gradient
     * @param seed shuffling seed
     */
    public record Options(int epochs, int batchSize, float lr, float weightDecay, long seed) {
        public Options {
            if (epochs < 1 || batchSize < 1 || !(lr > 0f) || weightDecay < 0f) {
                throw new IllegalArgumentException("need epochs >= 1, batch >= 1, lr > 0, weight decay >= 0");
            }
        }

        /** 30 epochs, batch 256, lr 1e-3, no weight decay, seed 0. */
        public static Options defaults() {
            return new Options(30, 256, 1e-3f, 0f, 0L);
        }

        public Options withEpochs(int e) {
            return new Options(e, batchSize, lr, weightDecay, seed);
        }

        public Options withBatchSize(int b) {
            return new Options(epochs, b, lr, weightDecay, seed);
        }

        public Options withLr(float l) {
            return new Options(epochs, batchSize, l, weightDecay, seed);
        }

        public Options withWeightDecay(float wd) {
            return new Options(epochs, batchSize, lr, wd, seed);
        }

        public Options withSeed(long s) {
            return new Options(epochs, batchSize, lr, weightDecay, s);
        }
    }

    private LinearProbe() {}

    /** In place: (x − mean) / std with the training rows' per-column mean and std (std 0 → 1). */
    public static void standardise(float[][] train, float[][] test) {
        int d = train[0].length;
        for (int j = 0; j < d; j++) {
            double sum = 0;
            double sq = 0;
            for (float[] r : train) {
                sum += r[j];
                sq += (double) r[j] * r[j];
            }
            double mean = sum / train.length;
            double var = Math.max(0, sq / train.length - mean * mean);
            double sd = var > 1e-12 ? Math.sqrt(var) : 1.0;
            for (float[] r : train) {
                r[j] = (float) ((r[j] - mean) / sd);
            }
            for (float[] r : test) {
                r[j] = (float) ((r[j] - mean) / sd);
            }
        }
    }

    /** Trains on the training set and returns the top-1 accuracy on the test set. */
    public static double top1(float[][] trainX, int[] trainY, float[][] testX, int[] testY, int numClasses,
            Options opts) {
        if (testY.length != testX.length) {
            throw new IllegalArgumentException(testX.length + " test rows but " + testY.length + " labels");
        }
        int[] pred = predict(trainX, trainY, testX, numClasses, opts);
        int correct = 0;
        for (int i = 0; i < pred.length; i++) {
            if (pred[i] == testY[i]) {
                correct++;
            }
        }
        return pred.length == 0 ? 0.0 : (double) correct / pred.length;
    }

    /** Trains on the training set and returns the predicted class of every test row. */
    public static int[] predict(float[][] trainX, int[] trainY, float[][] testX, int numClasses, Options opts) {
        int n = trainX.length;
        if (n == 0 || trainY.length != n) {
            throw new IllegalArgumentException("need a non-empty training set with one label per row");
        }
        for (int y : trainY) {
            if (y < 0 || y >= numClasses) {
                throw new IllegalArgumentException("training label " + y + " outside [0, " + numClasses + ")");
            }
        }
        Standardiser std = Standardiser.fit(trainX);
        int width = std.width();
        float[] x = std.apply(trainX);
        float[] w = train(x, width, trainY, numClasses, opts);
        int[] pred = new int[testX.length];
        float[] row = new float[width];
        float[] z = new float[numClasses];
        for (int i = 0; i < testX.length; i++) {
            std.applyRow(testX[i], row, 0);
            logits(row, 0, w, width, z);
            int arg = 0;
            for (int k = 1; k < numClasses; k++) {
                if (z[k] > z[arg]) {
                    arg = k;
                }
            }
            pred[i] = arg;
        }
        return pred;
    }

    /**
     * Mini-batch Adam on the mean cross-entropy. {@code x} holds standardised rows of {@code width}
     * values whose last is a constant 1, so the bias is the last column of each class's weights.
     *
     * @return the weights, class-major: {@code w[k * width + c]}
     */
    private static float[] train(float[] x, int width, int[] y, int numClasses, Options opts) {
        int n = y.length;
        int size = numClasses * width;
        float[] w = new float[size];
        float[] m = new float[size];
        float[] v = new float[size];
        float[] g = new float[size];
        float[] z = new float[numClasses];
        int batch = Math.min(opts.batchSize(), n);
        long stepsPerEpoch = (n + batch - 1) / batch;
        CosineSchedule schedule = CosineSchedule.decay(opts.lr(), opts.epochs() * stepsPerEpoch, 0f);
        float wd = opts.weightDecay();
        Rng rng = Rng.seeded(opts.seed());
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long step = 0;
        for (int epoch = 0; epoch < opts.epochs(); epoch++) {
            shuffle(order, rng);
            for (int start = 0; start < n; start += batch) {
                int end = Math.min(start + batch, n);
                float invB = 1f / (end - start);
                Arrays.fill(g, 0f);
                for (int i = start; i < end; i++) {
                    int offset = order[i] * width;
                    logits(x, offset, w, width, z);
                    softmaxInPlace(z);
                    z[y[order[i]]] -= 1f;
                    for (int k = 0; k < numClasses; k++) {
                        axpy(z[k] * invB, x, offset, g, k * width, width);
                    }
                }
                if (wd > 0f) {
                    for (int k = 0; k < numClasses; k++) {
                        axpy(wd, w, k * width, g, k * width, width - 1); // not the bias column
                    }
                }
                step++;
                adam(w, m, v, g, step, schedule.at(step - 1));
            }
        }
        return w;
    }

    /** PyTorch's Adam update, in place. */
    private static void adam(float[] w, float[] m, float[] v, float[] g, long t, float lr) {
        float bc1 = (float) (1.0 - Math.pow(BETA1, t));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(BETA2, t));
        float stepSize = lr / bc1;
        for (int i = 0; i < w.length; i++) {
            float gi = g[i];
            float mi = BETA1 * m[i] + (1f - BETA1) * gi;
            float vi = BETA2 * v[i] + (1f - BETA2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            w[i] -= stepSize * mi / ((float) Math.sqrt(vi) / bc2Sqrt + EPS);
        }
    }

    /** {@code z[k] = w[k] · x[offset .. offset + width)} for every class k. */
    private static void logits(float[] x, int offset, float[] w, int width, float[] z) {
        for (int k = 0; k < z.length; k++) {
            z[k] = dot(x, offset, w, k * width, width);
        }
    }

    /** A dot product with four independent accumulators (for instruction-level parallelism). */
    private static float dot(float[] a, int ao, float[] b, int bo, int len) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int i = 0;
        for (; i + 3 < len; i += 4) {
            s0 += a[ao + i] * b[bo + i];
            s1 += a[ao + i + 1] * b[bo + i + 1];
            s2 += a[ao + i + 2] * b[bo + i + 2];
            s3 += a[ao + i + 3] * b[bo + i + 3];
        }
        for (; i < len; i++) {
            s0 += a[ao + i] * b[bo + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@code y[yo + i] += alpha · x[xo + i]}. */
    private static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int len) {
        for (int i = 0; i < len; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    private static void softmaxInPlace(float[] z) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        float sum = 0f;
        for (int k = 0; k < z.length; k++) {
            z[k] = (float) Math.exp(z[k] - max);
            sum += z[k];
        }
        for (int k = 0; k < z.length; k++) {
            z[k] /= sum;
        }
    }

    private static void shuffle(int[] order, Rng rng) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** Per-feature mean and inverse standard deviation of the training set. */
    private static final class Standardiser {
        private final float[] mean;
        private final float[] invStd;

        private Standardiser(float[] mean, float[] invStd) {
            this.mean = mean;
            this.invStd = invStd;
        }

        static Standardiser fit(float[][] x) {
            int dim = x[0].length;
            double[] sum = new double[dim];
            double[] sq = new double[dim];
            for (float[] row : x) {
                if (row.length != dim) {
                    throw new IllegalArgumentException("rows have " + row.length + " and " + dim + " features");
                }
                for (int c = 0; c < dim; c++) {
                    sum[c] += row[c];
                    sq[c] += (double) row[c] * row[c];
                }
            }
            float[] mean = new float[dim];
            float[] invStd = new float[dim];
            for (int c = 0; c < dim; c++) {
                double mu = sum[c] / x.length;
                double var = Math.max(sq[c] / x.length - mu * mu, 0.0);
                mean[c] = (float) mu;
                invStd[c] = var > 1e-12 ? (float) (1.0 / Math.sqrt(var)) : 1f; // constant features become 0
            }
            return new Standardiser(mean, invStd);
        }

        /** Values per standardised row: the features and a trailing constant 1. */
        int width() {
            return mean.length + 1;
        }

        float[] apply(float[][] x) {
            int width = width();
            float[] flat = new float[Math.multiplyExact(x.length, width)];
            for (int r = 0; r < x.length; r++) {
                applyRow(x[r], flat, r * width);
            }
            return flat;
        }

        void applyRow(float[] row, float[] out, int offset) {
            int dim = mean.length;
            if (row.length != dim) {
                throw new IllegalArgumentException("a row has " + row.length + " features, expected " + dim);
            }
            for (int c = 0; c < dim; c++) {
                out[offset + c] = (row[c] - mean[c]) * invStd[c];
            }
            out[offset + dim] = 1f;
        }
    }
}
