package io.contrastream.model.eval;

import io.contrastream.model.augment.image.Image;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.serving.EncoderModel;
import java.util.List;

/**
 * Frozen features of an image set for the evaluation protocols: the encoder's h, or raw pixels.
 *
 * <pre>{@code
 * float[][] h = Features.encoder(encoderModel, testSet, 500);   // or SavedModel.loadEncoder(dir)
 * float[][] pixels = Features.raw(testSet);
 * }</pre>
 */
public final class Features {
    private Features() {}

    /** h for every image, computed in inference mode (batch-norm running statistics). */
    public static float[][] encoder(EncoderModel model, ImageSet set, int batch) {
        return compute(set, batch, model::embed);
    }

    /** Features of every image from {@code embed} (flat N·C·H·W images, N) → N x D, in batches. */
    public static float[][] compute(ImageSet set, int batch, java.util.function.BiFunction<float[], Integer, float[][]> embed) {
        float[][] out = new float[set.size()][];
        List<Image> images = set.images();
        for (int from = 0; from < images.size(); from += batch) {
            int n = Math.min(batch, images.size() - from);
            int len = images.get(from).data.length;
            float[] flat = new float[n * len];
            for (int i = 0; i < n; i++) {
                System.arraycopy(images.get(from + i).data, 0, flat, i * len, len);
            }
            float[][] h = embed.apply(flat, n);
            System.arraycopy(h, 0, out, from, n);
        }
        return out;
    }

    /** The pixels themselves, flattened. */
    public static float[][] raw(ImageSet set) {
        float[][] out = new float[set.size()][];
        for (int i = 0; i < set.size(); i++) {
            out[i] = set.images().get(i).data;
        }
        return out;
    }
}
