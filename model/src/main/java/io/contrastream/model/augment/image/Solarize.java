package io.contrastream.model.augment.image;

import io.contrastream.model.util.Rng;

/**
 * With probability {@code p}, inverts every pixel value at or above {@code threshold}
 * ({@code v >= threshold} becomes {@code 1 - v}); values below are kept.
 *
 * <pre>{@code
 * Image out = new Solarize(0.2, 0.5f).apply(in, rng);
 * }</pre>
 */
public final class Solarize implements ImageTransform {
    private final double p;
    private final float threshold;

    /**
     * @param p probability of solarizing, in [0, 1]
     * @param threshold inversion threshold, in [0, 1]
     */
    public Solarize(double p, float threshold) {
        this.p = ImageTransform.checkProbability("Solarize p", p);
        if (!(threshold >= 0f && threshold <= 1f)) {
            throw new IllegalArgumentException("Solarize threshold must be in [0, 1], got " + threshold);
        }
        this.threshold = threshold;
    }

    public double p() {
        return p;
    }

    public float threshold() {
        return threshold;
    }

    @Override
    public Image apply(Image in, Rng rng) {
        if (!rng.bernoulli(p)) {
            return in.copy();
        }
        float[] src = in.data;
        float[] dst = new float[src.length];
        float t = threshold;
        for (int i = 0; i < src.length; i++) {
            float v = src[i];
            dst[i] = v >= t ? 1f - v : v;
        }
        return new Image(in.channels, in.height, in.width, dst);
    }

    @Override
    public String toString() {
        return "Solarize(p=" + p + ", threshold=" + threshold + ")";
    }
}
