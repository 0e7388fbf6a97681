package io.contrastream.cli;

import io.contrastream.model.data.ImageSet;
import io.contrastream.model.eval.EvalReport;
import io.contrastream.model.eval.Features;
import io.contrastream.model.eval.KnnClassifier;
import io.contrastream.model.eval.LinearProbe;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.serving.EncoderModel;
import io.contrastream.model.serving.SavedModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream eval}: weighted kNN and a linear probe on the frozen encoder, beside the
 * raw-pixel and random-init baselines measured by the same protocol.
 *
 * <pre>{@code
 * contrastream eval --model models/simclr   // a pretrain directory
 * contrastream eval --model ~/.local/state/contrastream/models/moco-v2/v3   // a published version (model-id moco-v2)
 * }</pre>
 *
 * <p>Encoder features come from an {@link EncoderModel} (the encoder alone); {@code --features head}
 * needs the method's head, so it rebuilds the recipe from a pretrain directory's training state.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "kNN and linear-probe top-1 of a trained model, with raw-input and random-init baselines."
                + " The last line is: knn_top1=… linear_top1=… raw_knn_top1=… random_knn_top1=…")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model directory written by pretrain, or a model-store"
            + " version directory (<model-store>/<model-id>/v<N>) published by the streaming job")
    Path model;

    @Option(names = "--train-data", description = "labelled reference set (default ${DEFAULT-VALUE})",
            defaultValue = "fashion-mnist:" + DataOptions.DEFAULT_FASHION + ":train")
    String trainData;

    @Option(names = "--test-data", description = "labelled evaluation set (default ${DEFAULT-VALUE})",
            defaultValue = "fashion-mnist:" + DataOptions.DEFAULT_FASHION + ":test")
    String testData;

    @Option(names = "--k", description = "neighbours of the weighted kNN (default ${DEFAULT-VALUE})", defaultValue = "200")
    int k;

    @Option(names = "--tau", description = "temperature of the kNN vote weights (default ${DEFAULT-VALUE})",
            defaultValue = "0.07")
    double tau;

    @Option(names = "--probe-epochs", description = "linear probe epochs (default ${DEFAULT-VALUE})", defaultValue = "30")
    int probeEpochs;

    @Option(names = "--features", description = "encoder: the encoder's h (default); head: the method's own"
            + " normalised output where its paper evaluates there (instdisc: the 128-d memory-bank features)",
            defaultValue = "encoder")
    String features;

    @Override
    public Integer call() throws Exception {
        if (!features.equals("encoder") && !features.equals("head")) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--features must be encoder or head, got " + features);
        }
        long start = System.nanoTime();
        SavedModel.Description d = SavedModel.describe(model);
        if (features.equals("head")) { // the method's head: only a recipe has it
            try (AbstractRecipe trained = SavedModel.load(model); AbstractRecipe random = SavedModel.create(model)) {
                evaluate(d, trained::embedHead, random::embedHead, start);
            }
        } else {
            try (EncoderModel trained = SavedModel.loadEncoder(model);
                    EncoderModel random = SavedModel.initialEncoder(model)) {
                evaluate(d, trained::embed, random::embed, start);
            }
        }
        return 0;
    }

    /** Features of a set from {@code embed} in batches of 500, with progress lines. */
    private static Function<ImageSet, float[][]> features(Progress progress, String which,
            java.util.function.BiFunction<float[], Integer, float[][]> embed) {
        return set -> {
            Progress.Stage s = progress.stage("embedding " + set.size() + " images (" + which + ")", set.size());
            float[][] h = Features.compute(set, 500, (flat, n) -> {
                float[][] out = embed.apply(flat, n);
                s.advance(n);
                return out;
            });
            s.done();
            return h;
        };
    }

    /** Both protocols on the trained features and the baselines; random-init is measured on the same features. */
    private void evaluate(SavedModel.Description d, java.util.function.BiFunction<float[], Integer, float[][]> trainedEmbed,
            java.util.function.BiFunction<float[], Integer, float[][]> randomEmbed, long start) throws Exception {
        Progress progress = new Progress("eval", start);
        Function<ImageSet, float[][]> trained = features(progress, "trained", trainedEmbed);
        Function<ImageSet, float[][]> random = features(progress, "random-init", randomEmbed);
        int channels = d.encoder().inChannels();
        int size = d.encoder().inputSize();
        ImageSet train = DataOptions.read(trainData, channels, size, 0);
        ImageSet test = DataOptions.read(testData, channels, size, 0);
        int classes = Math.max(Arrays.stream(train.labels()).max().orElse(0),
                Arrays.stream(test.labels()).max().orElse(0)) + 1;
        System.err.printf(Locale.ROOT, "eval: %s (step %d) on %d train / %d test images, %d classes%n",
                d.method(), d.step(), train.size(), test.size(), classes);

        float[][] trainH = trained.apply(train);
        float[][] testH = trained.apply(test);
        double knn = KnnClassifier.top1(trainH, train.labels(), testH, test.labels(), k, tau, classes);
        System.err.printf(Locale.ROOT, "eval: knn_top1=%.4f%n", knn);
        System.err.println("eval: collapse monitor on the test features: " + io.contrastream.model.eval.CollapseMonitor
                .describe(java.util.Arrays.copyOf(testH, Math.min(testH.length, 2048))));
        Progress.Stage probe = progress.stage("linear probe, " + probeEpochs + " epochs", 0);
        double linear = LinearProbe.top1(trainH, train.labels(), testH, test.labels(), classes,
                LinearProbe.Options.defaults().withEpochs(probeEpochs));
        probe.done();
        System.err.printf(Locale.ROOT, "eval: linear_top1=%.4f%n", linear);
        double raw = KnnClassifier.top1(Features.raw(train), train.labels(), Features.raw(test), test.labels(), k,
                tau, classes);
        double rand = KnnClassifier.top1(random.apply(train), train.labels(), random.apply(test), test.labels(), k,
                tau, classes);
        System.err.printf(Locale.ROOT, "eval: done in %.0f s%n", (System.nanoTime() - start) / 1e9);
        System.out.println(new EvalReport(knn, linear, raw, rand).line());
    }
}
