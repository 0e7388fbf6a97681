package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * DINO's self-distillation loss (Caron et al., ICCV 2021, arXiv:2104.14294, eq. 2 and Algorithm 1):
 * the cross-entropy from the centred, sharpened teacher distribution of one view to the student's
 * distribution of every other view.
 *
 * <pre>{@code
 * NDArray loss = DinoLoss.compute(new NDArray[] {s1, s2}, new NDArray[] {t1, t2}, center, 0.1f, 0.04f);
 * }</pre>
 *
 * <p>For student outputs s_v (N x K, gradient) and teacher outputs t_u (N x K, detached):
 * <pre>
 *   P_t(u) = softmax((t_u − c) / τ_t),   log P_s(v) = log_softmax(s_v / τ_s)
 *   L = (1/#pairs) Σ_{u, v ≠ u} (1/N) Σ_i −Σ_k P_t(u)_{ik} · log P_s(v)_{ik}
 * </pre>
 * the pairs running over teacher views u and student views v with v ≠ u (the first teacher views are
 * the student's first views). With teacher and student uniform, L = log K.
 */
public final class DinoLoss {
    private DinoLoss() {}

    /**
     * @param student student outputs per view, each N x K (gradient flows here)
     * @param teacher teacher outputs of the first views, each N x K (no gradient expected)
     * @param center 1 x K or K, possibly long-lived
     * @param tauS student temperature
     * @param tauT teacher temperature
     * @return the mean over pairs and samples, a scalar on the first student array's manager
     */
    public static NDArray compute(NDArray[] student, NDArray[] teacher, NDArray center, float tauS, float tauT) {
        if (!(tauS > 0) || !(tauT > 0)) {
            throw new IllegalArgumentException("DINO temperatures must be > 0, got " + tauS + " and " + tauT);
        }
        if (teacher.length > student.length || teacher.length == 0 || student.length < 2) {
            throw new IllegalArgumentException("DINO needs >= 2 student views and 1.." + student.length
                    + " teacher views, got " + student.length + " and " + teacher.length);
        }
        NDManager m = student[0].getManager();
        NDArray total = null;
        int pairs = 0;
        for (int u = 0; u < teacher.length; u++) {
            NDArray pt = teacher[u].sub(center).mul(m.create(1f / tauT)).softmax(1); // pt: N x K
            for (int v = 0; v < student.length; v++) {
                if (v == u) {
                    continue;
                }
                NDArray logPs = student[v].mul(m.create(1f / tauS)).logSoftmax(1); // logPs: N x K
                NDArray ce = pt.mul(logPs).sum(new int[] {1}).mean().neg(); // scalar
                total = total == null ? ce : total.add(ce);
                pairs++;
            }
        }
        return total.mul(m.create(1f / pairs));
    }
}
