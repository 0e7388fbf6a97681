package io.contrastream.model.method.cmc;

import java.util.List;

/**
 * The views CMC splits an image into, computed on a flat batch (N x C x H x W floats in [0, 1]).
 *
 * <pre>{@code
 * float[] edges = CmcViews.compute("sobel", images, n, 1, 28, 28);   // N x 1 x 28 x 28
 * int c = CmcViews.channels("ab");                                   // 2
 * }</pre>
 *
 * <ul>
 *   <li>{@code intensity}: the gray level (ITU-R BT.601 luma for RGB input), 1 channel.
 *   <li>{@code sobel}: the edge magnitude √(gx² + gy²) of the intensity under the 3×3 Sobel
 *       operator, borders replicated, 1 channel — CMC's "intensity vs. edges" pair for gray images.
 *   <li>{@code l} and {@code ab}: CIE L*a*b* of sRGB input (D65 white), L* / 100 in [0, 1] and
 *       (a*, b*) / 110 in about [−1, 1], 1 and 2 channels — the paper's colour views (sec. 4.1).
 *   <li>{@code audio}: not computed from the image — the record's utterance as a 1 x 32 x 32 log-mel
 *       view ({@code LogMelView}), the cross-modal pair; {@link #compute} refuses it.
 * </ul>
 */
public final class CmcViews {
    public static final List<String> NAMES = io.contrastream.model.method.RecipeParams.CMC_VIEW_NAMES;

    private CmcViews() {}

    /** Channels of a view. */
    public static int channels(String view) {
        return switch (view) {
            case "intensity", "sobel", "l", "audio" -> 1;
            case "ab" -> 2;
            default -> throw new IllegalArgumentException("unknown CMC view '" + view + "': use one of " + NAMES);
        };
    }

    /** Whether a view needs colour input. */
    public static boolean needsColour(String view) {
        return view.equals("l") || view.equals("ab");
    }

    /** The view of every image of the batch: N x channels(view) x H x W. */
    public static float[] compute(String view, float[] images, int n, int c, int h, int w) {
        if (images.length != n * c * h * w) {
            throw new IllegalArgumentException("batch holds " + images.length + " values, expected " + n * c * h * w);
        }
        if (needsColour(view) && c != 3) {
            throw new IllegalArgumentException("CMC view '" + view + "' needs RGB input, got " + c + " channel(s)");
        }
        if (view.equals("audio")) {
            throw new IllegalArgumentException("CMC's audio view comes from the record's audio, not its image:"
                    + " build it with LogMelView.augmented(wave16k, rng)");
        }
        int plane = h * w;
        float[] out = new float[n * channels(view) * plane];
        for (int i = 0; i < n; i++) {
            int in = i * c * plane;
            switch (view) {
                case "intensity" -> intensity(images, in, c, plane, out, i * plane);
                case "sobel" -> {
                    float[] gray = new float[plane];
                    intensity(images, in, c, plane, gray, 0);
                    sobel(gray, h, w, out, i * plane);
                }
                case "l", "ab" -> lab(images, in, plane, out, i * channels(view) * plane, view.equals("l"));
                default -> throw new IllegalArgumentException("unknown CMC view '" + view + "'");
            }
        }
        return out;
    }

    private static void intensity(float[] x, int in, int c, int plane, float[] out, int at) {
        for (int p = 0; p < plane; p++) {
            out[at + p] = c == 1 ? x[in + p]
                    : 0.299f * x[in + p] + 0.587f * x[in + plane + p] + 0.114f * x[in + 2 * plane + p];
        }
    }

    private static void sobel(float[] g, int h, int w, float[] out, int at) {
        for (int y = 0; y < h; y++) {
            int ym = Math.max(y - 1, 0);
            int yp = Math.min(y + 1, h - 1);
            for (int x = 0; x < w; x++) {
                int xm = Math.max(x - 1, 0);
                int xp = Math.min(x + 1, w - 1);
                float gx = (g[ym * w + xp] + 2 * g[y * w + xp] + g[yp * w + xp])
                        - (g[ym * w + xm] + 2 * g[y * w + xm] + g[yp * w + xm]);
                float gy = (g[yp * w + xm] + 2 * g[yp * w + x] + g[yp * w + xp])
                        - (g[ym * w + xm] + 2 * g[ym * w + x] + g[ym * w + xp]);
                out[at + y * w + x] = (float) Math.sqrt(gx * gx + gy * gy);
            }
        }
    }

    /** sRGB → linear → XYZ (D65) → L*a*b*; writes L* / 100 ({@code lOnly}) or (a*, b*) / 110. */
    private static void lab(float[] x, int in, int plane, float[] out, int at, boolean lOnly) {
        for (int p = 0; p < plane; p++) {
            double r = linear(x[in + p]);
            double g = linear(x[in + plane + p]);
            double b = linear(x[in + 2 * plane + p]);
            double fx = f((0.412453 * r + 0.357580 * g + 0.180423 * b) / 0.950456);
            double fy = f(0.212671 * r + 0.715160 * g + 0.072169 * b);
            double fz = f((0.019334 * r + 0.119193 * g + 0.950227 * b) / 1.088754);
            if (lOnly) {
                out[at + p] = (float) ((116 * fy - 16) / 100);
            } else {
                out[at + p] = (float) (500 * (fx - fy) / 110);
                out[at + plane + p] = (float) (200 * (fy - fz) / 110);
            }
        }
    }

    private static double linear(float c) {
        double v = Math.min(1, Math.max(0, c));
        return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }

    private static double f(double t) {
        return t > 216.0 / 24389 ? Math.cbrt(t) : (24389.0 / 27 * t + 16) / 116;
    }
}
