package io.contrastream.model.augment.image;

import io.contrastream.model.util.Rng;

/**
 * Deterministic bilinear resize to a fixed output size, e.g. to bring a data set to the encoder's
 * input size. Sampling is pixel-centre aligned (the {@code align_corners=False} convention of
 * PyTorch): output pixel {@code o} reads the source at {@code (o + 0.5) * in / out - 0.5}, clamped to
 * the image. There is no anti-aliasing filter when shrinking.
 *
 * <pre>{@code
 * Image small = new Resize(28).apply(big, null);   // no randomness is used
 * }</pre>
 */
public final class Resize implements ImageTransform {
    private final int outHeight;
    private final int outWidth;

    /** Resizes to {@code outSize x outSize}. */
    public Resize(int outSize) {
        this(outSize, outSize);
    }

    /** Resizes to {@code outHeight x outWidth}. */
    public Resize(int outHeight, int outWidth) {
        if (outHeight <= 0 || outWidth <= 0) {
            throw new IllegalArgumentException(
                    "Resize output size must be positive, got " + outHeight + "x" + outWidth);
        }
        this.outHeight = outHeight;
        this.outWidth = outWidth;
    }

    public int outHeight() {
        return outHeight;
    }

    public int outWidth() {
        return outWidth;
    }

    /** The rng is not used and may be null. */
    @Override
    public Image apply(Image in, Rng rng) {
        if (in.height == outHeight && in.width == outWidth) {
            return in.copy();
        }
        return resample(in, 0, 0, in.height, in.width, outHeight, outWidth);
    }

    /**
     * Bilinearly resamples the crop with top-left corner ({@code top}, {@code left}) and size
     * {@code cropH x cropW} of {@code in} to {@code outH x outW}, pixel-centre aligned. The crop must lie
     * inside the image. A crop resampled to its own size is copied exactly.
     */
    static Image resample(Image in, int top, int left, int cropH, int cropW, int outH, int outW) {
        int c = in.channels;
        int inW = in.width;
        int inPlane = in.height * inW;
        int outPlane = outH * outW;
        int[] x0 = new int[outW];
        int[] x1 = new int[outW];
        float[] fx = new float[outW];
        axis(cropW, outW, left, x0, x1, fx);
        int[] y0 = new int[outH];
        int[] y1 = new int[outH];
        float[] fy = new float[outH];
        axis(cropH, outH, top, y0, y1, fy);

        float[] src = in.data;
        float[] dst = new float[c * outPlane];
        for (int ch = 0; ch < c; ch++) {
            int sBase = ch * inPlane;
            int dBase = ch * outPlane;
            for (int oy = 0; oy < outH; oy++) {
                int r0 = sBase + y0[oy] * inW;
                int r1 = sBase + y1[oy] * inW;
                float wy = fy[oy];
                int d = dBase + oy * outW;
                for (int ox = 0; ox < outW; ox++) {
                    int a = x0[ox];
                    int b = x1[ox];
                    float wx = fx[ox];
                    float top0 = src[r0 + a] + wx * (src[r0 + b] - src[r0 + a]);
                    float bot0 = src[r1 + a] + wx * (src[r1 + b] - src[r1 + a]);
                    dst[d + ox] = top0 + wy * (bot0 - top0);
                }
            }
        }
        return new Image(c, outH, outW, dst);
    }

    /** Fills the lower/upper source index and the interpolation weight for each output index. */
    private static void axis(int inLen, int outLen, int offset, int[] lo, int[] hi, float[] frac) {
        double scale = (double) inLen / outLen;
        for (int o = 0; o < outLen; o++) {
            double s = (o + 0.5) * scale - 0.5;
            if (s < 0) {
                s = 0;
            } else if (s > inLen - 1) {
                s = inLen - 1;
            }
            int i = (int) s;
            int j = Math.min(i + 1, inLen - 1);
            lo[o] = offset + i;
            hi[o] = offset + j;
            frac[o] = (float) (s - i);
        }
    }

    @Override
    public String toString() {
        return "Resize(" + outHeight + "x" + outWidth + ")";
    }
}
