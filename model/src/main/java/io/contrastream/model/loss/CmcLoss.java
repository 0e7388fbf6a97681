package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Contrastive Multiview Coding's loss over V views (Tian, Krishnan &amp; Isola, 2019,
 * arXiv:1906.05849, sec. 3.2–3.3), here with the other records of the batch as negatives.
 *
 * <pre>{@code
 * CmcLoss l = new CmcLoss(0.07f, CmcLoss.Graph.FULL);
 * NDArray loss = l.compute(List.of(zL, zAb));   // z: N x d per view, row i = record i
 * }</pre>
 *
 * <p>With every z L2-normalised here, the two-view term anchors view i and contrasts view j:
 * <pre>
 *   L(Vi, Vj) = (1/N) Σ_n −log( exp(z_i,n·z_j,n/τ) / Σ_m exp(z_i,n·z_j,m/τ) )
 *   full graph:  L = Σ_{i&lt;j} [ L(Vi, Vj) + L(Vj, Vi) ]           (V(V−1)/2 pairs)
 *   core view:   L = Σ_{j≥1} [ L(V0, Vj) + L(Vj, V0) ]           (V − 1 pairs)
 * </pre>
 * The paper draws its negatives from a memory bank (16,384, NCE or softmax); a stream has no fixed
 * set of instances, so the batch supplies N − 1 negatives per anchor, as in the paper's in-batch
 * variant and its successor CLIP. With every logit equal, each L(Vi, Vj) = log N. Constants are
 * NDArrays on the first view's manager (see {@link NtXentLoss}).
 */
public final class CmcLoss extends ContrastiveCrossEntropy {
    /** Which pairs of views are contrasted. */
    public enum Graph {
        /** Every pair of views. */
        FULL,
        /** View 0 against each other view. */
        CORE
    }

    private static final float EPS = 1e-12f;
    private final Graph graph;

    public CmcLoss(float temperature, Graph graph) {
        super("CMC", temperature);
        this.graph = graph;
    }

    /** The pairs (i, j), i &lt; j, this graph contrasts among {@code views} views. */
    public List<int[]> pairs(int views) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < views; i++) {
            for (int j = i + 1; j < views; j++) {
                if (graph == Graph.FULL || i == 0) {
                    out.add(new int[] {i, j});
                }
            }
        }
        return out;
    }

    /** The summed loss over the graph's pairs, a scalar on the first view's manager. */
    public NDArray compute(List<NDArray> z) {
        if (z.size() < 2) {
            throw new IllegalArgumentException("CMC needs at least 2 views, got " + z.size());
        }
        List<NDArray> normed = new ArrayList<>(z.size());
        for (NDArray v : z) {
            if (!v.getShape().equals(z.get(0).getShape()) || v.getShape().dimension() != 2) {
                throw new IllegalArgumentException("CMC needs one N x d array per view, all of one shape; got "
                        + v.getShape() + " and " + z.get(0).getShape());
            }
            normed.add(v.normalize(2, 1, EPS)); // N x d
        }
        NDArray total = null;
        for (int[] p : pairs(z.size())) {
            NDArray term = anchorContrast(normed.get(p[0]), normed.get(p[1]))
                    .add(anchorContrast(normed.get(p[1]), normed.get(p[0])));
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    /** L(Vi, Vj) for normalised anchors {@code a} (view i) and candidates {@code c} (view j). */
    private NDArray anchorContrast(NDArray a, NDArray c) {
        NDManager m = a.getManager();
        int n = Math.toIntExact(a.getShape().get(0));
        NDArray logits = a.matMul(c.transpose()).mul(m.create(1f / temperature)); // logits: N x N
        return loss(logits, sameRow(m, n)); // scalar, −mean log p(n|n)
    }
}
