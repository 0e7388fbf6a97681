package io.contrastream.cli;

import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.ImageTransform;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import io.contrastream.model.util.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream bench step|augment}: the Java side of benchmarks B1 (trainer step) and B5
 * (augmentation), printing medians and quartiles; {@code bench/pytorch_step.py} is B1's peer.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: 'step' (B1: images/s of a recipe step), 'augment' (B5: views/s per core),"
                + " 'pipeline' (B2: training images/s of the whole job vs the bare loop), 'feed' (B3: embedding"
                + " latency and throughput per checkpoint interval) or 'profile' (libtorch's profiler over recipe"
                + " steps: a Chrome trace per method and batch, see bench/trace_summary.py).")
final class BenchCommand implements Callable<Integer> {
    @picocli.CommandLine.Parameters(index = "0", description = "step | augment")
    String what;

    @Option(names = "--methods", split = ",", defaultValue = "moco-v2,simclr", description = "recipes (default ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--batches", split = ",", defaultValue = "64,128,256", description = "batch sizes (default ${DEFAULT-VALUE})")
    List<Integer> batches;

    @Option(names = "--sizes", split = ",", defaultValue = "28,224", description = "augment: image sides (default ${DEFAULT-VALUE})")
    List<Integer> sizes;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed repetitions (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--reps", defaultValue = "15", description = "timed repetitions (default ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--data", description = "pipeline/feed: input images (default ${DEFAULT-VALUE})",
            defaultValue = "fashion-mnist:" + DataOptions.DEFAULT_FASHION + ":train")
    String data;

    @Option(names = "--records", defaultValue = "19200", description = "pipeline/feed: records (default ${DEFAULT-VALUE})")
    int records;

    @Option(names = "--rate", defaultValue = "500", description = "feed: records/s produced, 0 = pre-filled, as fast as"
            + " the job goes (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--checkpoint-intervals", split = ",", defaultValue = "1000,5000",
            description = "feed: checkpoint intervals in ms, one run each (default ${DEFAULT-VALUE})")
    List<Long> intervals;

    @Option(names = "--poison", defaultValue = "0", description = "feed: bad records (corrupt, oversized, malformed)"
            + " after every image, to measure the valid throughput under poison (default ${DEFAULT-VALUE})")
    int poison;

    @Option(names = "--warm", defaultValue = "10", description = "pipeline: untimed steps; feed: untimed seconds"
            + " (default ${DEFAULT-VALUE})")
    int warm;

    @Option(names = "--set", description = "step: recipe setting; pipeline/feed: job or recipe setting KEY=VALUE (repeatable)",
            mapFallbackValue = "")
    java.util.Map<String, String> overrides = new java.util.LinkedHashMap<>();

    @Option(names = "--trace-dir", defaultValue = "runs/bench", description = "profile: where traces go (default ${DEFAULT-VALUE})")
    java.nio.file.Path traceDir;

    @Override
    public Integer call() throws Exception {
        if (what.equals("step")) {
            step();
        } else if (what.equals("augment")) {
            augment();
        } else if (what.equals("profile")) {
            profile();
        } else if (what.equals("pipeline") || what.equals("feed")) {
            java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
            settings.put("method", methods.get(0));
            settings.put("batch", String.valueOf(batches.get(0)));
            settings.putAll(overrides);
            io.contrastream.flink.config.JobConfig shape = io.contrastream.flink.config.JobConfig.of(settings);
            io.contrastream.model.data.ImageSet images = DataOptions.read(data,
                    shape.get(io.contrastream.flink.config.JobParams.CHANNELS),
                    shape.get(io.contrastream.flink.config.JobParams.IMAGE_SIZE), records);
            if (what.equals("pipeline")) {
                JobBench.pipeline(images, settings, warm);
            } else {
                for (long ms : intervals) {
                    settings.put("checkpoint-interval-ms", String.valueOf(ms));
                    JobBench.feed(images, settings, rate, warm, poison);
                }
            }
        } else {
            throw new IllegalArgumentException(
                    "bench takes 'step', 'augment', 'pipeline', 'feed' or 'profile', got '" + what + "'");
        }
        return 0;
    }

    private void step() {
        EncoderConfig enc = EncoderConfig.smallResNet(1, 28);
        for (String m : methods) {
            for (int b : batches) {
                Params p = Recipes.defaults(m).set(OptimizerParams.BATCH, b);
                overrides.forEach(p::set); // e.g. local-crops=0 against the multi-crop default
                try (AbstractRecipe r = Recipes.create(m, p, enc)) {
                    ViewBatch batch = randomBatch(r, b);
                    double[] t = time(() -> r.step(batch));
                    print("djl method=" + m + " batch=" + b + (overrides.isEmpty() ? "" : " set=" + overrides), t, b);
                }
            }
        }
    }

    /** Recipe steps under libtorch's autograd profiler; one Chrome trace per (method, batch). */
    private void profile() {
        EncoderConfig enc = EncoderConfig.smallResNet(1, 28);
        try {
            java.nio.file.Files.createDirectories(traceDir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (String m : methods) {
            for (int b : batches) {
                Params p = Recipes.defaults(m).set(OptimizerParams.BATCH, b);
                try (AbstractRecipe r = Recipes.create(m, p, enc)) {
                    ViewBatch batch = randomBatch(r, b);
                    for (int i = 0; i < warmup; i++) {
                        r.step(batch);
                    }
                    java.nio.file.Path out = traceDir.resolve("trace-djl-" + m + "-" + b + ".json");
                    ai.djl.pytorch.jni.JniUtils.startProfile(false, true, false);
                    long s = System.nanoTime();
                    for (int i = 0; i < reps; i++) {
                        r.step(batch);
                    }
                    double wall = (System.nanoTime() - s) / 1e9;
                    ai.djl.pytorch.jni.JniUtils.stopProfile(out.toAbsolutePath().toString());
                    System.out.printf(Locale.ROOT, "profile djl method=%s batch=%d steps=%d wall_s=%.3f trace=%s%n", m, b,
                            reps, wall, out);
                }
            }
        }
    }

    private static ViewBatch randomBatch(AbstractRecipe r, int b) {
        Rng rng = Rng.seeded(1);
        List<float[]> views = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        var gen = new io.contrastream.model.augment.image.ViewGenerator(r.viewAugmentations(), 1L);
        var sample = io.contrastream.model.augment.image.Image.zeros(1, 28, 28);
        for (int v = 0; v < r.viewsPerRecord(); v++) {
            int[] shape = gen.shape(sample, v); // multi-crop: small crops are smaller
            shapes.add(shape);
            float[] x = new float[b * shape[0] * shape[1] * shape[2]];
            for (int i = 0; i < x.length; i++) {
                x[i] = rng.nextFloat();
            }
            views.add(x);
        }
        return ViewBatch.of(b, views, shapes, new long[b]);
    }

    private void augment() {
        for (String m : methods) {
            for (int size : sizes) {
                EncoderConfig enc = EncoderConfig.smallResNet(1, size);
                ImageTransform aug = Recipes.spec(m).augmentation(Recipes.defaults(m), enc);
                Rng rng = Rng.seeded(2);
                float[] px = new float[size * size];
                for (int i = 0; i < px.length; i++) {
                    px[i] = rng.nextFloat();
                }
                Image img = new Image(1, size, size, px);
                int n = size <= 64 ? 2000 : 50;
                long[] id = {0};
                double[] t = time(() -> {
                    for (int i = 0; i < n; i++) {
                        aug.apply(img, Rng.of(3, id[0]++, 0));
                    }
                });
                print("augment method=" + m + " size=" + size + " views=" + n + " threads=1", t, n);
            }
        }
    }

    private double[] time(Runnable r) {
        for (int i = 0; i < warmup; i++) {
            r.run();
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        return t;
    }

    private static void print(String what, double[] sorted, int items) {
        double med = quantile(sorted, 0.5);
        System.out.printf(Locale.ROOT, "%s median_s=%.4f p25_s=%.4f p75_s=%.4f images_per_s=%.1f%n", what, med,
                quantile(sorted, 0.25), quantile(sorted, 0.75), items / med);
    }

    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
