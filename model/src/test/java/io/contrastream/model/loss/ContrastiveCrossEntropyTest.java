package io.contrastream.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * The shared cross-entropy against a slow loop (value, picked entries along either axis, and its
 * gradient (softmax − one-hot)/N), and its refusals of malformed positives and temperatures.
 */
class ContrastiveCrossEntropyTest {
    private static final int N = 4;
    private static final int M = 6;
    private static final long[] POSITIVES = {3, 0, 5, 0};

    private static double[][] logits() {
        return LossTest.random(Rng.seeded(21), N, M);
    }

    /** log softmax of row i at column j, in double precision. */
    private static double logSoftmax(double[] row, int j) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : row) {
            sum += Math.exp(v - max);
        }
        return row[j] - max - Math.log(sum);
    }

    @Test
    void lossMatchesSlowLoop() {
        double[][] s = logits();
        double expected = 0;
        for (int i = 0; i < N; i++) {
            expected -= logSoftmax(s[i], (int) POSITIVES[i]) / N;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float got = ContrastiveCrossEntropy.loss(LossTest.nd(m, s), m.create(POSITIVES)).getFloat();
            assertThat((double) got).isCloseTo(expected, within(1e-5));
        }
    }

    @Test
    void firstColumnIsTheLossWithPositivesZero() {
        double[][] s = logits();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = LossTest.nd(m, s);
            float sliced = ContrastiveCrossEntropy.lossOfFirstColumn(logits).getFloat();
            float gathered = ContrastiveCrossEntropy.loss(logits, m.create(new long[N])).getFloat();
            assertThat(sliced).isCloseTo(gathered, within(1e-6f));
            assertThat((double) sliced).isCloseTo(-(logSoftmax(s[0], 0) + logSoftmax(s[1], 0) + logSoftmax(s[2], 0)
                    + logSoftmax(s[3], 0)) / N, within(1e-5));
        }
    }

    @Test
    void pickReadsRowsOrColumns() {
        double[][] s = logits();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = LossTest.nd(m, s); // N x M
            float[] rows = ContrastiveCrossEntropy.pick(a, m.create(POSITIVES), 1).toFloatArray();
            assertThat(rows).hasSize(N);
            for (int i = 0; i < N; i++) {
                assertThat(rows[i]).isEqualTo((float) s[i][(int) POSITIVES[i]]);
            }
            long[] perColumn = {1, 3, 0, 2, 2, 1};
            float[] cols = ContrastiveCrossEntropy.pick(a, m.create(perColumn), 0).toFloatArray();
            assertThat(cols).hasSize(M);
            for (int j = 0; j < M; j++) {
                assertThat(cols[j]).isEqualTo((float) s[(int) perColumn[j]][j]);
            }
            assertThat(ContrastiveCrossEntropy.sameRow(m, 3).toLongArray()).containsExactly(0, 1, 2);
        }
    }

    @Test
    void gradientIsSoftmaxMinusOneHotOverN() {
        double[][] s = logits();
        float[] grad;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = LossTest.nd(m, s);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(ContrastiveCrossEntropy.loss(x, m.create(POSITIVES)));
            }
            grad = x.getGradient().toFloatArray();
        }
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < M; j++) {
                double expected = (Math.exp(logSoftmax(s[i], j)) - (j == POSITIVES[i] ? 1 : 0)) / N;
                assertThat((double) grad[i * M + j]).as("d loss / d s[%d][%d]", i, j).isCloseTo(expected, within(1e-6));
            }
        }
    }

    @Test
    void refusesMalformedPositivesAndTemperatures() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.zeros(new Shape(N, M));
            assertThatThrownBy(() -> ContrastiveCrossEntropy.pick(a, m.create(new long[M]), 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one positive per anchor");
            assertThatThrownBy(() -> ContrastiveCrossEntropy.pick(m.zeros(new Shape(N)), m.create(new long[N]), 1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new NtXentLoss(0f)).hasMessage("NT-Xent temperature must be > 0, got 0.0");
        assertThatThrownBy(() -> new CmcLoss(Float.NaN, CmcLoss.Graph.FULL))
                .hasMessage("CMC temperature must be > 0, got NaN");
    }
}
