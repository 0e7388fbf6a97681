package io.contrastream.model.train;

import io.contrastream.model.augment.audio.LogMelView;
import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.ViewGenerator;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.method.CrossModalRecipe;
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
 *
 * <p>A recipe with an audio view ({@link CrossModalRecipe}, CMC with {@code audio}) needs the records'
 * audio: pass one 16 kHz utterance per image; that view is {@code LogMelView.augmented(wave,
 * Rng.of(seed, i, view))}.
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
    private final List<float[]> audio;
    private final int audioView;

    public Pretrainer(Recipe recipe, ImageSet data, int batch, long seed) {
        this(recipe, data, null, batch, seed);
    }

    /**
     * @param audio one 16 kHz utterance per image (e.g. {@code SpokenImages.audioPerImage()}), required when
     *     the recipe has an audio view, else null
     */
    public Pretrainer(Recipe recipe, ImageSet data, List<float[]> audio, int batch, long seed) {
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
        this.audioView = recipe instanceof CrossModalRecipe cm ? cm.audioView() : -1;
        if (audioView >= 0 && audio == null) {
            throw new IllegalArgumentException(recipe.name() + " has an audio view: its data must pair images with"
                    + " audio (--data fashion-mnist-spoken:FMNIST_DIR:train:SPEECH_DIR)");
        }
        if (audio != null && audio.size() != data.size()) {
            throw new IllegalArgumentException(audio.size() + " utterances for " + data.size() + " images");
        }
        this.audio = audio;
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
            if (view == audioView) {
                v.add(audioViews(ids, view));
                shapes.add(LogMelView.SHAPE.clone());
                continue;
            }
            v.add(views.views(images, ids, view));
            shapes.add(views.shape(images.get(0), view));
        }
        return ViewBatch.of(batch, v, shapes, ids);
    }

    /** The audio view of every record of a batch: N x 1 x 32 x 32, from (seed, record id, view). */
    private float[] audioViews(long[] ids, int view) {
        int len = LogMelView.SIZE * LogMelView.SIZE;
        float[] flat = new float[ids.length * len];
        for (int i = 0; i < ids.length; i++) {
            float[] x = LogMelView.augmented(audio.get((int) ids[i]), Rng.of(seed, ids[i], view)); // 1 x 32 x 32
            System.arraycopy(x, 0, flat, i * len, len);
        }
        return flat;
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
