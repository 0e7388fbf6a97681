package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The NCE approximation of InstDisc's non-parametric softmax (Wu et al., CVPR 2018,
 * arXiv:1805.01978, eqs. 3–6), with m noise samples from a uniform distribution over n instances.
 *
 * <pre>{@code
 * NDArray loss = new NceLoss(0.07f, 65536).compute(v, positives, noise, z);   // z: the fixed normaliser
 * }</pre>
 *
 * <p>With P(i|v) = exp(vᵢᵀv/τ)/Z, P_n = 1/n and h(i, v) = P(i|v) / (P(i|v) + m·P_n):
 * <pre>
 *   L = −mean_batch [ log h(i, v) + Σ_{j=1..m} log(1 − h(j, v)) ]
 * </pre>
 * where vᵢ is the memory of the sample's own instance and v_j are the noise samples (shared by the
 * batch). {@link #estimateNormaliser} gives the paper's Monte-Carlo Z = n·mean_j exp(v_jᵀv/τ).
 * With P(i|v) = m·P_n for every term, L = (m + 1)·log 2.
 */
public final class NceLoss {
    private final float temperature;
    private final double n;

    /** @param n instances the noise is uniform over (the bank's capacity) */
    public NceLoss(float temperature, double n) {
        if (!(temperature > 0) || !(n >= 1)) {
            throw new IllegalArgumentException("NCE needs temperature > 0 and n >= 1, got " + temperature + ", " + n);
        }
        this.temperature = temperature;
        this.n = n;
    }

    /**
     * @param v features N x d, normalised (gradient flows here)
     * @param positives the memories of the samples' instances N x d (no gradient)
     * @param noise m noise memories m x d (no gradient)
     * @param z the normaliser Z
     */
    public NDArray compute(NDArray v, NDArray positives, NDArray noise, float z) {
        NDManager sm = v.getManager();
        long m = noise.getShape().get(0);
        NDArray invTau = sm.create(1f / temperature);
        NDArray invZ = sm.create(1f / z);
        NDArray mPn = sm.create((float) (m / n)); // m · P_n
        NDArray pPos = v.mul(positives).sum(new int[] {1}).mul(invTau).exp().mul(invZ); // pPos: N
        NDArray pNeg = v.matMul(noise.transpose()).mul(invTau).exp().mul(invZ); // pNeg: N x m
        NDArray logH = pPos.div(pPos.add(mPn)).log(); // log h(i, v): N
        NDArray logNotH = mPn.div(pNeg.add(mPn)).log().sum(new int[] {1}); // Σ_j log(1 − h(j, v)): N
        return logH.add(logNotH).mean().neg();
    }

    /** Z = n · mean over the batch and the noise of exp(v_jᵀv/τ) (computed once, then kept fixed). */
    public float estimateNormaliser(NDArray v, NDArray noise) {
        NDManager sm = v.getManager();
        NDArray e = v.matMul(noise.transpose()).mul(sm.create(1f / temperature)).exp(); // e: N x m
        return (float) (e.mean().getFloat() * n);
    }
}
