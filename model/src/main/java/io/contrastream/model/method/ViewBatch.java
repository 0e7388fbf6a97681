package io.contrastream.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A batch of N records, each as V augmented views, flattened batch-major per view (N x C x H x W).
 *
 * <pre>{@code
 * ViewBatch b = new ViewBatch(64, 1, 28, 28, List.of(view0, view1), ids);
 * NDArray x1 = b.view(stepManager, 0);   // x1: N x C x H x W
 * }</pre>
 *
 * @param size N, the number of records
 * @param views one flat float array of N·C·H·W values per view
 * @param recordIds the records' ids (for methods that key state by instance)
 */
public record ViewBatch(int size, int channels, int height, int width, List<float[]> views, long[] recordIds) {
    public ViewBatch {
        int expected = size * channels * height * width;
        for (float[] v : views) {
            if (v.length != expected) {
                throw new IllegalArgumentException("a view holds " + v.length + " values, expected N*C*H*W = " + expected);
            }
        }
        if (recordIds.length != size) {
            throw new IllegalArgumentException(recordIds.length + " record ids for a batch of " + size);
        }
    }

    public int viewCount() {
        return views.size();
    }

    /** View i as an NDArray owned by {@code m}: N x C x H x W. */
    public NDArray view(NDManager m, int i) {
        return m.create(views.get(i), new Shape(size, channels, height, width));
    }
}
