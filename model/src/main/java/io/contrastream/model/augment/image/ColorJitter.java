package io.contrastream.model.augment.image;

import io.contrastream.model.util.Rng;

/**
 * With probability {@code p}, randomly changes brightness, contrast, saturation and hue, applying
 * the four adjustments in a random order as torchvision's {@code ColorJitter} does (wrapping it in
 * {@code RandomApply(p)}):
 * <ul>
 *   <li>brightness: multiply by a factor drawn uniformly in [max(0, 1-b), 1+b];
 *   <li>contrast: blend with the mean gray level of the image, factor in [max(0, 1-c), 1+c];
 *   <li>saturation: blend with the image's grayscale version, factor in [max(0, 1-s), 1+s]
 *       (RGB only);
 *   <li>hue: rotate the HSV hue by a fraction of the colour circle drawn in [-h, h] (RGB only).
 * </ul>
 * On 1-channel images only brightness and contrast apply. Every step clamps to [0, 1].
 *
 * <pre>{@code
 * ImageTransform jitter = new ColorJitter(0.4, 0.4, 0.4, 0.1, 0.8);
 * Image out = jitter.apply(in, rng);
 * }</pre>
 */
public final class ColorJitter implements ImageTransform {
    private static final int BRIGHTNESS = 0;
    private static final int CONTRAST = 1;
    private static final int SATURATION = 2;
    private static final int HUE = 3;

    private final double brightness;
    private final double contrast;
    private final double saturation;
    private final double hue;
    private final double p;

    /**
     * @param brightness brightness jitter strength, at least 0
     * @param contrast contrast jitter strength, at least 0
     * @param saturation saturation jitter strength, at least 0
     * @param hue hue jitter strength, in [0, 0.5] (a fraction of the colour circle)
     * @param p probability of jittering at all, in [0, 1]
     */
    public ColorJitter(double brightness, double contrast, double saturation, double hue, double p) {
        this.brightness = nonNegative("brightness", brightness);
        this.contrast = nonNegative("contrast", contrast);
        this.saturation = nonNegative("saturation", saturation);
        if (!(hue >= 0.0 && hue <= 0.5)) {
            throw new IllegalArgumentException("ColorJitter hue must be in [0, 0.5], got " + hue);
        }
        this.hue = hue;
        this.p = ImageTransform.checkProbability("ColorJitter p", p);
    }

    private static double nonNegative(String what, double v) {
        if (!(v >= 0.0 && v < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("ColorJitter " + what + " must be finite and >= 0, got " + v);
        }
        return v;
    }

    @Override
    public Image apply(Image in, Rng rng) {
        if (!rng.bernoulli(p)) {
            return in.copy();
        }
        // Random order of the four adjustments (Fisher-Yates), then the factors, as torchvision.
        int[] order = {BRIGHTNESS, CONTRAST, SATURATION, HUE};
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        float fb = factor(rng, brightness);
        float fc = factor(rng, contrast);
        float fs = factor(rng, saturation);
        float hueShift = hue > 0 ? (float) rng.uniform(-hue, hue) : 0f;

        float[] px = in.data.clone();
        int plane = in.height * in.width;
        boolean rgb = in.channels == 3;
        for (int op : order) {
            switch (op) {
                case BRIGHTNESS -> {
                    if (fb != 1f) {
                        scale(px, fb);
                    }
                }
                case CONTRAST -> {
                    if (fc != 1f) {
                        blend(px, fc, meanGray(px, plane, rgb));
                    }
                }
                case SATURATION -> {
                    if (rgb && fs != 1f) {
                        saturate(px, plane, fs);
                    }
                }
                default -> {
                    if (rgb && hueShift != 0f) {
                        shiftHue(px, plane, hueShift);
                    }
                }
            }
        }
        return new Image(in.channels, in.height, in.width, px);
    }

    private static float factor(Rng rng, double strength) {
        return strength > 0 ? (float) rng.uniform(Math.max(0.0, 1.0 - strength), 1.0 + strength) : 1f;
    }

    private static float clamp(float v) {
        return v < 0f ? 0f : (v > 1f ? 1f : v);
    }

    private static void scale(float[] px, float f) {
        for (int i = 0; i < px.length; i++) {
            px[i] = clamp(px[i] * f);
        }
    }

    /** {@code f * v + (1 - f) * target} for every value. */
    private static void blend(float[] px, float f, float target) {
        float offset = (1f - f) * target;
        for (int i = 0; i < px.length; i++) {
            px[i] = clamp(f * px[i] + offset);
        }
    }

    private static float meanGray(float[] px, int plane, boolean rgb) {
        double sum = 0;
        if (rgb) {
            for (int i = 0; i < plane; i++) {
                sum += RandomGrayscale.WR * px[i] + RandomGrayscale.WG * px[plane + i]
                        + RandomGrayscale.WB * px[2 * plane + i];
            }
        } else {
            for (int i = 0; i < plane; i++) {
                sum += px[i];
            }
        }
        return (float) (sum / plane);
    }

    private static void saturate(float[] px, int plane, float f) {
        float g = 1f - f;
        for (int i = 0; i < plane; i++) {
            float r = px[i];
            float gr = px[plane + i];
            float b = px[2 * plane + i];
            float y = g * (RandomGrayscale.WR * r + RandomGrayscale.WG * gr + RandomGrayscale.WB * b);
            px[i] = clamp(f * r + y);
            px[plane + i] = clamp(f * gr + y);
            px[2 * plane + i] = clamp(f * b + y);
        }
    }

    /** Rotates the hue of every pixel by {@code shift} (fraction of a turn) through HSV. */
    private static void shiftHue(float[] px, int plane, float shift) {
        for (int i = 0; i < plane; i++) {
            float r = px[i];
            float g = px[plane + i];
            float b = px[2 * plane + i];
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            float delta = max - min;
            if (delta <= 0f) {
                continue; // gray pixel: hue is undefined and rotating it changes nothing
            }
            float s = delta / max;
            float h;
            if (max == r) {
                h = (g - b) / delta;
                if (h < 0f) {
                    h += 6f;
                }
            } else if (max == g) {
                h = (b - r) / delta + 2f;
            } else {
                h = (r - g) / delta + 4f;
            }
            h = h / 6f + shift;
            h -= (float) Math.floor(h);
            float h6 = h * 6f;
            int sector = (int) h6;
            if (sector >= 6) {
                sector = 0;
            }
            float frac = h6 - sector;
            float v = max;
            float pp = v * (1f - s);
            float q = v * (1f - s * frac);
            float t = v * (1f - s * (1f - frac));
            switch (sector) {
                case 0 -> { r = v; g = t; b = pp; }
                case 1 -> { r = q; g = v; b = pp; }
                case 2 -> { r = pp; g = v; b = t; }
                case 3 -> { r = pp; g = q; b = v; }
                case 4 -> { r = t; g = pp; b = v; }
                default -> { r = v; g = pp; b = q; }
            }
            px[i] = clamp(r);
            px[plane + i] = clamp(g);
            px[2 * plane + i] = clamp(b);
        }
    }

    @Override
    public String toString() {
        return "ColorJitter(brightness=" + brightness + ", contrast=" + contrast + ", saturation=" + saturation
                + ", hue=" + hue + ", p=" + p + ")";
    }
}
