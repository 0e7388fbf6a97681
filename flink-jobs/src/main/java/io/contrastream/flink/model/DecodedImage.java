package io.contrastream.flink.model;

import io.contrastream.model.augment.image.Image;

/**
 * A validated, decoded image record (float pixels in [0, 1], C x H x W), with its audio at 16 kHz when
 * the record carries some (CMC's cross-modal view).
 *
 * <pre>{@code
 * Image img = decoded.image();
 * boolean paired = decoded.audio != null;   // mono, 16 kHz
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
    /** Mono samples at 16 kHz, or null when the record carries no audio. */
    public float[] audio;

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

    /** This record without its audio (what the embedders need: they embed the image side only). */
    public DecodedImage withoutAudio() {
        if (audio == null) {
            return this;
        }
        DecodedImage d = new DecodedImage();
        d.recordId = recordId;
        d.source = source;
        d.eventTime = eventTime;
        d.channels = channels;
        d.height = height;
        d.width = width;
        d.pixels = pixels;
        d.label = label;
        return d;
    }

    public Image image() {
        return new Image(channels, height, width, pixels);
    }
}
