package io.contrastream.model.optim;

import ai.djl.ndarray.NDManager;
import io.contrastream.model.param.Params;

/**
 * The optimizer and learning-rate schedule a recipe's parameters describe, built in one place for
 * the image recipes and CPC.
 *
 * <pre>{@code
 * Optimizer opt = Optimizers.create(params, manager);     // optimizer, momentum, weight-decay
 * CosineSchedule lr = Optimizers.schedule(params);        // lr × batch/256, warm-up, cosine or constant
 * }</pre>
 */
public final class Optimizers {
    private Optimizers() {}

    /** {@code optimizer}: sgd, lars, adam or adamw, with {@code momentum} (β₁ for Adam) and {@code weight-decay}. */
    public static Optimizer create(Params params, NDManager manager) {
        float momentum = params.get(OptimizerParams.MOMENTUM).floatValue();
        float wd = params.get(OptimizerParams.WEIGHT_DECAY).floatValue();
        return switch (params.get(OptimizerParams.OPTIMIZER)) {
            case "sgd" -> new Sgd(manager, momentum, wd, false);
            case "lars" -> new Lars(manager, momentum, wd, 0.001f, Lars.DEFAULT_EXCLUDE);
            case "adam" -> new Adam(manager, momentum, 0.999f, 1e-8f, wd, false);
            case "adamw" -> new Adam(manager, momentum, 0.999f, 1e-8f, wd, true);
            default -> throw new IllegalArgumentException("unknown optimizer " + params.get(OptimizerParams.OPTIMIZER));
        };
    }

    /**
     * {@code lr} scaled by {@code batch}/256, linear warm-up over {@code warmup-steps}, then a cosine to 0
     * over {@code total-steps}; with total-steps = 0 (a stream has no end) constant after the warm-up.
     */
    public static CosineSchedule schedule(Params params) {
        double lr = params.get(OptimizerParams.LR) * params.get(OptimizerParams.BATCH) / 256.0;
        long warmup = params.get(OptimizerParams.WARMUP_STEPS);
        long total = params.get(OptimizerParams.TOTAL_STEPS);
        return total == 0 ? new CosineSchedule((float) lr, warmup, warmup, (float) lr)
                : new CosineSchedule((float) lr, warmup, Math.max(total, warmup), 0f);
    }
}
