package io.contrastream.model.optim;

import io.contrastream.model.param.Param;
import java.util.List;

/**
 * The optimizer's and learning-rate schedule's parameters, declared once for every method (image
 * recipes and CPC); {@link Optimizers} reads them.
 *
 * <pre>{@code
 * Params p = MoCo.V2.defaults().set(OptimizerParams.LR, 0.03).set(OptimizerParams.BATCH, 128);
 * CosineSchedule lr = Optimizers.schedule(p);   // 0.03 × 128/256, constant (total-steps 0)
 * }</pre>
 */
public final class OptimizerParams {
    private OptimizerParams() {}

    public static final Param<String> OPTIMIZER = Param.ofChoice("optimizer", "optimizer", "sgd",
            "sgd", "lars", "adam", "adamw");
    public static final Param<Double> LR = Param.ofDouble("lr",
            "base learning rate for a batch of 256 (scaled linearly by batch/256)", 0.06, v -> v > 0 && v < 100, "(0, 100)");
    public static final Param<Double> MOMENTUM = Param.ofDouble("momentum", "optimizer momentum (SGD, LARS) or Adam beta1",
            0.9, v -> v >= 0 && v < 1, "[0, 1)");
    public static final Param<Double> WEIGHT_DECAY = Param.ofDouble("weight-decay", "weight decay", 5e-4,
            v -> v >= 0 && v < 1, "[0, 1)");
    public static final Param<Long> WARMUP_STEPS = Param.ofLong("warmup-steps", "linear learning-rate warm-up steps",
            0L, v -> v >= 0, ">= 0");
    public static final Param<Long> TOTAL_STEPS = Param.ofLong("total-steps",
            "steps of the cosine schedule (constant lr after; 0 = no decay)", 0L, v -> v >= 0, ">= 0");
    public static final Param<Integer> BATCH = Param.ofInt("batch", "records per training step", 256,
            v -> v >= 2 && v <= 65536, "[2, 65536]");

    /** Every optimizer and schedule parameter, in the order the methods list them. */
    public static final List<Param<?>> ALL = List.of(OPTIMIZER, LR, MOMENTUM, WEIGHT_DECAY, WARMUP_STEPS, TOTAL_STEPS,
            BATCH);
}
