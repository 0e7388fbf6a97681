package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;

/**
 * A loss over the projections of two views of the same N records, row i of each from record i.
 *
 * <pre>{@code
 * TwoViewLoss loss = new NtXentLoss(0.5f);   // or new InvaSpreadLoss(0.1f)
 * NDArray l = loss.compute(z1, z2);          // z1, z2: N x d; l: scalar
 * }</pre>
 */
@FunctionalInterface
public interface TwoViewLoss {
    /** The batch-mean loss, a scalar on z1's manager. */
    NDArray compute(NDArray z1, NDArray z2);
}
