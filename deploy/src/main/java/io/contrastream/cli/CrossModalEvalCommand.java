package io.contrastream.cli;

import io.contrastream.model.augment.audio.LogMelView;
import io.contrastream.model.augment.image.Image;
import io.contrastream.model.data.SpokenImageSpec;
import io.contrastream.model.data.SpokenImages;
import io.contrastream.model.data.audio.Utterances;
import io.contrastream.model.eval.CrossModalRetrieval;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.CrossModalRecipe;
import io.contrastream.model.serving.SavedModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream cross-modal-eval}: retrieval across modalities in the shared head space of a CMC
 * model trained with the audio view, beside the same model at its random initialisation.
 *
 * <pre>{@code
 * contrastream cross-modal-eval --model runs/cmc-audio \
 *     --data fashion-mnist-spoken:/usr/share/datasets/fashion-mnist:test:runs/fm-speech
 * }</pre>
 *
 * <p>Audio → image: for every utterance of the split's speakers (the test split's are held out from
 * training), the class of the test image whose head output z is nearest by cosine; image → audio: for
 * every test image, the word of the nearest utterance. Utterances are their centred
 * {@link LogMelView} (no augmentation); images are un-augmented. Chance is 1 / 10 for both (balanced
 * classes). The last line is {@code cross_modal: audio_to_image_top1=… image_to_audio_top1=…
 * random_audio_to_image_top1=… random_image_to_audio_top1=… chance=0.1000 utterances=U speakers=S images=N}.
 */
@Command(name = "cross-modal-eval", mixinStandardHelpOptions = true,
        description = "Cross-modal retrieval top-1 (audio -> image class, image -> spoken word) of a CMC model"
                + " trained with cmc-views=...,audio, beside its random init.")
final class CrossModalEvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model directory written by pretrain (cmc with audio)")
    Path model;

    @Option(names = "--data", required = true, description = SpokenImageSpec.FORM + ", normally the test split")
    String data;

    @Option(names = "--limit", description = "use only the first N images (0 = all)", defaultValue = "0")
    int limit;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        try (AbstractRecipe trained = SavedModel.load(model); AbstractRecipe random = SavedModel.create(model)) {
            if (!(trained instanceof CrossModalRecipe) || ((CrossModalRecipe) trained).audioView() < 0) {
                throw new IllegalArgumentException(model + " holds " + trained.name() + " without an audio view:"
                        + " pretrain --method cmc --set cmc-views=intensity,audio --data " + SpokenImageSpec.FORM);
            }
            int channels = trained.encoderConfig().inChannels();
            int size = trained.encoderConfig().inputSize();
            SpokenImages set = DataOptions.readSpoken(data, channels, size, limit, 42L);
            if (!SpokenImageSpec.parse(data).split().equals("test")) {
                System.err.println("cross-modal-eval: warning: the train split's speakers are the ones trained on;"
                        + " pass the test split for held-out speakers");
            }
            Utterances speech = set.speech();
            int[] labelOfWord = SpokenImageSpec.wordLabels(speech);
            int[] wordLabels = new int[speech.size()];
            for (int u = 0; u < speech.size(); u++) {
                wordLabels[u] = labelOfWord[speech.word()[u]];
            }
            int[] imageLabels = set.images().labels();
            long speakers = java.util.Arrays.stream(speech.speaker()).distinct().count();
            System.err.printf(Locale.ROOT, "cross-modal-eval: %s (step %d): %d utterances of %d speakers, %d images%n",
                    trained.name(), trained.stepCount(), speech.size(), speakers, set.size());
            Progress progress = new Progress("cross-modal-eval", start);
            Progress.Stage st = progress.stage("projecting " + speech.size() + " utterances and " + set.size()
                    + " images (trained)", 0);
            double[] t = scores((CrossModalRecipe) trained, set, speech, wordLabels, imageLabels);
            st.done();
            Progress.Stage sr = progress.stage("the same with the random-init model", 0);
            double[] r = scores((CrossModalRecipe) random, set, speech, wordLabels, imageLabels);
            sr.done();
            System.err.printf(Locale.ROOT, "cross-modal-eval: done in %.0f s%n", (System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "cross_modal: audio_to_image_top1=%.4f image_to_audio_top1=%.4f"
                    + " random_audio_to_image_top1=%.4f random_image_to_audio_top1=%.4f chance=%.4f utterances=%d"
                    + " speakers=%d images=%d%n", t[0], t[1], r[0], r[1], 1.0 / SpokenImageSpec.FASHION_MNIST_WORDS.size(),
                    speech.size(), speakers, set.size());
        }
        return 0;
    }

    /** {audio → image top-1, image → audio top-1}. */
    private static double[] scores(CrossModalRecipe recipe, SpokenImages set, Utterances speech, int[] wordLabels,
            int[] imageLabels) {
        float[][] za = audio(recipe, speech.audio());
        float[][] zi = images(recipe, set.images().images());
        return new double[] {CrossModalRetrieval.top1(za, wordLabels, zi, imageLabels),
                CrossModalRetrieval.top1(zi, imageLabels, za, wordLabels)};
    }

    private static float[][] audio(CrossModalRecipe recipe, List<float[]> waves) {
        int len = LogMelView.SIZE * LogMelView.SIZE;
        float[][] out = new float[waves.size()][];
        for (int from = 0; from < waves.size(); from += 500) {
            int n = Math.min(500, waves.size() - from);
            float[] flat = new float[n * len];
            for (int i = 0; i < n; i++) {
                System.arraycopy(LogMelView.centred(waves.get(from + i)), 0, flat, i * len, len); // 1 x 32 x 32
            }
            System.arraycopy(recipe.projectAudio(flat, n), 0, out, from, n);
        }
        return out;
    }

    private static float[][] images(CrossModalRecipe recipe, List<Image> images) {
        float[][] out = new float[images.size()][];
        for (int from = 0; from < images.size(); from += 500) {
            int n = Math.min(500, images.size() - from);
            int len = images.get(from).data.length;
            float[] flat = new float[n * len];
            for (int i = 0; i < n; i++) {
                System.arraycopy(images.get(from + i).data, 0, flat, i * len, len);
            }
            System.arraycopy(recipe.projectImages(flat, n), 0, out, from, n);
        }
        return out;
    }
}
