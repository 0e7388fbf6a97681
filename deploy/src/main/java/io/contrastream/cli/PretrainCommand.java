package io.contrastream.cli;

import io.contrastream.flink.config.JobParams;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.SpokenImageSpec;
import io.contrastream.model.data.SpokenImages;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import io.contrastream.model.serving.SavedModel;
import io.contrastream.model.train.Pretrainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code contrastream pretrain}: the plain training loop without Flink. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain a recipe on an image set (the streaming job's reference loop).")
final class PretrainCommand implements Callable<Integer> {
    @Option(names = "--method", required = true, completionCandidates = ImageMethods.class,
            description = "${COMPLETION-CANDIDATES}")
    String method;

    @Option(names = "--data", description = "idx:IMAGES,LABELS | fashion-mnist:DIR[:train|test] | imagefolder:DIR"
            + " | fashion-mnist-spoken:DIR:train:SPEECH_DIR (images + spoken class names, for cmc-views=...,audio)"
            + " (optional @FROM:TO range). Default: ${DEFAULT-VALUE}",
            defaultValue = "fashion-mnist:" + DataOptions.DEFAULT_FASHION + ":train")
    String data;

    @Option(names = "--limit", description = "use only the first N images (0 = all)", defaultValue = "0")
    int limit;

    @Option(names = "--epochs", description = "passes over the data (default ${DEFAULT-VALUE})", defaultValue = "1")
    int epochs;

    // the options named after a parameter take their defaults from its declaration (the method's, the job's)
    @Option(names = "--batch", description = "records per step (default: the method's batch)")
    Integer batchOpt;

    @Option(names = "--out", required = true, description = "model directory to write")
    Path out;

    @Option(names = "--encoder", description = "resnet-small | resnet18 | vit-tiny | vit-tiny-frozen (default: the job"
            + " setting encoder's)")
    String encoder;

    @Option(names = "--image-size", description = "encoder input side in pixels; images are resized (default: the job"
            + " setting image-size's)")
    Integer imageSize;

    @Option(names = "--channels", description = "1 (gray) or 3 (RGB) (default: the job setting channels')")
    Integer channelsOpt;

    @Option(names = "--seed", description = "seed of every random stream (default: the method's seed)")
    Long seedOpt;

    @Option(names = "--set", description = "recipe parameter KEY=VALUE (repeatable), e.g. --set temperature=0.2",
            mapFallbackValue = "")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1");
        }
        Params params = Recipes.defaults(method);
        if (batchOpt != null) {
            params.set(OptimizerParams.BATCH, batchOpt);
        }
        if (seedOpt != null) {
            params.set(RecipeParams.SEED, seedOpt);
        }
        overrides.forEach(params::set);
        int batch = params.get(OptimizerParams.BATCH);
        long seed = params.get(RecipeParams.SEED);
        Params shape = new Params(JobParams.ALL);
        if (encoder != null) {
            shape.set(JobParams.ENCODER.name(), encoder);
        }
        if (imageSize != null) {
            shape.set(JobParams.IMAGE_SIZE, imageSize);
        }
        if (channelsOpt != null) {
            shape.set(JobParams.CHANNELS, channelsOpt);
        }
        int size = shape.get(JobParams.IMAGE_SIZE);
        int channels = shape.get(JobParams.CHANNELS);
        ImageSet train;
        List<float[]> audio = null;
        if (SpokenImageSpec.matches(data)) {
            SpokenImages spoken = DataOptions.readSpoken(data, channels, size, limit, seed);
            train = spoken.images();
            audio = spoken.audioPerImage();
            System.err.printf(Locale.ROOT, "pretrain: %d utterances of %d speakers paired with the images%n",
                    spoken.speech().size(), java.util.Arrays.stream(spoken.speech().speaker()).distinct().count());
        } else {
            train = DataOptions.read(data, channels, size, limit);
        }
        int stepsPerEpoch = train.size() / batch;
        if (params.get(OptimizerParams.TOTAL_STEPS) == 0L) {
            params.set(OptimizerParams.TOTAL_STEPS, (long) stepsPerEpoch * epochs);
        }
        EncoderConfig enc = EncoderConfig.preset(shape.get(JobParams.ENCODER), channels, size);
        System.err.printf(Locale.ROOT, "pretrain: %s on %d images (%s), %d epochs x %d steps, batch %d, encoder %s%n",
                method, train.size(), data, epochs, stepsPerEpoch, batch, enc);
        System.err.println("pretrain: parameters " + params.asMap());
        long start = System.nanoTime();
        try (AbstractRecipe recipe = Recipes.create(method, params, enc);
                ProgressBar bar = new ProgressBarBuilder().setTaskName(method).setInitialMax((long) stepsPerEpoch * epochs)
                        .setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).showSpeed().build()) {
            Pretrainer loop = new Pretrainer(recipe, train, audio, batch, seed);
            float[] ema = {Float.NaN};
            java.nio.file.Files.createDirectories(out);
            // history.jsonl next to the model: every step, and the collapse figures at the end of every epoch
            try (java.io.BufferedWriter history = java.nio.file.Files.newBufferedWriter(out.resolve("history.jsonl"))) {
                int[] lastEpoch = {0};
                loop.run(epochs, (epoch, r, seen) -> {
                    ema[0] = Float.isNaN(ema[0]) ? r.loss() : 0.95f * ema[0] + 0.05f * r.loss();
                    double secs = (System.nanoTime() - start) / 1e9;
                    bar.step();
                    bar.setExtraMessage(String.format(Locale.ROOT, " ep %d loss %.4f lr %.4f %.0f img/s", epoch + 1, ema[0],
                            r.lr(), seen / secs));
                    try {
                        if (epoch != lastEpoch[0]) {
                            history.write(collapseLine(recipe, train, lastEpoch[0]));
                            lastEpoch[0] = epoch;
                        }
                        history.write(String.format(Locale.ROOT, "{\"epoch\":%d,\"step\":%d,\"loss\":%s,\"lr\":%s,"
                                + "\"skipped\":%b,\"images_per_s\":%.1f}%n", epoch, r.step(), number(r.loss()),
                                number(r.lr()), r.skipped(), seen / secs));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                history.write(collapseLine(recipe, train, lastEpoch[0]));
            }
            double secs = (System.nanoTime() - start) / 1e9;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("data", data);
            info.put("images", train.size());
            info.put("epochs", epochs);
            info.put("seconds", Math.round(secs));
            info.put("finalLossEma", ema[0]);
            SavedModel.save(recipe, out, info);
            System.out.printf(Locale.ROOT, "pretrain: method=%s steps=%d skipped=%d loss=%.4f images_per_s=%.1f seconds=%.0f out=%s%n",
                    method, recipe.stepCount(), recipe.skippedSteps(), ema[0],
                    (double) recipe.stepCount() * batch / secs, secs, out);
        }
        return 0;
    }

    /** The collapse figures of h on the first (up to) 512 training images at the end of {@code epoch}, as a JSON line. */
    static String collapseLine(AbstractRecipe recipe, ImageSet train, int epoch) {
        int n = Math.min(512, train.size());
        int per = train.images().get(0).data.length;
        float[] flat = new float[n * per];
        for (int i = 0; i < n; i++) {
            System.arraycopy(train.images().get(i).data, 0, flat, i * per, per);
        }
        io.contrastream.model.eval.CollapseMonitor.Report c = io.contrastream.model.eval.CollapseMonitor.report(
                recipe.embed(flat, n)); // h: n x D
        return String.format(Locale.ROOT, "{\"epoch_end\":%d,\"channel_std\":%s,\"effective_rank\":%s}%n", epoch,
                number(c.channelStd()), number(c.effectiveRank()));
    }

    /** A JSON number, or null for NaN and infinities. */
    static String number(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }
}
