package io.contrastream.model.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * Weighted k-nearest-neighbour classification of frozen features, as in Wu et al. 2018
 * (arXiv:1805.01978): features are L2-normalised, similarity is cosine, each of the top-k training
 * neighbours votes for its class with weight {@code exp(sim/τ)}, and the class with the largest
 * summed weight wins.
 *
 * <pre>{@code
 * double acc = KnnClassifier.top1(trainX, trainY, testX, testY, 200, 0.07, 10);
 * double[] both = KnnClassifier.top1(trainX, trainY, testX, testY, new int[] {20, 200}, 0.07, 10);
 * }</pre>
 *
 * <p>Similarities are computed with a DJL matrix product over chunks of test rows (float32); the
 * top k of each row are selected in Java with a bounded heap. Ties are broken deterministically:
 * among equal similarities the training sample with the lower index ranks first, and among equal
 * vote totals the lower class wins. Weights are computed as {@code exp((sim − maxSim)/τ)}, which
 * leaves the argmax unchanged and cannot overflow for small τ.
 */
public final class KnnClassifier {
    /** The usual k for this protocol. */
    public static final int DEFAULT_K = 200;
    /** The usual temperature for this protocol. */
    public static final double DEFAULT_TAU = 0.07;
    private static final int CHUNK_ROWS = 256;

    private KnnClassifier() {}

    /** Top-1 accuracy with k = 200 and τ = 0.07. */
    public static double top1(float[][] trainX, int[] trainY, float[][] testX, int[] testY, int numClasses) {
        return top1(trainX, trainY, testX, testY, DEFAULT_K, DEFAULT_TAU, numClasses);
    }

    /** Top-1 accuracy of the weighted kNN vote on the test set. */
    public static double top1(float[][] trainX, int[] trainY, float[][] testX, int[] testY, int k, double tau,
            int numClasses) {
        return top1(trainX, trainY, testX, testY, new int[] {k}, tau, numClasses)[0];
    }

    /**
     * Top-1 accuracy for several k at the cost of one similarity computation (the neighbours of the
     * smaller k are a prefix of those of the largest).
     */
    public static double[] top1(float[][] trainX, int[] trainY, float[][] testX, int[] testY, int[] ks, double tau,
            int numClasses) {
        if (testY.length != testX.length) {
            throw new IllegalArgumentException(testX.length + " test rows but " + testY.length + " labels");
        }
        int[][] predictions = predict(trainX, trainY, testX, ks, tau, numClasses);
        double[] acc = new double[ks.length];
        for (int j = 0; j < ks.length; j++) {
            int correct = 0;
            for (int i = 0; i < testY.length; i++) {
                if (predictions[j][i] == testY[i]) {
                    correct++;
                }
            }
            acc[j] = testY.length == 0 ? 0.0 : (double) correct / testY.length;
        }
        return acc;
    }

    /**
     * The predicted class of every test row for each k: {@code result[j][i]} is the prediction for
     * test row i with {@code ks[j]} neighbours.
     */
    public static int[][] predict(float[][] trainX, int[] trainY, float[][] testX, int[] ks, double tau,
            int numClasses) {
        int n = trainX.length;
        if (n == 0 || trainY.length != n) {
            throw new IllegalArgumentException("need a non-empty training set with one label per row, got "
                    + n + " rows and " + trainY.length + " labels");
        }
        if (!(tau > 0)) {
            throw new IllegalArgumentException("tau must be > 0, got " + tau);
        }
        for (int y : trainY) {
            if (y < 0 || y >= numClasses) {
                throw new IllegalArgumentException("training label " + y + " outside [0, " + numClasses + ")");
            }
        }
        int kMax = 0;
        for (int k : ks) {
            if (k < 1) {
                throw new IllegalArgumentException("k must be >= 1, got " + k);
            }
            kMax = Math.max(kMax, Math.min(k, n));
        }
        int dim = trainX[0].length;
        int[][] predictions = new int[ks.length][testX.length];
        if (testX.length == 0) {
            return predictions;
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray train = manager.create(normalisedRows(trainX, 0, n, dim), new Shape(n, dim));
            NDArray trainT = train.transpose();
            TopK top = new TopK(kMax);
            double[] votes = new double[numClasses];
            for (int start = 0; start < testX.length; start += CHUNK_ROWS) {
                int rows = Math.min(CHUNK_ROWS, testX.length - start);
                float[] sims;
                try (NDManager chunk = manager.newSubManager()) {
                    NDArray q = chunk.create(normalisedRows(testX, start, rows, dim), new Shape(rows, dim));
                    sims = q.matMul(trainT).toFloatArray(); // rows x n, owned by the chunk
                }
                for (int r = 0; r < rows; r++) {
                    top.select(sims, r * n, n);
                    for (int j = 0; j < ks.length; j++) {
                        predictions[j][start + r] = vote(top, Math.min(ks[j], n), trainY, tau, votes);
                    }
                }
            }
        }
        return predictions;
    }

