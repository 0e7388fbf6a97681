package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;

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
 * The result is the batch mean L. With every similarity equal, L = log(2N − 1).
 *
 * <p>Every constant is created as an NDArray on the inputs' manager: a Java number inside a
 * gradient step can be freed by the garbage collector before backward (see NOTES-stack).
 */
public final class NtXentLoss {
    private final float temperature;

    public NtXentLoss(float temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("NT-Xent temperature must be > 0, got " + temperature);
        }
        this.temperature = temperature;
    }

    public float temperature() {
        return temperature;
    }

    /** The batch-mean loss for two views' projections z1, z2 (N x d each, any scale). */
    public NDArray compute(NDArray z1, NDArray z2) {
        NDManager m = z1.getManager();
        int n = Math.toIntExact(z1.getShape().get(0));
        int n2 = 2 * n;
        NDArray z = NDArrays.concat(new ai.djl.ndarray.NDList(z1, z2), 0).normalize(2, 1, 1e-12); // z: 2N x d
        NDArray sim = z.matMul(z.transpose()).mul(m.create(1f / temperature)); // sim: 2N x 2N
        NDArray masked = sim.add(m.eye(n2).mul(m.create(-1e9f))); // self-similarity removed
        NDArray logProb = masked.logSoftmax(1); // logProb: 2N x 2N
        float[] positives = new float[n2 * n2];
        for (int i = 0; i < n2; i++) {
            positives[i * n2 + (i + n) % n2] = 1f;
        }
        NDArray pick = m.create(positives, logProb.getShape()); // one-hot of p(i): 2N x 2N
        return logProb.mul(pick).sum().neg().mul(m.create(1f / n2));
    }
}
