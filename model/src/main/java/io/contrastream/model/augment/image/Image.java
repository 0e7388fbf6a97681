package io.contrastream.model.augment.image;

import java.util.Arrays;

/**
 * A decoded image: float pixels in [0, 1], channel-major (C x H x W), 1 (gray) or 3 (RGB) channels.
 *
 * <pre>{@code
 * Image img = new Image(1, 28, 28, pixels);
 * float v = img.get(0, y, x);
 * }</pre>
 */
public final class Image {
    public final int channels;
    public final int height;
    public final int width;
    /** Pixels, index {@code (c * height + y) * width + x}. */
    public final float[] data;

    public Image(int channels, int height, int width, float[] data) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("height and width must be positive, got " + height + "x" + width);
        }
        if (data.length != channels * height * width) {
            throw new IllegalArgumentException(
                    "data has " + data.length + " values, expected " + channels + "x" + height + "x" + width);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.data = data;
    }

    /** A black image of the given shape. */
    public static Image zeros(int channels, int height, int width) {
        return new Image(channels, height, width, new float[channels * height * width]);
    }

    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    public void set(int c, int y, int x, float v) {
        data[(c * height + y) * width + x] = v;
    }

    /**
     * This image with {@code channels} channels: gray is replicated to RGB, RGB becomes its luma
     * (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B); the image itself when it already has them.
     */
    public Image toChannels(int channels) {
        if (this.channels == channels) {
            return this;
        }
        int plane = height * width;
        float[] px = new float[channels * plane];
        if (channels == 3) {
            for (int c = 0; c < 3; c++) {
                System.arraycopy(data, 0, px, c * plane, plane);
            }
        } else {
            for (int i = 0; i < plane; i++) {
                px[i] = 0.299f * data[i] + 0.587f * data[plane + i] + 0.114f * data[2 * plane + i];
            }
        }
        return new Image(channels, height, width, px);
    }

    public Image copy() {
        return new Image(channels, height, width, Arrays.copyOf(data, data.length));
    }
}
