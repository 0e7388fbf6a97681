package io.contrastream.model.augment.image;

import io.contrastream.model.util.Rng;

/**
 * Mirrors the image left-to-right with probability {@code p}.
 *
 * <pre>{@code
 * Image out = new HorizontalFlip(0.5).apply(in, rng);
 * }</pre>
 */
public final class HorizontalFlip implements ImageTransform {
    private final double p;

    /** @param p probability of flipping, in [0, 1] */
    public HorizontalFlip(double p) {
        this.p = ImageTransform.checkProbability("HorizontalFlip p", p);
    }

    public double p() {
        return p;
    }

    @Override
    public Image apply(Image in, Rng rng) {
        if (!rng.bernoulli(p)) {
            return in.copy();
        }
        return flip(in);
    }

    /** The mirrored image (deterministic). */
    static Image flip(Image in) {
        int w = in.width;
        int rows = in.channels * in.height;
        float[] src = in.data;
        float[] dst = new float[src.length];
        for (int r = 0; r < rows; r++) {
            int base = r * w;
            int last = base + w - 1;
            for (int x = 0; x < w; x++) {
                dst[base + x] = src[last - x];
            }
        }
        return new Image(in.channels, in.height, w, dst);
    }

    @Override
    public String toString() {
        return "HorizontalFlip(p=" + p + ")";
    }
}
