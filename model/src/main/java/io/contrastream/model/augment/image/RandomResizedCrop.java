package io.contrastream.model.augment.image;

import io.contrastream.model.util.Rng;

/**
 * Crops a random region and resizes it (bilinear, pixel-centre aligned) to {@code outSize x outSize},
 * following torchvision's {@code RandomResizedCrop}: up to 10 attempts draw an area fraction
 * uniformly in [{@code minScale}, {@code maxScale}] and an aspect ratio (width / height) log-uniformly
 * in [{@code minRatio}, {@code maxRatio}]; the first box that fits is placed uniformly at random. If
 * none fits, the largest centred box whose ratio is clamped to the allowed range is used.
 *
 * <pre>{@code
 * ImageTransform crop = new RandomResizedCrop(28, 0.2, 1.0, 3.0 / 4, 4.0 / 3);
 * Image view = crop.apply(in, rng);   // any input size, output 28x28
 * }</pre>
 *
 * <p>Unlike recent torchvision versions no anti-aliasing filter is applied when the crop is shrunk.
 */
public final class RandomResizedCrop implements ImageTransform {
    /** torchvision's default aspect-ratio range. */
    public static final double DEFAULT_MIN_RATIO = 3.0 / 4.0;
    public static final double DEFAULT_MAX_RATIO = 4.0 / 3.0;

    private static final int ATTEMPTS = 10;

    private final int outSize;
    private final double minScale;
    private final double maxScale;
    private final double minRatio;
    private final double maxRatio;

    /** A crop with the default aspect-ratio range [3/4, 4/3]. */
    public RandomResizedCrop(int outSize, double minScale, double maxScale) {
        this(outSize, minScale, maxScale, DEFAULT_MIN_RATIO, DEFAULT_MAX_RATIO);
    }

    /**
     * @param outSize side of the square output, positive
     * @param minScale smallest area fraction, in (0, maxScale]
     * @param maxScale largest area fraction, in [minScale, 1]
     * @param minRatio smallest width/height ratio, in (0, maxRatio]
     * @param maxRatio largest width/height ratio, at least minRatio and finite
     */
    public RandomResizedCrop(int outSize, double minScale, double maxScale, double minRatio, double maxRatio) {
        if (outSize <= 0) {
            throw new IllegalArgumentException("RandomResizedCrop outSize must be positive, got " + outSize);
        }
        if (!(minScale > 0.0 && minScale <= maxScale && maxScale <= 1.0)) {
            throw new IllegalArgumentException("RandomResizedCrop scale range must satisfy 0 < minScale <= maxScale <= 1, got ["
                    + minScale + ", " + maxScale + "]");
        }
        if (!(minRatio > 0.0 && minRatio <= maxRatio && maxRatio < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("RandomResizedCrop ratio range must satisfy 0 < minRatio <= maxRatio < infinity, got ["
                    + minRatio + ", " + maxRatio + "]");
        }
        this.outSize = outSize;
        this.minScale = minScale;
        this.maxScale = maxScale;
        this.minRatio = minRatio;
        this.maxRatio = maxRatio;
    }

    public int outSize() {
        return outSize;
    }

    @Override
    public Image apply(Image in, Rng rng) {
        int h = in.height;
        int w = in.width;
        double area = (double) h * w;
        double logLo = Math.log(minRatio);
        double logHi = Math.log(maxRatio);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double target = area * rng.uniform(minScale, maxScale);
            double ratio = Math.exp(rng.uniform(logLo, logHi));
            int cw = (int) Math.round(Math.sqrt(target * ratio));
            int chh = (int) Math.round(Math.sqrt(target / ratio));
            if (cw > 0 && cw <= w && chh > 0 && chh <= h) {
                int top = rng.nextInt(h - chh + 1);
                int left = rng.nextInt(w - cw + 1);
                return Resize.resample(in, top, left, chh, cw, outSize, outSize);
            }
        }
        // Fallback: centre crop with the aspect ratio clamped into [minRatio, maxRatio].
        double inRatio = (double) w / h;
        int cw;
        int chh;
        if (inRatio < minRatio) {
            cw = w;
            chh = Math.max(1, Math.min(h, (int) Math.round(w / minRatio)));
        } else if (inRatio > maxRatio) {
            chh = h;
            cw = Math.max(1, Math.min(w, (int) Math.round(h * maxRatio)));
        } else {
            cw = w;
            chh = h;
        }
        return Resize.resample(in, (h - chh) / 2, (w - cw) / 2, chh, cw, outSize, outSize);
    }

    @Override
    public String toString() {
        return "RandomResizedCrop(" + outSize + ", scale=[" + minScale + ", " + maxScale + "], ratio=["
                + minRatio + ", " + maxRatio + "])";
    }
}
