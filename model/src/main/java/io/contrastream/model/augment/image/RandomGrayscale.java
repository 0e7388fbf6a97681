package io.contrastream.model.augment.image;

import io.contrastream.model.util.Rng;

/**
 * With probability {@code p}, replaces an RGB image by its luma (ITU-R BT.601 weights 0.299, 0.587,
 * 0.114) replicated to all three channels, so the output keeps 3 channels. Gray images are copied
 * unchanged (no random draw is made for them).
 *
 * <pre>{@code
 * Image out = new RandomGrayscale(0.2).apply(rgb, rng);
 * }</pre>
 */
public final class RandomGrayscale implements ImageTransform {
    static final float WR = 0.299f;
    static final float WG = 0.587f;
    static final float WB = 0.114f;

    private final double p;

    /** @param p probability of converting, in [0, 1] */
    public RandomGrayscale(double p) {
        this.p = ImageTransform.checkProbability("RandomGrayscale p", p);
    }

    public double p() {
        return p;
    }

    @Override
    public Image apply(Image in, Rng rng) {
        if (in.channels != 3 || !rng.bernoulli(p)) {
            return in.copy();
        }
        return toGray3(in);
    }

    /** The luma of an RGB image, replicated to 3 channels (deterministic). */
    static Image toGray3(Image in) {
        int plane = in.height * in.width;
        float[] src = in.data;
        float[] dst = new float[src.length];
        for (int i = 0; i < plane; i++) {
            float y = WR * src[i] + WG * src[plane + i] + WB * src[2 * plane + i];
            y = y < 0f ? 0f : (y > 1f ? 1f : y);
            dst[i] = y;
            dst[plane + i] = y;
            dst[2 * plane + i] = y;
        }
        return new Image(3, in.height, in.width, dst);
    }

    @Override
    public String toString() {
        return "RandomGrayscale(p=" + p + ")";
    }
}
