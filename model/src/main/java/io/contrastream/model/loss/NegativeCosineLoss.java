package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The negative-cosine prediction loss of the methods without negatives: BYOL's normalised mean
 * squared error (Grill et al., NeurIPS 2020, arXiv:2006.07733, eq. 2) and SimSiam's negative cosine
 * similarity D (Chen &amp; He, CVPR 2021, arXiv:2011.10566, eq. 1).
 *
 * <pre>{@code
 * NDArray byol = NegativeCosineLoss.byol().compute(p1, z2);       // p1, z2: N x d; z2 without gradient
 * NDArray d = NegativeCosineLoss.simSiam().compute(p1, z2.stopGradient());
 * }</pre>
 *
 * <p>For predictions p_i and targets z_i with cos(p, z) = pᵀz / (‖p‖·‖z‖):
 * <pre>
 *   BYOL:    L = (1/N) Σ_i ‖p̄_i − z̄_i‖² = (1/N) Σ_i (2 − 2·cos(p_i, z_i))      range [0, 4]
 *   SimSiam: D = (1/N) Σ_i −cos(p_i, z_i)                                       range [−1, 1]
 * </pre>
 * i.e. {@code offset − scale · mean cos} with (offset, scale) = (2, 2) or (0, 1). Identical directions
 * give 0 (BYOL) and −1 (SimSiam); orthogonal ones 2 and 0. The loss is one direction only: the
 * recipes symmetrise it (BYOL sums both directions, SimSiam averages them) and stop the target's
 * gradient themselves. Constants are NDArrays on the inputs' manager (see {@link NtXentLoss}).
 */
public final class NegativeCosineLoss {
    private static final float EPS = 1e-12f;
    private final float offset;
    private final float scale;

    private NegativeCosineLoss(float offset, float scale) {
        this.offset = offset;
        this.scale = scale;
    }

    /** BYOL's 2 − 2·cos (the squared distance of the L2-normalised vectors). */
    public static NegativeCosineLoss byol() {
        return new NegativeCosineLoss(2f, 2f);
    }

    /** SimSiam's −cos. */
    public static NegativeCosineLoss simSiam() {
        return new NegativeCosineLoss(0f, 1f);
    }

    /**
     * @param p predictions N x d (gradient flows here)
     * @param z targets N x d (the caller detaches them where the method stops the gradient)
     * @return the batch mean, a scalar on p's manager
     */
    public NDArray compute(NDArray p, NDArray z) {
        if (!p.getShape().equals(z.getShape()) || p.getShape().dimension() != 2) {
            throw new IllegalArgumentException("negative-cosine loss needs two N x d arrays of one shape, got "
                    + p.getShape() + " and " + z.getShape());
        }
        NDManager m = p.getManager();
        NDArray pn = p.normalize(2, 1, EPS); // pn: N x d
        NDArray zn = z.normalize(2, 1, EPS); // zn: N x d
        NDArray cos = pn.mul(zn).sum(new int[] {1}); // cos: N
        return m.create(offset).sub(cos.mean().mul(m.create(scale))); // scalar
    }
}
