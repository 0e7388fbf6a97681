package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * InfoNCE with a queue of negatives, as in MoCo (He et al., CVPR 2020, arXiv:1911.05722, eq. 1;
 * the InfoNCE form of van den Oord et al., 2018, arXiv:1807.03748).
 *
 * <pre>{@code
 * NDArray loss = new InfoNceLoss(0.2f).compute(q, k, queue);  // q, k: N x d; queue: K x d
 * }</pre>
 *
 * <p>For query q (normalised), its positive key k₊ and K queued negative keys k_j:
 * <pre>
 *   ℓ(q) = −log( exp(q·k₊/τ) / (exp(q·k₊/τ) + Σ_{j=1..K} exp(q·k_j/τ)) ),   L = mean over the batch
 * </pre>
 * i.e. {@link ContrastiveCrossEntropy} of logits N x (1+K) with positive 0. With every logit equal, L = log(K + 1).
 * q and k are normalised here; the queue is expected to hold normalised keys.
 */
public final class InfoNceLoss extends ContrastiveCrossEntropy {

    public InfoNceLoss(float temperature) {
        super("InfoNCE", temperature);
    }

    /**
     * @param q queries N x d (gradient flows here)
     * @param k positive keys N x d (no gradient expected)
     * @param queue negatives K x d, possibly owned by a long-lived manager
     */
    public NDArray compute(NDArray q, NDArray k, NDArray queue) {
        NDManager m = q.getManager();
        NDArray qn = q.normalize(2, 1, 1e-12); // qn: N x d
        NDArray kn = k.normalize(2, 1, 1e-12); // kn: N x d
        NDArray lPos = qn.mul(kn).sum(new int[] {1}, true); // lPos: N x 1
        NDArray queueT = queue.transpose(); // queueT: d x K
        queueT.attach(m); // a result of an op on a long-lived array would otherwise join its manager
        NDArray lNeg = qn.matMul(queueT); // lNeg: N x K
        NDArray logits = NDArrays.concat(new NDList(lPos, lNeg), 1).mul(m.create(1f / temperature)); // N x (1+K)
        return lossOfFirstColumn(logits); // scalar
    }
}
