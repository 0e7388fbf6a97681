package io.contrastream.flink.model;

/**
 * The augmented views of one record, ready for a training batch: {@code views} holds V views of
 * C x H x W floats one after another.
 *
 * <pre>{@code
 * float[] view1 = Arrays.copyOfRange(ex.views, ex.viewSize(), 2 * ex.viewSize());
 * }</pre>
 */
public class TrainingExample {
    public String modelId;
    public String recordId;
    public long instanceId;
    public int viewCount;
    public int channels;
    public int height;
    public int width;
    public float[] views;

    public TrainingExample() {}

    public int viewSize() {
        return channels * height * width;
    }
}
