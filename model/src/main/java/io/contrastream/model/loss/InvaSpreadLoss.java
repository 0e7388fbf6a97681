package io.contrastream.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The invariant-and-spreading loss of Ye et al. (CVPR 2019, arXiv:1904.03436, eqs. 3–5).
 *
 * <pre>{@code
 * NDArray loss = new InvaSpreadLoss(0.1f).compute(f, fHat);  // f, fHat: N x d, two views of N images
 * }</pre>
 *
 * <p>With f_i the normalised feature of image i and f̂_j that of the augmented copy of image j,
 * P(i | x̂_j) = exp(f_iᵀf̂_j/τ) / Σ_k exp(f_kᵀf̂_j/τ). The loss treats each instance as a class: the
 * augmented copy should be recognised as its own instance (invariance) and not as any other (spreading):
 * <pre>
 *   J = −Σ_i log P(i | x̂_i) − Σ_i Σ_{j≠i} log(1 − P(i | x̂_j))
 * </pre>
 * returned as the batch mean J / N. With every similarity equal, P = 1/N and
 * J/N = log N − (N − 1)·log(1 − 1/N).
 *
 * <p>This is the form given in the project's METHODS.md, where the spreading term asks whether an
 * augmented copy x̂_j is mistaken for instance i. The paper's eq. 4 writes that term with the
 * un-augmented x_j (P(i | x_j) from f_iᵀf_j), and its released code contrasts a 2N batch with the
 * diagonal removed; the three differ only in which pairs serve as negatives.
 */
public final class InvaSpreadLoss extends ContrastiveCrossEntropy implements TwoViewLoss {
    private static final float EPS = 1e-7f;

    public InvaSpreadLoss(float temperature) {
        super("InvaSpread", temperature);
    }

    /** The batch-mean loss for features of the images f and of their augmented copies fHat (N x d). */
    @Override
    public NDArray compute(NDArray f, NDArray fHat) {
        NDManager m = f.getManager();
        int n = Math.toIntExact(f.getShape().get(0));
        NDArray fn = f.normalize(2, 1, 1e-12); // fn: N x d
        NDArray gn = fHat.normalize(2, 1, 1e-12); // gn: N x d
        NDArray s = fn.matMul(gn.transpose()).mul(m.create(1f / temperature)); // s[i][j] = f_i·f̂_j/τ: N x N
        NDArray logP = s.logSoftmax(0); // log P(i | x̂_j), normalised over i: N x N
        NDArray offDiag = m.ones(s.getShape()).sub(m.eye(n)); // N x N
        NDArray positive = pick(logP, sameRow(m, n), 0).sum(); // Σ_i log P(i | x̂_i)
        NDArray oneMinusP = m.ones(s.getShape()).sub(logP.exp()).maximum(m.create(EPS)); // 1 − P: N x N
        NDArray spread = oneMinusP.log().mul(offDiag).sum(); // Σ_{j≠i} log(1 − P(i | x̂_j))
        return positive.add(spread).neg().mul(m.create(1f / n));
    }
}
