package io.contrastream.model.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
 * <p>Gradients are computed in closed form ({@code ∂L/∂z = (softmax(z) − onehot(y))/B}), so no
 * {@code GradientCollector} is used and the probe can run next to a training loop that holds
 * the JVM's only gradient collection. The same options, seed and thread count give the same result.
 */
public final class LinearProbe {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPS = 1e-8f;
    private static final int PREDICT_ROWS = 4096;

    /**
     * Training settings.
     *
     * @param epochs passes over the training set
     * @param batchSize mini-batch size
     * @param lr Adam's peak learning rate (cosine-decayed to 0 over training)
     * @param weightDecay L2 coefficient on W (not on b), added to the gradient
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
        int dim = trainX[0].length;
        Standardiser std = Standardiser.fit(trainX, dim);
        int batch = Math.min(opts.batchSize(), n);
        int stepsPerEpoch = (n + batch - 1) / batch;
        CosineSchedule lr = CosineSchedule.decay(opts.lr(), (long) opts.epochs() * stepsPerEpoch, 0f);
        Rng rng = Rng.seeded(opts.seed());
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            // features with a trailing 1, so the bias is the last row of W: one array to update
            NDArray x = manager.create(std.apply(trainX, 0, n), new Shape(n, dim + 1));
            float[] oneHot = new float[n * numClasses];
            for (int i = 0; i < n; i++) {
                oneHot[i * numClasses + trainY[i]] = 1f;
            }
            NDArray y = manager.create(oneHot, new Shape(n, numClasses));
            NDArray w = manager.zeros(new Shape(dim + 1, numClasses), DataType.FLOAT32);
            NDArray decay = null;
            if (opts.weightDecay() > 0f) {
                float[] mask = new float[dim + 1];
                Arrays.fill(mask, 0, dim, opts.weightDecay()); // no decay on the bias row
                decay = manager.create(mask, new Shape(dim + 1, 1));
            }
            Adam adam = new Adam(w, manager);
            long[] perm = new long[n];
            long step = 0;
            for (int epoch = 0; epoch < opts.epochs(); epoch++) {
                shuffle(order, rng);
                for (int i = 0; i < n; i++) {
                    perm[i] = order[i];
                }
                try (NDManager em = manager.newSubManager()) {
                    // one gather per epoch; every mini-batch is then a slice (a view) of it
                    NDArray idx = em.create(perm);
                    NDArray xs = x.get(em, new NDIndex("{}", idx));
                    NDArray ys = y.get(em, new NDIndex("{}", idx));
                    for (int start = 0; start < n; start += batch) {
                        int end = Math.min(start + batch, n);
                        try (NDManager sm = em.newSubManager()) {
                            NDArray xb = xs.get(sm, new NDIndex("{}:{}", start, end));
                            NDArray yb = ys.get(sm, new NDIndex("{}:{}", start, end));
                            // closed-form gradient of the mean cross-entropy: X^T (softmax(XW) - Y) / B
                            NDArray dz = xb.matMul(w).softmax(1).subi(yb).muli(sm.create(1f / (end - start)));
                            NDArray gw = xb.transpose().matMul(dz);
                            if (decay != null) {
                                gw.addi(owned(decay.mul(w), sm));
                            }
                            step++;
                            adam.update(gw, step, lr.at(step - 1), sm);
                        }
                    }
                }
            }
            return predictAll(testX, std, w, manager, numClasses);
        }
    }

    /** Moves a result that joined a long-lived manager (its receiver's) to the step's manager. */
    private static NDArray owned(NDArray result, NDManager sm) {
        result.attach(sm);
        return result;
    }

    private static int[] predictAll(float[][] testX, Standardiser std, NDArray w, NDManager manager,
            int numClasses) {
        int[] pred = new int[testX.length];
        int dim = std.mean.length;
        for (int start = 0; start < testX.length; start += PREDICT_ROWS) {
            int rows = Math.min(PREDICT_ROWS, testX.length - start);
            float[] logits;
            try (NDManager sm = manager.newSubManager()) {
                NDArray x = sm.create(std.apply(testX, start, rows), new Shape(rows, dim + 1));
                logits = x.matMul(w).toFloatArray();
            }
            for (int r = 0; r < rows; r++) {
                int arg = 0;
                for (int c = 1; c < numClasses; c++) {
                    if (logits[r * numClasses + c] > logits[r * numClasses + arg]) {
                        arg = c;
                    }
                }
                pred[start + r] = arg;
            }
        }
        return pred;
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
        final float[] mean;
        final float[] invStd;

        private Standardiser(float[] mean, float[] invStd) {
            this.mean = mean;
            this.invStd = invStd;
        }

        static Standardiser fit(float[][] x, int dim) {
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
                double m = sum[c] / x.length;
                double var = Math.max(sq[c] / x.length - m * m, 0.0);
                mean[c] = (float) m;
                invStd[c] = var > 1e-12 ? (float) (1.0 / Math.sqrt(var)) : 1f; // constant features become 0
            }
            return new Standardiser(mean, invStd);
        }

        /** Standardised rows, each followed by a constant 1 (width dim + 1). */
        float[] apply(float[][] x, int start, int rows) {
            int dim = mean.length;
            int width = dim + 1;
            float[] flat = new float[rows * width];
            for (int r = 0; r < rows; r++) {
                float[] row = x[start + r];
                if (row.length != dim) {
                    throw new IllegalArgumentException("row " + (start + r) + " has " + row.length
                            + " features, expected " + dim);
                }
                for (int c = 0; c < dim; c++) {
                    flat[r * width + c] = (row[c] - mean[c]) * invStd[c];
                }
                flat[r * width + dim] = 1f;
            }
            return flat;
        }
    }

    /** Adam moments of one weight (PyTorch's formulas), updated in place. */
    private static final class Adam {
        private final NDArray value;
        private final NDArray m;
        private final NDArray v;
        private final NDArray beta1;
        private final NDArray oneMinusBeta1;
        private final NDArray beta2;
        private final NDArray oneMinusBeta2;
        private final NDArray eps;

        Adam(NDArray value, NDManager manager) {
            this.value = value;
            this.m = value.zerosLike();
            this.v = value.zerosLike();
            this.beta1 = manager.create(BETA1);
            this.oneMinusBeta1 = manager.create(1f - BETA1);
            this.beta2 = manager.create(BETA2);
            this.oneMinusBeta2 = manager.create(1f - BETA2);
            this.eps = manager.create(EPS);
        }

        void update(NDArray g, long t, float lr, NDManager sm) {
            m.muli(beta1).addi(g.mul(oneMinusBeta1));
            v.muli(beta2).addi(g.square().muli(oneMinusBeta2));
            double bc1 = 1.0 - Math.pow(BETA1, t);
            double bc2 = 1.0 - Math.pow(BETA2, t);
            NDArray denom = owned(v.sqrt(), sm).divi(sm.create((float) Math.sqrt(bc2))).addi(eps);
            value.subi(owned(m.div(denom), sm).muli(sm.create((float) (lr / bc1))));
        }
    }
}
