package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * SwAV's swapped prediction loss (Caron et al., NeurIPS 2020, arXiv:2006.09882, eq. 1–2): each view
 * predicts the code of the other view from its own prototype scores.
 *
 * <pre>{@code
 * NDArray loss = new SwappedPredictionLoss(0.1f).compute(s1, s2, q1, q2);   // s_v = z_v·Cᵀ, q_v codes
 * }</pre>
 *
 * <p>For scores s_v = z_v·Cᵀ (N x K, gradient) and codes q_v (N x K, detached, e.g. from
 * {@link SinkhornKnopp}):
 * <pre>
 *   L = −½ · (1/N) Σ_i [ Σ_k q₂ᵢₖ · log softmax(s₁ᵢ / τ)ₖ + Σ_k q₁ᵢₖ · log softmax(s₂ᵢ / τ)ₖ ]
 * </pre>
 * With uniform codes and equal scores, L = log K.
 */
public final class SwappedPredictionLoss {
    private final float temperature;

    public SwappedPredictionLoss(float temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        this.temperature = temperature;
    }

    /**
     * @param s1 scores of view 1, N x K
     * @param s2 scores of view 2, N x K
     * @param q1 codes of view 1, N x K (no gradient expected)
     * @param q2 codes of view 2, N x K (no gradient expected)
     * @return the scalar loss on s1's manager
     */
    public NDArray compute(NDArray s1, NDArray s2, NDArray q1, NDArray q2) {
        if (!s1.getShape().equals(s2.getShape()) || !s1.getShape().equals(q1.getShape())
                || !s1.getShape().equals(q2.getShape())) {
            throw new IllegalArgumentException("scores and codes must share one N x K shape, got " + s1.getShape()
                    + ", " + s2.getShape() + ", " + q1.getShape() + ", " + q2.getShape());
        }
        NDManager m = s1.getManager();
        NDArray invTau = m.create(1f / temperature);
        NDArray logP1 = s1.mul(invTau).logSoftmax(1); // logP1: N x K
        NDArray logP2 = s2.mul(invTau).logSoftmax(1); // logP2: N x K
        NDArray ce12 = q2.mul(logP1).sum(new int[] {1}).mean(); // scalar: view 1 predicts q2
        NDArray ce21 = q1.mul(logP2).sum(new int[] {1}).mean(); // scalar: view 2 predicts q1
        return ce12.add(ce21).mul(m.create(-0.5f));
    }
}
