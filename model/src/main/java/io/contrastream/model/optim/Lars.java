package io.contrastream.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;

import java.util.Locale;
import java.util.function.Predicate;

/**
 * Layer-wise Adaptive Rate Scaling (LARS, You et al. 2017, arXiv:1708.03888) with momentum, as used
 * by SimCLR. For a parameter that is not excluded:
 * {@code g ← g + wd·w; local = η·‖w‖/‖g‖ (1 when either norm is 0); buf ← μ·buf + local·g;
 * w ← w − lr·buf}. Excluded parameters (by default biases and batch-norm γ/β) get neither weight
 * decay nor adaptation: {@code buf ← μ·buf + g}.
 *
 * <pre>{@code
 * Optimizer lars = new Lars(stateManager, 0.9f, 1e-6f, 0.001f, Lars.DEFAULT_EXCLUDE);
 * lars.step(params, schedule.at(step));
 * }</pre>
 *
 * <p>The exclusion predicate is applied to {@link Parameter#getName()} (e.g. {@code "weight"},
 * {@code "bias"}, {@code "gamma"}); it is not part of the exported state, so give the same one on
 * restore.
 */
public final class Lars extends StatefulOptimizer {
    /** Excludes parameters whose name contains "bias", "gamma" or "beta" (case-insensitive). */
    public static final Predicate<String> DEFAULT_EXCLUDE = name -> {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("bias") || n.contains("gamma") || n.contains("beta");
    };

    private final float momentum;
    private final float weightDecay;
    private final float trustCoefficient;
    private final Predicate<String> exclude;

    /**
     * @param manager long-lived manager that owns the momentum buffers
     * @param momentum μ (0.9 in SimCLR)
     * @param weightDecay coupled L2 coefficient for adapted parameters (1e-6 in SimCLR)
     * @param trustCoefficient η (0.001)
     * @param excludeFromAdaptationAndDecay parameter names that skip decay and adaptation
     */
    public Lars(NDManager manager, float momentum, float weightDecay, float trustCoefficient,
            Predicate<String> excludeFromAdaptationAndDecay) {
        super(manager, 1);
        if (momentum < 0f || weightDecay < 0f || trustCoefficient <= 0f) {
            throw new IllegalArgumentException("need momentum >= 0, weight decay >= 0, trust coefficient > 0");
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.trustCoefficient = trustCoefficient;
        this.exclude = excludeFromAdaptationAndDecay == null ? DEFAULT_EXCLUDE : excludeFromAdaptationAndDecay;
    }

    /** LARS with η = 0.001 and biases / batch-norm parameters excluded. */
    public Lars(NDManager manager, float momentum, float weightDecay) {
        this(manager, momentum, weightDecay, 0.001f, DEFAULT_EXCLUDE);
    }

    @Override
    public String name() {
        return "lars";
    }

    @Override
    protected float[] hyperParameters() {
        return new float[] {momentum, weightDecay, trustCoefficient};
    }

    /**
     * The trust ratio {@code η·‖w‖/‖g‖}, or 1 when either norm is zero (or not finite).
     *
     * @param eta trust coefficient
     * @param weightNorm ‖w‖
     * @param gradNorm ‖g‖ (after weight decay)
     */
    public static float localLr(float eta, float weightNorm, float gradNorm) {
        if (!(weightNorm > 0f) || !(gradNorm > 0f) || Float.isInfinite(weightNorm) || Float.isInfinite(gradNorm)) {
            return 1f;
        }
        return (float) ((double) eta * weightNorm / gradNorm);
    }

    @Override
    protected void update(Slot slot, Parameter param, NDArray w, NDArray g, float lr, NDManager step) {
        NDArray d = g;
        if (!exclude.test(param.getName())) {
            if (weightDecay != 0f) {
                d = step.create(weightDecay).mul(w).addi(g);
            }
            float local = localLr(trustCoefficient, w.norm().getFloat(), d.norm().getFloat());
            d = step.create(local).mul(d);
        }
        NDArray buf = slot.buffer(0);
        if (buf == null) {
            slot.setBuffer(0, d.duplicate()); // μ·0 + d
            buf = slot.buffer(0);
        } else {
            buf.muli(momentum).addi(d);
        }
        // results join their receiver's manager: keep a step-owned array on the left
        w.subi(step.create(lr).mul(buf));
    }
}
