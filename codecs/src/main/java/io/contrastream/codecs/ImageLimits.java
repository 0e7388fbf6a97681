package io.contrastream.codecs;

/**
 * Bounds on input images, checked before any pixel is decoded (decompression bombs are rejected
 * from the header's dimensions).
 *
 * <pre>{@code
 * ImageLimits limits = ImageLimits.DEFAULT.withMaxPixels(1024 * 1024);
 * }</pre>
 *
 * @param maxBytes largest encoded image accepted
 * @param maxPixels largest width × height accepted
 */
public record ImageLimits(int maxBytes, long maxPixels) implements java.io.Serializable {
    /** 8 MiB and 16 megapixels. */
    public static final ImageLimits DEFAULT = new ImageLimits(8 << 20, 16L << 20);

    public ImageLimits {
        if (maxBytes <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("image limits must be positive: maxBytes=" + maxBytes + " maxPixels="
                    + maxPixels);
        }
    }

    public ImageLimits withMaxPixels(long pixels) {
        return new ImageLimits(maxBytes, pixels);
    }

    public ImageLimits withMaxBytes(int bytes) {
        return new ImageLimits(bytes, maxPixels);
    }
}
