package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * MoCo v3's symmetrised InfoNCE with in-batch keys and no queue (Chen, Xie &amp; He, ICCV 2021,
 * arXiv:2104.02057, Algorithm 1).
 *
 * <pre>{@code
 * SymmetricInfoNceLoss l = new SymmetricInfoNceLoss(0.2f);
 * NDArray loss = l.compute(q1, q2, k1, k2);   // q: N x d (gradient); k: N x d from the momentum encoder
 * }</pre>
 *
 * <p>With q and k L2-normalised here:
 * <pre>
 *   ctr(q, k) = 2τ · (1/N) Σ_i −log( exp(q_i·k_i/τ) / Σ_j exp(q_i·k_j/τ) )
 *             = 2τ · CrossEntropy(q·kᵀ/τ, positives = arange(N))      ({@link ContrastiveCrossEntropy})
 *   L = ctr(q₁, k₂) + ctr(q₂, k₁)
 * </pre>
 * The key of sample i in the other view is its positive, the other N − 1 keys of the batch its
 * negatives. The factor 2τ is the paper's pseudo-code's; it makes the gradient scale independent of
 * τ to first order. With every logit equal, ctr = 2τ·log N. The caller detaches the keys.
 * Constants are NDArrays on q's manager (see {@link NtXentLoss}).
 */
public final class SymmetricInfoNceLoss extends ContrastiveCrossEntropy {
    private static final float EPS = 1e-12f;

    public SymmetricInfoNceLoss(float temperature) {
        super("InfoNCE", temperature);
    }

    /** ctr(q₁, k₂) + ctr(q₂, k₁), a scalar on q₁'s manager. */
    public NDArray compute(NDArray q1, NDArray q2, NDArray k1, NDArray k2) {
        return contrast(q1, k2).add(contrast(q2, k1));
    }

    /**
     * One direction, ctr(q, k).
     *
     * @param q queries N x d (gradient flows here)
     * @param k keys N x d, row i the positive of query i (no gradient expected)
     */
    public NDArray contrast(NDArray q, NDArray k) {
        if (!q.getShape().equals(k.getShape()) || q.getShape().dimension() != 2) {
            throw new IllegalArgumentException("InfoNCE needs two N x d arrays of one shape, got " + q.getShape()
                    + " and " + k.getShape());
        }
        NDManager m = q.getManager();
        int n = Math.toIntExact(q.getShape().get(0));
        NDArray qn = q.normalize(2, 1, EPS); // qn: N x d
        NDArray kn = k.normalize(2, 1, EPS); // kn: N x d
        NDArray logits = qn.matMul(kn.transpose()).mul(m.create(1f / temperature)); // logits: N x N, rows over keys
        NDArray ce = loss(logits, sameRow(m, n)); // scalar
        return ce.mul(m.create(2f * temperature)); // scalar
    }
}
