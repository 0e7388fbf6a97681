package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.contrastream.model.util.Rng;

/**
 * CPC's InfoNCE (van den Oord, Li &amp; Vinyals 2018, arXiv:1807.03748, eq. 4), averaged over the
 * batch, the time steps and the prediction steps.
 *
 * <pre>{@code
 * CpcLoss l = new CpcLoss(12, 10);                       // K = 12 steps, M = 10 time negatives
 * int[] neg = l.sampleNegatives(rng, n, frames);         // seeded, deterministic given rng's state
 * NDArray loss = l.compute(z, pred, neg);                // z: N x T' x C, pred: N x T' x K x C
 * }</pre>
 *
 * <p>With p_{n,t,k} = W_k c_{n,t} (the caller's linear map H → C without bias, one per k; here given
 * as {@code pred[n][t][k-1]}) and the score f_k(x, c_{n,t}) = exp(zᵀ p_{n,t,k}), for every anchor
 * (n, t, k) with 1 ≤ k ≤ K and 0 ≤ t &lt; T' − k the candidate set X_{n,t,k} is
 * <ul>
 *   <li>the positive z_{n, t+k};
 *   <li>the N − 1 frames at the same time t + k of every other sequence of the batch, z_{m, t+k}, m ≠ n;
 *   <li>M frames of the same sequence at other times, z_{n, u_j}, j = 1..M, u_j drawn uniformly with
 *       replacement from {0, …, T'−1} \ {t + k} by {@link #sampleNegatives} (draw order: k, n, t, j).
 * </ul>
 * <pre>
 *   L = (1/|A|) Σ_{(n,t,k) ∈ A} −log( exp(z_{n,t+k}ᵀ p_{n,t,k}) / Σ_{x ∈ X_{n,t,k}} exp(xᵀ p_{n,t,k}) )
 * </pre>
 * over the |A| = N · Σ_k (T' − k) anchors: each of the N + M candidates of an anchor is one class
 * of a cross-entropy that must pick the positive. With every z equal, L = log(N + M). No
 * temperature and no normalisation, as in the paper. Gradients flow into z (positives and
 * negatives) and p. Constants are NDArrays on z's manager (no Java scalar enters the graph).
 */
public final class CpcLoss {
    private final int steps;
    private final int negatives;

    /**
     * @param steps K, the prediction steps
     * @param negatives M, the negatives drawn from other time steps of the same sequence per anchor
     */
    public CpcLoss(int steps, int negatives) {
        if (steps < 1 || negatives < 0) {
            throw new IllegalArgumentException("CPC needs K >= 1 prediction steps and M >= 0 negatives, got K="
                    + steps + ", M=" + negatives);
        }
        this.steps = steps;
        this.negatives = negatives;
    }

    public int steps() {
        return steps;
    }

    public int negatives() {
        return negatives;
    }

    /** The number of candidates of each anchor, N + M (log of it is the loss of a constant z). */
    public int candidates(int batch) {
        return batch + negatives;
    }

    /**
     * Draws the time negatives of every anchor: flat indices n·T' + u into the N·T' frames, in the
     * order k = 1..K, n, t = 0..T'−k−1, j = 1..M, with u uniform over the frames of sequence n other
     * than t + k.
     */
    public int[] sampleNegatives(Rng rng, int n, int frames) {
        checkFrames(frames);
        int[] out = new int[Math.toIntExact((long) anchors(n, frames) * negatives)];
        int i = 0;
        for (int k = 1; k <= steps; k++) {
            for (int s = 0; s < n; s++) {
                for (int t = 0; t < frames - k; t++) {
                    for (int j = 0; j < negatives; j++) {
                        int u = rng.nextInt(frames - 1);
                        if (u >= t + k) {
                            u++;
                        }
                        out[i++] = s * frames + u;
                    }
                }
            }
        }
        return out;
    }

    /** |A| = N · Σ_k (T' − k). */
    public long anchors(int n, int frames) {
        long a = 0;
        for (int k = 1; k <= steps; k++) {
            a += Math.max(0, frames - k);
        }
        return a * n;
    }

    private void checkFrames(int frames) {
        if (frames <= steps || (negatives > 0 && frames < 2)) {
            throw new IllegalArgumentException("CPC with K=" + steps + " needs more than " + steps
                    + " frames per window, got " + frames + ": use longer windows or a smaller K");
        }
    }

    /**
     * The batch-mean loss.
     *
     * @param z N x T' x C, the encodings (candidates)
     * @param pred N x T' x K x C, pred[n][t][k−1] = W_k c_{n,t}
     * @param negativeIndex from {@link #sampleNegatives} for this N and T'
     * @return a scalar on z's manager
     */
    public NDArray compute(NDArray z, NDArray pred, int[] negativeIndex) {
        long[] zs = z.getShape().getShape();
        long[] ps = pred.getShape().getShape();
        if (zs.length != 3 || ps.length != 4 || ps[0] != zs[0] || ps[1] != zs[1] || ps[2] != steps || ps[3] != zs[2]) {
            throw new IllegalArgumentException("CPC loss needs z N x T' x C and predictions N x T' x " + steps
                    + " x C, got " + z.getShape() + " and " + pred.getShape());
        }
        int n = Math.toIntExact(zs[0]);
        int frames = Math.toIntExact(zs[1]);
        checkFrames(frames);
        if (negativeIndex.length != anchors(n, frames) * negatives) {
            throw new IllegalArgumentException("expected " + anchors(n, frames) * negatives + " negative indices, got "
                    + negativeIndex.length);
        }
        NDManager m = z.getManager();
        NDArray zFlat = z.reshape(-1, zs[2]); // zFlat: (N·T') x C
        NDArray total = null;
        int offset = 0;
        for (int k = 1; k <= steps; k++) {
            int tk = frames - k;
            NDArray p = pred.get(":, 0:{}, {}, :", tk, k - 1); // p: N x Tk x C, W_k c_t
            NDArray zk = z.get(":, {}:, :", k); // zk: N x Tk x C, z_{t+k}
            NDArray pos = p.mul(zk).sum(new int[] {2}); // pos: N x Tk
            // batch[n][t][m] = p_{n,t} · z_{m,t+k}: the positive (m = n) and the other sequences
            NDArray batch = p.transpose(1, 0, 2).matMul(zk.transpose(1, 2, 0)).transpose(1, 0, 2); // N x Tk x N
            NDArray logits = batch;
            if (negatives > 0) {
                int count = n * tk * negatives;
                long[] idx = new long[count];
                for (int i = 0; i < count; i++) {
                    idx[i] = negativeIndex[offset + i];
                }
                offset += count;
                NDArray neg = zFlat.get(m.create(idx)).reshape(n, tk, negatives, zs[2]); // N x Tk x M x C
                NDArray negScore = neg.mul(p.expandDims(2)).sum(new int[] {3}); // N x Tk x M
                logits = NDArrays.concat(new NDList(batch, negScore), 2); // N x Tk x (N + M)
            }
            NDArray max = logits.max(new int[] {2}, true).stopGradient(); // N x Tk x 1
            NDArray lse = logits.sub(max).exp().sum(new int[] {2}).log().add(max.squeeze(2)); // N x Tk
            NDArray term = lse.sub(pos).sum();
            total = total == null ? term : total.add(term);
        }
        return total.div(m.create((float) anchors(n, frames)));
    }
}
