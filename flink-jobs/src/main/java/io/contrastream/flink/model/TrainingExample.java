package io.contrastream.flink.model;

/**
 * The augmented views of one record, ready for a training batch: {@code views} holds V views of
 * C x H x W floats one after another (multi-crop: the small crops after the large ones, each of its
 * own shape in {@link #viewShapes}).
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
    /** {C, H, W} of each view, 3 values per view; null: every view is channels x height x width. */
    public int[] viewShapes;

    public TrainingExample() {}

    /** Values of view 0 (of every view unless {@link #viewShapes} says otherwise). */
    public int viewSize() {
        return channels * height * width;
    }

    /** {C, H, W} of view v. */
    public int[] shape(int v) {
        if (viewShapes == null) {
            return new int[] {channels, height, width};
        }
        return new int[] {viewShapes[3 * v], viewShapes[3 * v + 1], viewShapes[3 * v + 2]};
    }

    /** Index of view v's first value in {@link #views}. */
    public int offset(int v) {
        int at = 0;
        for (int u = 0; u < v; u++) {
            int[] s = shape(u);
            at += s[0] * s[1] * s[2];
        }
        return at;
    }
}