    private static int vote(TopK top, int k, int[] trainY, double tau, double[] votes) {
        Arrays.fill(votes, 0.0);
        double best = top.sims[0];
        for (int i = 0; i < k; i++) {
            votes[trainY[top.index[i]]] += Math.exp((top.sims[i] - best) / tau);
        }
        int arg = 0;
        for (int c = 1; c < votes.length; c++) {
            if (votes[c] > votes[arg]) {
                arg = c;
            }
        }
        return arg;
    }

    /** Rows {@code [start, start + rows)} L2-normalised (norm clamped at 1e-12) into one flat array. */
    static float[] normalisedRows(float[][] x, int start, int rows, int dim) {
        float[] flat = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            float[] row = x[start + r];
            if (row.length != dim) {
                throw new IllegalArgumentException("row " + (start + r) + " has " + row.length
                        + " features, expected " + dim);
            }
            double sq = 0;
            for (float v : row) {
                sq += (double) v * v;
            }
            float inv = (float) (1.0 / Math.max(Math.sqrt(sq), 1e-12));
            int off = r * dim;
            for (int c = 0; c < dim; c++) {
                flat[off + c] = row[c] * inv;
            }
        }
        return flat;
    }

    /**
     * Bounded selection of the k best (similarity descending, index ascending) entries of a row,
     * with a min-heap whose root is the worst entry kept; sorted best-first after {@link #select}.
     */
    static final class TopK {
        final float[] sims;
        final int[] index;
        private final int k;

        TopK(int k) {
            this.k = k;
            this.sims = new float[k];
            this.index = new int[k];
        }

        void select(float[] values, int offset, int n) {
            int size = 0;
            for (int j = 0; j < n; j++) {
                float s = values[offset + j];
                if (size < k) {
                    sims[size] = s;
                    index[size] = j;
                    siftUp(size++);
                } else if (s > sims[0]) { // a later equal value has a larger index: never better
                    sims[0] = s;
                    index[0] = j;
                    siftDown(0, k);
                }
            }
            // heap sort in place: repeatedly move the worst to the end, leaving best-first order
            for (int end = k - 1; end > 0; end--) {
                swap(0, end);
                siftDown(0, end);
            }
        }

        /** True when entry a ranks below entry b. */
        private boolean worse(int a, int b) {
            return sims[a] < sims[b] || (sims[a] == sims[b] && index[a] > index[b]);
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!worse(i, parent)) {
                    return;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void siftDown(int i, int size) {
            while (true) {
                int l = 2 * i + 1;
                if (l >= size) {
                    return;
                }
                int r = l + 1;
                int w = r < size && worse(r, l) ? r : l;
                if (!worse(w, i)) {
                    return;
                }
                swap(i, w);
                i = w;
            }
        }

        private void swap(int a, int b) {
            float s = sims[a];
            sims[a] = sims[b];
            sims[b] = s;
            int t = index[a];
            index[a] = index[b];
            index[b] = t;
        }
    }
}
