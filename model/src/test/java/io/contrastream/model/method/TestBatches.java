package io.contrastream.model.method;

import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.ImageTransform;
import io.contrastream.model.util.Rng;
import java.util.ArrayList;
import java.util.List;

/** Seeded batches of augmented views of synthetic 28×28 images for recipe tests. */
final class TestBatches {
    private TestBatches() {}

    static ViewBatch batch(Recipe recipe, int n, long batchIndex) {
        List<ImageTransform> augs = recipe.viewAugmentations();
        int size = recipe.encoderConfig().inputSize();
        int c = recipe.encoderConfig().inChannels();
        List<float[]> views = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        long[] ids = new long[n];
        for (int v = 0; v < recipe.viewsPerRecord(); v++) {
            Image probe = augs.get(Math.min(v, augs.size() - 1)).apply(synthetic(0, c, size), Rng.of(7, 0, v));
            shapes.add(new int[] {probe.channels, probe.height, probe.width});
            float[] flat = new float[n * probe.data.length];
            for (int i = 0; i < n; i++) {
                long id = batchIndex * n + i;
                ids[i] = id;
                Image img = synthetic(id, c, size);
                Image view = augs.get(Math.min(v, augs.size() - 1)).apply(img, Rng.of(7, id, v));
                System.arraycopy(view.data, 0, flat, i * view.data.length, view.data.length);
            }
            views.add(flat);
        }
        return ViewBatch.of(n, views, shapes, ids);
    }

    /** A blob and a bar at positions that depend on the id. */
    static Image synthetic(long id, int c, int size) {
        Rng rng = Rng.of(99, id);
        Image img = Image.zeros(c, size, size);
        int cx = 4 + rng.nextInt(size - 8);
        int cy = 4 + rng.nextInt(size - 8);
        float level = 0.3f + 0.7f * rng.nextFloat();
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                    img.set(ch, y, x, (float) Math.min(1.0, level * Math.exp(-d2 / 18.0) + (x == (int) (id % size) ? 0.5 : 0)));
                }
            }
        }
        return img;
    }
}
