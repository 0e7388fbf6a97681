package io.contrastream.model.augment.image;

import io.contrastream.model.util.Rng;
import java.util.List;

/**
 * Produces augmented views whose pixels depend only on (seed, record id, view index), so a view can
 * be regenerated anywhere (another worker, after a restart) without shared random state.
 *
 * <pre>{@code
 * ViewGenerator gen = new ViewGenerator(Augmentations.mocoV2(28, true), 42L);
 * float[] query = gen.views(batch, ids, 0);   // N*C*H*W, batch-major, ready for an NDArray
 * float[] key   = gen.views(batch, ids, 1);
 * }</pre>
 *
 * <p>Thread-safe when the pipeline is (all transforms in this package are).
 */
public final class ViewGenerator {
    private final List<ImageTransform> pipelines;
    private final long seed;

    /**
     * @param pipeline the augmentation pipeline of every view, not null
     * @param seed the experiment seed
     */
    public ViewGenerator(ImageTransform pipeline, long seed) {
        this(java.util.Collections.singletonList(pipeline), seed);
    }

    /**
     * One pipeline per view index (BYOL's asymmetric pair); views past the list use its last pipeline.
     *
     * @param pipelines at least one transform, none null
     * @param seed the experiment seed
     */
    public ViewGenerator(List<ImageTransform> pipelines, long seed) {
        if (pipelines.isEmpty() || pipelines.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("ViewGenerator needs one transform per view, got " + pipelines);
        }
        this.pipelines = List.copyOf(pipelines);
        this.seed = seed;
    }

    /** The pipeline of view 0. */
    public ImageTransform pipeline() {
        return pipelines.get(0);
    }

    /** The pipeline of view {@code viewIndex}. */
    public ImageTransform pipeline(int viewIndex) {
        return pipelines.get(Math.min(viewIndex, pipelines.size() - 1));
    }

    public long seed() {
        return seed;
    }

    /**
     * {C, H, W} of view {@code viewIndex} of an image shaped like {@code sample} (views of one index
     * share a shape: every pipeline ends in a fixed-size crop or resize).
     */
    public int[] shape(Image sample, int viewIndex) {
        Image v = view(sample, 0L, viewIndex);
        return new int[] {v.channels, v.height, v.width};
    }

    /** View {@code viewIndex} of the record {@code recordId} whose image is {@code in}. */
    public Image view(Image in, long recordId, int viewIndex) {
        return pipeline(viewIndex).apply(in, Rng.of(seed, recordId, viewIndex));
    }

    /**
     * View {@code viewIndex} of every image of a batch, as one flat array of N*C*H*W floats (image
     * {@code i} occupies {@code [i*C*H*W, (i+1)*C*H*W)}, each image channel-major).
     *
     * @throws IllegalArgumentException if the batch is empty, the number of ids differs, or the views
     *     do not all have one shape
     */
    public float[] views(List<Image> batch, long[] recordIds, int viewIndex) {
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("views needs at least one image, got an empty batch");
        }
        if (recordIds.length != batch.size()) {
            throw new IllegalArgumentException(
                    "views got " + batch.size() + " images but " + recordIds.length + " record ids");
        }
        Image first = view(batch.get(0), recordIds[0], viewIndex);
        int per = first.data.length;
        float[] out = new float[per * batch.size()];
        System.arraycopy(first.data, 0, out, 0, per);
        for (int i = 1; i < batch.size(); i++) {
            Image v = view(batch.get(i), recordIds[i], viewIndex);
            if (v.channels != first.channels || v.height != first.height || v.width != first.width) {
                throw new IllegalArgumentException("view of image " + i + " is " + v.channels + "x" + v.height + "x"
                        + v.width + " but view of image 0 is " + first.channels + "x" + first.height + "x"
                        + first.width + "; add a Resize or RandomResizedCrop so all views share one shape");
            }
            System.arraycopy(v.data, 0, out, i * per, per);
        }
        return out;
    }
}
