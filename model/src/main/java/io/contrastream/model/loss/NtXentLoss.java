package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al., ICML 2020,
 * arXiv:2002.05709, eq. 1).
 *
 * <pre>{@code
 * NDArray loss = new NtXentLoss(0.5f).compute(z1, z2);   // z1, z2: N x d projections of two views
 * }</pre>
 *
 * <p>With the 2N projections z normalised to unit length and s(i,j) = z_iᵀz_j / τ, each view i has
 * its pair p(i) as the positive and the other 2N − 2 views as negatives:
 * <pre>
 *   ℓ(i) = −log( exp(s(i,p(i))) / Σ_{j≠i} exp(s(i,j)) ),      L = (1 / 2N) Σ_i ℓ(i)
 * </pre>
 * The result is the batch mean L, a {@link ContrastiveCrossEntropy} over the 2N x 2N similarities
 * with each self-similarity pushed to −10⁹ so that it drops out of the softmax. With every
 * similarity equal, L = log(2N − 1).
 *
 * <p>Every constant is created as an NDArray on the inputs' manager: a Java number inside a
 * gradient step can be freed by the garbage collector before backward (see NOTES-stack).
 */
public final class NtXentLoss extends ContrastiveCrossEntropy implements TwoViewLoss {

    public NtXentLoss(float temperature) {
        super("NT-Xent", temperature);
    }

    /** The batch-mean loss for two views' projections z1, z2 (N x d each, any scale). */
    @Override
    public NDArray compute(NDArray z1, NDArray z2) {
        NDManager m = z1.getManager();
        int n = Math.toIntExact(z1.getShape().get(0));
        int n2 = 2 * n;
        NDArray z = NDArrays.concat(new NDList(z1, z2), 0).normalize(2, 1, 1e-12); // z: 2N x d
        NDArray sim = z.matMul(z.transpose()).mul(m.create(1f / temperature)); // sim: 2N x 2N
        NDArray masked = sim.add(m.eye(n2).mul(m.create(-1e9f))); // self-similarity removed
        NDArray positives = NDArrays.concat(new NDList(m.arange(n, n2, 1, DataType.INT64),
                m.arange(0, n, 1, DataType.INT64))); // p(i) = (i + N) mod 2N, the other view: 2N
        NDArray logProb = positiveLogProb(masked, positives); // log p(p(i) | i): 2N
        return logProb.sum().neg().mul(m.create(1f / n2)); // the mean as sum · 1/2N, the reduction used before
    }
}
