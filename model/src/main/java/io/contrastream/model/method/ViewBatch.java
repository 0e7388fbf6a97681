package io.contrastream.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A batch of N records, each as V augmented views, flattened batch-major per view (N x C x H x W).
 *
 * <pre>{@code
 * ViewBatch b = new ViewBatch(64, 1, 28, 28, List.of(view0, view1), ids);
 * NDArray x1 = b.view(stepManager, 0);   // x1: N x C x H x W
 * }</pre>
 *
 * <p>Views may differ in shape (multi-crop's small crops, a cross-modal view): {@code shapes} holds
 * each view's {C, H, W}; the 6-argument constructor gives every view the shape
 * (channels, height, width), which are always view 0's.
 *
 * @param size N, the number of records
 * @param views one flat float array of N·C·H·W values per view
 * @param recordIds the records' ids (for methods that key state by instance)
 * @param shapes {C, H, W} of each view
 */
public record ViewBatch(int size, int channels, int height, int width, List<float[]> views, long[] recordIds,
        List<int[]> shapes) {
    public ViewBatch {
        if (shapes.size() != views.size()) {
            throw new IllegalArgumentException(shapes.size() + " view shapes for " + views.size() + " views");
        }
        for (int i = 0; i < views.size(); i++) {
            int[] s = shapes.get(i);
            if (s.length != 3 || s[0] < 1 || s[1] < 1 || s[2] < 1) {
                throw new IllegalArgumentException("view " + i + " shape must be {C, H, W} >= 1, got "
                        + java.util.Arrays.toString(s));
            }
            long expected = (long) size * s[0] * s[1] * s[2];
            if (views.get(i).length != expected) {
                throw new IllegalArgumentException("view " + i + " holds " + views.get(i).length
                        + " values, expected N*C*H*W = " + expected);
            }
        }
        if (!views.isEmpty() && (shapes.get(0)[0] != channels || shapes.get(0)[1] != height || shapes.get(0)[2] != width)) {
            throw new IllegalArgumentException("channels, height and width must be view 0's shape");
        }
        if (recordIds.length != size) {
            throw new IllegalArgumentException(recordIds.length + " record ids for a batch of " + size);
        }
    }

    /** Every view of shape channels x height x width. */
    public ViewBatch(int size, int channels, int height, int width, List<float[]> views, long[] recordIds) {
        this(size, channels, height, width, views, recordIds,
                Collections.nCopies(views.size(), new int[] {channels, height, width}));
    }

    /** Views of their own shapes ({C, H, W} each, at least one view). */
    public static ViewBatch of(int size, List<float[]> views, List<int[]> shapes, long[] recordIds) {
        if (shapes.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one view");
        }
        int[] s0 = shapes.get(0);
        return new ViewBatch(size, s0[0], s0[1], s0[2], views, recordIds, new ArrayList<>(shapes));
    }

    public int viewCount() {
        return views.size();
    }

    /** {C, H, W} of view i. */
    public int[] shape(int i) {
        return shapes.get(i).clone();
    }

    /** View i as an NDArray owned by {@code m}: N x C_i x H_i x W_i. */
    public NDArray view(NDManager m, int i) {
        int[] s = shapes.get(i);
        return m.create(views.get(i), new Shape(size, s[0], s[1], s[2]));
    }
}
