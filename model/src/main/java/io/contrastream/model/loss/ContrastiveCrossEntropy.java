package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The softmax cross-entropy every contrastive loss here is built on: anchors score candidates, one
 * candidate per anchor is its positive, and the loss is −log of the positive's softmax probability;
 * the losses extend it for their temperature.
 *
 * <pre>{@code
 * final class PairLoss extends ContrastiveCrossEntropy {
 *     PairLoss(float tau) { super("pair", tau); }
 *     NDArray compute(NDArray q, NDArray k) {   // q, k: N x d, row i of k the positive of row i of q
 *         NDManager m = q.getManager();
 *         NDArray logits = q.matMul(k.transpose()).mul(m.create(1f / temperature)); // N x N
 *         return loss(logits, sameRow(m, Math.toIntExact(q.getShape().get(0))));    // scalar
 *     }
 * }
 * }</pre>
 *
 * <p>For logits s (anchors x candidates) and positive indices p:
 * <pre>
 *   log p(i) = s(i, p(i)) − log Σ_j exp(s(i, j)),      loss = −(1/N) Σ_i log p(i)
 * </pre>
 * The positive is gathered from the log-softmax by index on the arrays' device, so no one-hot
 * matrix is built, in Java or there. Positive indices are INT64 arrays on the logits' manager.
 */
public abstract class ContrastiveCrossEntropy {
    protected final float temperature;

    /** @param loss the loss's name for the error on a temperature that is not > 0 */
    protected ContrastiveCrossEntropy(String loss, float temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException(loss + " temperature must be > 0, got " + temperature);
        }
        this.temperature = temperature;
    }

    public final float temperature() {
        return temperature;
    }

    /** −mean over anchors of log p(positive): logits N x M (softmax over the M candidates), positives N. */
    public static NDArray loss(NDArray logits, NDArray positives) {
        return positiveLogProb(logits, positives).mean().neg(); // scalar
    }

    /**
     * {@link #loss} when every anchor's positive is its first candidate (InfoNCE's [k₊, negatives]):
     * logits N x M. Column 0 is read as a slice, which needs no index array.
     */
    public static NDArray lossOfFirstColumn(NDArray logits) {
        return logits.logSoftmax(1).get(":, 0").mean().neg(); // scalar
    }

    /** log p(positive | anchor) of each anchor: logits N x M, positives N; returns N. */
    public static NDArray positiveLogProb(NDArray logits, NDArray positives) {
        return pick(logits.logSoftmax(1), positives, 1);
    }

    /**
     * The entries of {@code logProb} at {@code positives} along {@code axis}, the candidates' axis:
     * axis 1 gives row i's entry positives[i], axis 0 column j's entry positives[j]; a vector.
     */
    public static NDArray pick(NDArray logProb, NDArray positives, int axis) {
        if (logProb.getShape().dimension() != 2 || (axis != 0 && axis != 1)
                || positives.size() != logProb.getShape().get(1 - axis)) {
            throw new IllegalArgumentException("a contrastive cross-entropy needs 2-d log-probabilities and one"
                    + " positive per anchor, got " + logProb.getShape() + " and " + positives.getShape() + " along axis "
                    + axis);
        }
        long anchors = logProb.getShape().get(1 - axis);
        NDArray index = axis == 1 ? positives.reshape(anchors, 1) : positives.reshape(1, anchors); // one per anchor
        return logProb.gather(index, axis).reshape(anchors); // anchors
    }

    /** Positives 0, 1, …, n − 1: anchor i's positive is candidate i (two views of a record in matching rows). */
    public static NDArray sameRow(NDManager m, int n) {
        return m.arange(0, n, 1, DataType.INT64); // n
    }
}
