package io.contrastream.model.optim;

/**
 * Linear warm-up followed by a half-cosine decay: from 0 to {@code baseLr} over
 * {@code warmupSteps}, then down to {@code finalLr} at {@code totalSteps}, constant afterwards.
 *
 * <pre>{@code
 * CosineSchedule lr = new CosineSchedule(0.3f, 500, 10_000, 0f);
 * optimizer.step(params, lr.at(step));
 * float m = CosineSchedule.cosineIncrease(0.99f, 1f, step, 10_000); // MoCo v3 momentum
 * }</pre>
 *
 * <p>When {@code warmupSteps == totalSteps} the value jumps to {@code finalLr} at the end of warm-up.
 */
public record CosineSchedule(float baseLr, long warmupSteps, long totalSteps, float finalLr) {

    public CosineSchedule {
        if (warmupSteps < 0 || totalSteps < warmupSteps) {
            throw new IllegalArgumentException("need 0 <= warmupSteps <= totalSteps, got "
                    + warmupSteps + ", " + totalSteps);
        }
    }

    /** A cosine decay without warm-up. */
    public static CosineSchedule decay(float baseLr, long totalSteps, float finalLr) {
        return new CosineSchedule(baseLr, 0, totalSteps, finalLr);
    }

    /** The value at {@code step} (0-based; negative steps count as 0). */
    public float at(long step) {
        if (step < warmupSteps) {
            return (float) ((double) baseLr * Math.max(step, 0) / warmupSteps);
        }
        if (step >= totalSteps) {
            return finalLr;
        }
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return (float) (finalLr + (baseLr - (double) finalLr) * 0.5 * (1.0 + Math.cos(Math.PI * progress)));
    }

    /**
     * A half-cosine rise from {@code start} at step 0 to {@code end} at {@code total} (constant
     * afterwards): {@code end − (end − start)·(cos(π·step/total) + 1)/2}, e.g. MoCo's key-encoder
     * momentum 0.99 → 1 or a temperature schedule.
     */
    public static float cosineIncrease(float start, float end, long step, long total) {
        if (total <= 0 || step >= total) {
            return end;
        }
        double progress = (double) Math.max(step, 0) / total;
        return (float) (end - (end - (double) start) * (Math.cos(Math.PI * progress) + 1.0) * 0.5);
    }
}
