package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * SwAV's codes (Caron et al., NeurIPS 2020, arXiv:2006.09882, §3.1 and Algorithm 1): soft
 * assignments of N samples to K prototypes under an equal-partition constraint, found with a few
 * Sinkhorn–Knopp iterations on exp(scores / ε).
 *
 * <pre>{@code
 * NDArray q = SinkhornKnopp.codes(scores.stopGradient(), 0.05f, 3);   // q: N x K, rows sum to 1
 * }</pre>
 *
 * <p>As in the paper's code, with Q = exp(scores / ε)ᵀ (K x N) normalised to total mass 1, each
 * iteration scales the prototype rows of Q to sum 1/K and then the sample columns to sum 1/N; the
 * result is multiplied by N and transposed, so that each sample's code sums to 1 and each prototype
 * receives ≈ N/K. Here Q is kept as N x K throughout (same arithmetic, no transposes). The scores
 * are shifted by their global maximum before exp, which the first normalisation cancels exactly.
 * Plain NDArray ops: call it on detached scores or under no-gradient mode; results join the
 * scores' manager.
 */
public final class SinkhornKnopp {
    private SinkhornKnopp() {}

    /**
     * @param scores N x K similarities z·Cᵀ (detached)
     * @param eps entropic regularisation ε (&gt; 0)
     * @param iterations Sinkhorn iterations (&gt;= 1)
     * @return codes q, N x K, on the scores' manager
     */
    public static NDArray codes(NDArray scores, float eps, int iterations) {
        if (!(eps > 0) || iterations < 1) {
            throw new IllegalArgumentException("Sinkhorn needs eps > 0 and >= 1 iteration, got " + eps + ", "
                    + iterations);
        }
        if (scores.getShape().dimension() != 2) {
            throw new IllegalArgumentException("scores must be N x K, got " + scores.getShape());
        }
        NDManager m = scores.getManager();
        long n = scores.getShape().get(0);
        long k = scores.getShape().get(1);
        NDArray q = scores.sub(scores.max()).mul(m.create(1f / eps)).exp(); // q: N x K
        q = q.div(q.sum()); // q: N x K, total mass 1
        NDArray invK = m.create(1f / k);
        NDArray invN = m.create(1f / n);
        for (int it = 0; it < iterations; it++) {
            q = q.div(q.sum(new int[] {0}, true)).mul(invK); // each prototype (column) sums to 1/K
            q = q.div(q.sum(new int[] {1}, true)).mul(invN); // each sample (row) sums to 1/N
        }
        return q.mul(m.create((float) n)); // q: N x K, rows sum to 1
    }
}
