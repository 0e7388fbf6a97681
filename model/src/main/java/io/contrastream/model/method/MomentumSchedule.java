package io.contrastream.model.method;

/**
 * The cosine increase of an EMA momentum to 1 shared by BYOL (Grill et al., NeurIPS 2020,
 * arXiv:2006.07733, sec. 3.2) and MoCo v3 (Chen, Xie &amp; He, ICCV 2021, arXiv:2104.02057, sec. 4).
 *
 * <pre>{@code
 * float m = MomentumSchedule.cosineToOne(0.99, step, totalSteps);   // then momentumCopy.update(m)
 * }</pre>
 *
 * <p>m_k = 1 − (1 − m_base)·(cos(πk/K) + 1)/2 at step k of K: m_base at k = 0, 1 from k = K on;
 * m_base throughout when K = 0 (a stream without end).
 */
public final class MomentumSchedule {
    private MomentumSchedule() {}

    public static float cosineToOne(double base, long k, long total) {
        if (total == 0) {
            return (float) base;
        }
        double progress = Math.min(k, total) / (double) total;
        return (float) (1 - (1 - base) * (Math.cos(Math.PI * progress) + 1) / 2);
    }
}
