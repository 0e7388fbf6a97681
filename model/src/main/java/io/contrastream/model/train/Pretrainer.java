package io.contrastream.model.train;

import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.ViewGenerator;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.method.Recipe;
import io.contrastream.model.method.StepResult;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.util.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The plain training loop without Flink: shuffled epochs over an in-memory image set, views from
 * the recipe's augmentation, one recipe step per batch. It is the reference the streaming job is
 * compared with.
 *
 * <pre>{@code
 * Pretrainer loop = new Pretrainer(recipe, trainSet, 256, 42);
 * loop.run(10, (epoch, result, images) -> System.out.println(result.loss()));
 * }</pre>
 *
 * <p>The views of record i depend only on (seed, i, view), and the order of epoch e only on
 * (seed, e), so a run repeats exactly. The next batch's views are built on a second thread while
 * the current step runs. The last partial batch of an epoch is dropped (batch statistics and
 * in-batch negatives need a full batch).
 */
public final class Pretrainer {
    /** Called after every step. */
    public interface Listener {
        void onStep(int epoch, StepResult result, long imagesSeen);
    }

    private final Recipe recipe;
    private final ImageSet data;
    private final int batch;
    private final long seed;
    private final ViewGenerator views;

    public Pretrainer(Recipe recipe, ImageSet data, int batch, long seed) {
        if (batch < 2) {
            throw new IllegalArgumentException("batch must be >= 2, got " + batch);
        }
        if (data.size() < batch) {
            throw new IllegalArgumentException("the data holds " + data.size() + " images, fewer than one batch of "
                    + batch + ": lower --batch or add data");
        }
        Image first = data.images().get(0);
        if (first.channels != recipe.encoderConfig().inChannels() || first.height != recipe.encoderConfig().inputSize()) {
            throw new IllegalArgumentException("images are " + first.channels + "x" + first.height + "x" + first.width
                    + " but the encoder takes " + recipe.encoderConfig().inChannels() + "x"
                    + recipe.encoderConfig().inputSize() + ": resize when reading (DataSpec.read(channels, size))");
        }
        this.recipe = recipe;
        this.data = data;
        this.batch = batch;
        this.seed = seed;
        this.views = new ViewGenerator(recipe.viewAugmentations(), seed);
    }

    /** Steps in one epoch. */
    public int stepsPerEpoch() {
        return data.size() / batch;
    }

    /** Runs {@code epochs} epochs; returns the number of steps taken. */
    public long run(int epochs, Listener listener) {
        ExecutorService prep = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "views");
            t.setDaemon(true);
            return t;
        });
        long steps = 0;
        long seen = 0;
        try {
            for (int epoch = 0; epoch < epochs; epoch++) {
                int[] order = permutation(data.size(), Rng.of(seed, 0xE90C, epoch));
                int n = stepsPerEpoch();
                Future<ViewBatch> next = prep.submit(() -> batchAt(order, 0));
                for (int b = 0; b < n; b++) {
                    ViewBatch current = next.get();
                    if (b + 1 < n) {
                        int nb = b + 1;
                        next = prep.submit(() -> batchAt(order, nb));
                    }
                    StepResult r = recipe.step(current);
                    steps++;
                    seen += batch;
                    listener.onStep(epoch, r, seen);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("training interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("building views failed: " + e.getCause(), e.getCause());
        } finally {
            prep.shutdownNow();
        }
        return steps;
    }

    private ViewBatch batchAt(int[] order, int b) {
        List<Image> images = new ArrayList<>(batch);
        long[] ids = new long[batch];
        for (int i = 0; i < batch; i++) {
            int idx = order[b * batch + i];
            images.add(data.images().get(idx));
            ids[i] = idx;
        }
        List<float[]> v = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        for (int view = 0; view < recipe.viewsPerRecord(); view++) {
            v.add(views.views(images, ids, view));
            shapes.add(views.shape(images.get(0), view));
        }
        return ViewBatch.of(batch, v, shapes, ids);
    }

    static int[] permutation(int n, Rng rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
