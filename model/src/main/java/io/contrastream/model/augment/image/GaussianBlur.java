package io.contrastream.model.augment.image;

import io.contrastream.model.util.Rng;

/**
 * With probability {@code p}, blurs with a Gaussian whose sigma is drawn uniformly in
 * [{@code sigmaMin}, {@code sigmaMax}], as in SimCLR (Chen et al. 2020, arXiv:2002.05709): the kernel
 * side is about 10% of the image side ({@code round(0.1 * min(H, W))}, made odd, at least 3). The
 * filter is separable (rows, then columns), normalised to sum 1, with reflect padding (the edge pixel
 * is not repeated), so a constant image stays constant.
 *
 * <pre>{@code
 * Image out = new GaussianBlur(0.5, 0.1, 2.0).apply(in, rng);   // 28x28: 3x3 kernel
 * }</pre>
 */
public final class GaussianBlur implements ImageTransform {
    private final double p;
    private final double sigmaMin;
    private final double sigmaMax;

    /**
     * @param p probability of blurring, in [0, 1]
     * @param sigmaMin smallest sigma in pixels, positive
     * @param sigmaMax largest sigma in pixels, at least sigmaMin and finite
     */
    public GaussianBlur(double p, double sigmaMin, double sigmaMax) {
        this.p = ImageTransform.checkProbability("GaussianBlur p", p);
        if (!(sigmaMin > 0.0 && sigmaMin <= sigmaMax && sigmaMax < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("GaussianBlur sigma range must satisfy 0 < sigmaMin <= sigmaMax < infinity, got ["
                    + sigmaMin + ", " + sigmaMax + "]");
        }
        this.sigmaMin = sigmaMin;
        this.sigmaMax = sigmaMax;
    }

    /** The kernel side used for an image whose shorter side is {@code side}. */
    public static int kernelSize(int side) {
        int k = (int) Math.round(0.1 * side);
        if (k % 2 == 0) {
            k++;
        }
        return Math.max(3, k);
    }

    @Override
    public Image apply(Image in, Rng rng) {
        if (!rng.bernoulli(p)) {
            return in.copy();
        }
        double sigma = rng.uniform(sigmaMin, sigmaMax);
        return blur(in, sigma, kernelSize(Math.min(in.height, in.width)));
    }

    /** Deterministic separable Gaussian blur with the given sigma and odd kernel size. */
    static Image blur(Image in, double sigma, int size) {
        int r = size / 2;
        float[] k = kernel(sigma, r);
        int w = in.width;
        int h = in.height;
        int plane = h * w;
        int[] xs = reflectTable(w, r);
        int[] ys = reflectTable(h, r);
        float[] src = in.data;
        float[] tmp = new float[plane];
        float[] dst = new float[src.length];
        int taps = k.length;
        for (int c = 0; c < in.channels; c++) {
            int base = c * plane;
            for (int y = 0; y < h; y++) {
                int row = base + y * w;
                int out = y * w;
                for (int x = 0; x < w; x++) {
                    float acc = 0f;
                    for (int t = 0; t < taps; t++) {
                        acc += k[t] * src[row + xs[x + t]];
                    }
                    tmp[out + x] = acc;
                }
            }
            for (int y = 0; y < h; y++) {
                int out = base + y * w;
                for (int x = 0; x < w; x++) {
                    float acc = 0f;
                    for (int t = 0; t < taps; t++) {
                        acc += k[t] * tmp[ys[y + t] * w + x];
                    }
                    dst[out + x] = acc < 0f ? 0f : (acc > 1f ? 1f : acc);
                }
            }
        }
        return new Image(in.channels, h, w, dst);
    }

    /** Normalised 1-D Gaussian weights for offsets -r..r. */
    private static float[] kernel(double sigma, int r) {
        double[] wts = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            double v = Math.exp(-(double) i * i / (2 * sigma * sigma));
            wts[i + r] = v;
            sum += v;
        }
        float[] k = new float[wts.length];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) (wts[i] / sum);
        }
        return k;
    }

    /** Entry {@code i + r} is the source index for padded position {@code i} (reflect mode). */
    private static int[] reflectTable(int n, int r) {
        int[] table = new int[n + 2 * r];
        int period = 2 * (n - 1);
        for (int i = 0; i < table.length; i++) {
            int j = i - r;
            if (n == 1) {
                j = 0;
            } else {
                j = Math.floorMod(j, period);
                if (j >= n) {
                    j = period - j;
                }
            }
            table[i] = j;
        }
        return table;
    }

    @Override
    public String toString() {
        return "GaussianBlur(p=" + p + ", sigma=[" + sigmaMin + ", " + sigmaMax + "])";
    }
}
