package io.contrastream.flink.model;

import io.contrastream.model.augment.image.Image;

/**
 * A validated, decoded image record (float pixels in [0, 1], C x H x W).
 *
 * <pre>{@code
 * Image img = decoded.image();
 * }</pre>
 */
public class DecodedImage {
    public String recordId;
    public String source;
    public long eventTime;
    public int channels;
    public int height;
    public int width;
    public float[] pixels;
    /** -1 when the record carries no label. */
    public int label = -1;

    public DecodedImage() {}

    public DecodedImage(String recordId, String source, long eventTime, Image img, int label) {
        this.recordId = recordId;
        this.source = source;
        this.eventTime = eventTime;
        this.channels = img.channels;
        this.height = img.height;
        this.width = img.width;
        this.pixels = img.data;
        this.label = label;
    }

    public Image image() {
        return new Image(channels, height, width, pixels);
    }
}
