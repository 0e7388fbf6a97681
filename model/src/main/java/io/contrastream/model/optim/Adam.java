package io.contrastream.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;

/**
 * Adam (Kingma &amp; Ba 2015) with bias correction, and AdamW (Loshchilov &amp; Hutter 2019) when weight
 * decay is decoupled, following PyTorch's formulas.
 *
 * <pre>{@code
 * Optimizer adamw = new Adam(stateManager, 0.9f, 0.999f, 1e-8f, 0.05f, true);
 * adamw.step(params, schedule.at(step));
 * }</pre>
 *
 * <p>Per parameter, with its own step count t (exported with the state):
 * <pre>
 * coupled:   g ← g + wd·w
 * decoupled: w ← w·(1 − lr·wd)
 * m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 * w ← w − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 */
public final class Adam extends StatefulOptimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;

    /**
     * @param manager long-lived manager that owns the moment buffers
     * @param beta1 decay of the first moment (0.9)
     * @param beta2 decay of the second moment (0.999)
     * @param eps added to the denominator (1e-8)
     * @param weightDecay weight decay coefficient
     * @param decoupled true for AdamW (decay applied to the weights), false for L2 added to the gradient
     */
    public Adam(NDManager manager, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        super(manager, 2);
        if (!(beta1 >= 0f && beta1 < 1f && beta2 >= 0f && beta2 < 1f) || eps < 0f || weightDecay < 0f) {
            throw new IllegalArgumentException("need 0 <= beta1, beta2 < 1 and eps, weight decay >= 0");
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    /** Adam with β = (0.9, 0.999), ε = 1e-8 and no weight decay. */
    public Adam(NDManager manager) {
        this(manager, 0.9f, 0.999f, 1e-8f, 0f, false);
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    protected float[] hyperParameters() {
        return new float[] {beta1, beta2, eps, weightDecay, decoupled ? 1f : 0f};
    }

    @Override
    protected void update(Slot slot, Parameter param, NDArray w, NDArray g, float lr, NDManager step) {
        long t = slot.steps();
        NDArray d = g;
        if (weightDecay != 0f) {
            if (decoupled) {
                w.muli(step.create((float) (1.0 - (double) lr * weightDecay)));
            } else {
                d = step.create(weightDecay).mul(w).addi(g);
            }
        }
        NDArray m = slot.buffer(0);
        NDArray v = slot.buffer(1);
        if (m == null) {
            slot.setBuffer(0, step.zeros(w.getShape(), w.getDataType()));
            slot.setBuffer(1, step.zeros(w.getShape(), w.getDataType()));
            m = slot.buffer(0);
            v = slot.buffer(1);
        }
        m.muli(beta1).addi(step.create(1f - beta1).mul(d));
        v.muli(beta2).addi(step.create(1f - beta2).mul(d).muli(d));
        double bc1 = 1.0 - Math.pow(beta1, t);
        double bc2 = 1.0 - Math.pow(beta2, t);
        float stepSize = (float) (lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        // results join their receiver's manager: ops start from step-owned arrays or views
        NDArray denom = view(v, step).sqrt().divi(step.create(bc2Sqrt)).addi(step.create(eps));
        w.subi(view(m, step).div(denom).muli(step.create(stepSize)));
    }
}
