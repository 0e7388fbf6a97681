package io.contrastream.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;

/**
 * Stochastic gradient descent with optional (Nesterov) momentum and coupled weight decay, with the
 * semantics of PyTorch's {@code torch.optim.SGD} (no dampening):
 * {@code g ← g + wd·w; buf ← μ·buf + g (buf = g at the first step); w ← w − lr·buf}
 * (Nesterov: {@code w ← w − lr·(g + μ·buf)}).
 *
 * <pre>{@code
 * Optimizer sgd = new Sgd(stateManager, 0.9f, 5e-4f, false);
 * sgd.step(params, schedule.at(step));
 * }</pre>
 */
public final class Sgd extends StatefulOptimizer {
    private final float momentum;
    private final float weightDecay;
    private final boolean nesterov;

    /**
     * @param manager long-lived manager that owns the momentum buffers
     * @param momentum μ, 0 for plain SGD (no buffer is kept)
     * @param weightDecay L2 coefficient added to the gradient
     * @param nesterov use Nesterov momentum (requires μ &gt; 0)
     */
    public Sgd(NDManager manager, float momentum, float weightDecay, boolean nesterov) {
        super(manager, 1);
        if (momentum < 0f || weightDecay < 0f) {
            throw new IllegalArgumentException("momentum and weight decay must be >= 0");
        }
        if (nesterov && momentum == 0f) {
            throw new IllegalArgumentException("Nesterov momentum requires momentum > 0");
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    protected float[] hyperParameters() {
        return new float[] {momentum, weightDecay, nesterov ? 1f : 0f};
    }

    @Override
    protected void update(Slot slot, Parameter param, NDArray w, NDArray g, float lr, NDManager step) {
        NDArray d = g;
        if (weightDecay != 0f) {
            d = step.create(weightDecay).mul(w).addi(g);
        }
        if (momentum != 0f) {
            NDArray buf = slot.buffer(0);
            if (buf == null) {
                buf = d.duplicate();
                slot.setBuffer(0, buf);
            } else {
                buf.muli(momentum).addi(d);
            }
            d = nesterov ? step.create(momentum).mul(buf).addi(d) : buf;
        }
        // results join their receiver's manager: keep a step-owned array on the left
        w.subi(step.create(lr).mul(d));
    }
}
