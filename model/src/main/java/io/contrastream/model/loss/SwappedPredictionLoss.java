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
 * With uniform codes and equal scores, L = log K. {@link #compute(NDArray[], NDArray[])} takes
 * multi-crop's views: codes of the large crops, predictions from every other crop.
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
        return compute(new NDArray[] {s1, s2}, new NDArray[] {q1, q2});
    }

    /**
     * Multi-crop (sec. 3.2): the codes of the first views (the large crops) are predicted by every
     * other view, L = (1/#pairs) Σ_u Σ_{v≠u} −(1/N) Σ_i q_uᵢ · log softmax(s_vᵢ / τ), u over the coded
     * views and v over all views; with two views this is the two-view formula above.
     *
     * @param scores scores of every view, each N x K (gradient flows here)
     * @param codes codes of the first views, each N x K (no gradient expected), 1 to scores.length
     * @return the scalar loss on the first scores' manager
     */
    public NDArray compute(NDArray[] scores, NDArray[] codes) {
        if (codes.length == 0 || codes.length > scores.length || scores.length < 2) {
            throw new IllegalArgumentException("swapped prediction needs >= 2 views and 1.." + scores.length
                    + " coded views, got " + scores.length + " and " + codes.length);
        }
        for (NDArray a : scores) {
            checkShape(scores[0], a);
        }
        for (NDArray a : codes) {
            checkShape(scores[0], a);
        }
        NDManager m = scores[0].getManager();
        NDArray invTau = m.create(1f / temperature);
        NDArray[] logP = new NDArray[scores.length];
        for (int v = 0; v < scores.length; v++) {
            logP[v] = scores[v].mul(invTau).logSoftmax(1); // logP_v: N x K
        }
        NDArray total = null;
        int pairs = 0;
        for (int u = 0; u < codes.length; u++) {
            for (int v = 0; v < scores.length; v++) {
                if (v == u) {
                    continue;
                }
                NDArray ce = codes[u].mul(logP[v]).sum(new int[] {1}).mean(); // scalar: view v predicts q_u
                total = total == null ? ce : total.add(ce);
                pairs++;
            }
        }
        return total.mul(m.create(-1f / pairs));
    }

    private static void checkShape(NDArray ref, NDArray a) {
        if (!ref.getShape().equals(a.getShape())) {
            throw new IllegalArgumentException("scores and codes must share one N x K shape, got " + ref.getShape()
                    + " and " + a.getShape());
        }
    }
}
