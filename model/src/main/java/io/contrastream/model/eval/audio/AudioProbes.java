package io.contrastream.model.eval.audio;

import io.contrastream.model.augment.audio.LogMel;
import io.contrastream.model.data.audio.SincKernel;
import io.contrastream.model.data.audio.Utterances;
import io.contrastream.model.eval.LinearProbe;
import io.contrastream.model.method.StepResult;
import io.contrastream.model.method.cpc.AudioBatch;
import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.util.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * Quality of CPC's features on a labelled speech corpus: linear speaker and word probes on
 * per-utterance features of the trained model, of the same configuration at initialisation, and of
 * {@link LogMel#pooled log-mel statistics}.
 *
 * <pre>{@code
 * Utterances u = AudioProbes.to16k(WavFolderReader.read(dir));
 * AudioProbes.Split split = AudioProbes.split(u);
 * try (Cpc trained = new Cpc(params); Cpc random = new Cpc(params)) {
 *     float[] losses = AudioProbes.pretrain(trained, AudioProbes.subset(u, split.train()), 1500, seed);
 *     AudioProbes.Result r = AudioProbes.probe(trained, random, u, split, AudioProbes.probeOptions(seed));
 * }
 * }</pre>
 *
 * <p><b>Held-out split</b> (deterministic, stratified by speaker): within each speaker, utterances are
 * numbered j = 0, 1, … in reader order (by word, then file name, as {@code WavFolderReader} gives them);
 * utterance j of speaker s is held out when (j + s) mod 4 = 3. So exactly ⌊(n_s + s mod 4) / 4⌋ ≈ 25 %
 * of each speaker's utterances are test, and the shift by the speaker index rotates the held-out
 * repetitions over the words (with make-speech's 3 repetitions per word a per-(speaker, word) "every
 * 4th" rule would hold out nothing). Words are therefore stratified approximately (each word's test
 * share is close to 25 % when there are ≥ 4 speakers).
 *
 * <p><b>Features</b> per utterance: (a)/(b) the mean over frames of c_t from {@link Cpc#context}
 * (H values; an utterance shorter than the receptive field is zero-padded to it), (c) {@link LogMel#pooled}
 * (80 values). Each probe standardises its features with the training split's per-dimension mean and
 * standard deviation (LinearProbe does it again; that is idempotent), then trains {@link LinearProbe}.
 *
 * <p><b>Pretraining windows</b>: each speaker's training utterances are concatenated (in an order
 * shuffled once by the seed, no gap), giving one continuous "recording" per speaker, as in the paper
 * where a window is a stretch of one speaker's speech. A window: a speaker drawn with probability
 * proportional to the length of its recording, then a uniform start; a recording shorter than the
 * window is zero-padded at the end. (Zero-padding each short utterance instead would make most of a
 * 20,480-sample window silence with espeak words of ~0.5 s.) Only the training split is used.
 */
public final class AudioProbes {
    public static final int RATE = 16000;

    private AudioProbes() {}

    /** Train and test utterance indices (each ascending). */
    public record Split(int[] train, int[] test) {}

    /** Top-1 accuracy of one probe for the three feature sets. */
    public record Accuracies(double cpc, double random, double logmel) {}

    public record Result(Accuracies speaker, Accuracies word, int trainSize, int testSize) {}

    /** Called after every pretraining step. */
    @FunctionalInterface
    public interface StepListener {
        void onStep(int step, StepResult result);
    }

    /** The corpus at 16 kHz ({@link SincKernel#resample}), or {@code u} itself when it already is. */
    public static Utterances to16k(Utterances u) {
        if (u.sampleRate() == RATE) {
            return u;
        }
        List<float[]> audio = new ArrayList<>(u.size());
        for (float[] a : u.audio()) {
            audio.add(SincKernel.resample(a, u.sampleRate(), RATE));
        }
        return new Utterances(audio, RATE, u.speakers(), u.words(), u.speaker(), u.word());
    }

    /** The held-out split of the class comment. */
    public static Split split(Utterances u) {
        int[] seen = new int[u.speakers().size()];
        List<Integer> train = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (int i = 0; i < u.size(); i++) {
            int s = u.speaker()[i];
            int j = seen[s]++;
            ((j + s) % 4 == 3 ? test : train).add(i);
        }
        return new Split(train.stream().mapToInt(Integer::intValue).toArray(),
                test.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The utterances at {@code idx}, with the same speaker and word lists. */
    public static Utterances subset(Utterances u, int[] idx) {
        List<float[]> audio = new ArrayList<>(idx.length);
        int[] spk = new int[idx.length];
        int[] wrd = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            audio.add(u.audio().get(idx[i]));
            spk[i] = u.speaker()[idx[i]];
            wrd[i] = u.word()[idx[i]];
        }
        return new Utterances(audio, u.sampleRate(), u.speakers(), u.words(), spk, wrd);
    }

    /** Probe settings for corpora of a few hundred utterances: 200 epochs, batch 32, lr 5e-3, wd 1e-4. */
    public static LinearProbe.Options probeOptions(long seed) {
        return new LinearProbe.Options(200, 32, 5e-3f, 1e-4f, seed);
    }

    public static float[] pretrain(Cpc model, Utterances train16k, int steps, long seed) {
        return pretrain(model, train16k, steps, seed, null);
    }

    /**
     * {@code steps} steps of {@code model} on random windows (see the class comment) of
     * {@code model.windowSamples()} samples, batches of the model's {@code batch}; returns the loss of
     * every step (a skipped step's loss as reported, possibly non-finite).
     */
    public static float[] pretrain(Cpc model, Utterances train16k, int steps, long seed, StepListener listener) {
        requireRate(train16k);
        int window = model.windowSamples();
        int batch = model.params().get(OptimizerParams.BATCH);
        Rng rng = Rng.of(seed, 0x41554449L); // "AUDI"
        float[][] recordings = recordings(train16k, rng);
        long[] cumulative = new long[recordings.length];
        long total = 0;
        for (int s = 0; s < recordings.length; s++) {
            total += recordings[s].length;
            cumulative[s] = total;
        }
        if (total == 0) {
            throw new IllegalArgumentException("no training audio");
        }
        float[] losses = new float[steps];
        for (int step = 0; step < steps; step++) {
            float[] flat = new float[batch * window]; // zero-padded windows, handed to the batch as they are
            for (int b = 0; b < batch; b++) {
                long pick = (long) (rng.nextDouble() * total);
                int s = 0;
                while (cumulative[s] <= pick) {
                    s++;
                }
                float[] rec = recordings[s];
                int start = rec.length > window ? rng.nextInt(rec.length - window + 1) : 0;
                System.arraycopy(rec, start, flat, b * window, Math.min(window, rec.length - start));
            }
            StepResult r = model.step(new AudioBatch(flat, batch, window));
            losses[step] = r.loss();
            if (listener != null) {
                listener.onStep(step + 1, r);
            }
        }
        return losses;
    }

    /** One concatenated recording per speaker that has training audio, utterances in seeded order. */
    private static float[][] recordings(Utterances u, Rng rng) {
        List<float[]> out = new ArrayList<>();
        for (int s = 0; s < u.speakers().size(); s++) {
            List<float[]> mine = new ArrayList<>();
            for (int i = 0; i < u.size(); i++) {
                if (u.speaker()[i] == s) {
                    mine.add(u.audio().get(i));
                }
            }
            for (int i = mine.size() - 1; i > 0; i--) { // Fisher–Yates
                int j = rng.nextInt(i + 1);
                float[] t = mine.get(i);
                mine.set(i, mine.get(j));
                mine.set(j, t);
            }
            int len = 0;
            for (float[] a : mine) {
                len += a.length;
            }
            if (len == 0) {
                continue;
            }
            float[] rec = new float[len];
            int at = 0;
            for (float[] a : mine) {
                System.arraycopy(a, 0, rec, at, a.length);
                at += a.length;
            }
            out.add(rec);
        }
        return out.toArray(float[][]::new);
    }

    /** Mean-pooled c_t of every utterance (N x H). */
    public static float[][] cpcFeatures(Cpc model, Utterances u16k) {
        requireRate(u16k);
        int rf = model.config().receptiveField();
        float[][] out = new float[u16k.size()][];
        for (int i = 0; i < u16k.size(); i++) {
            float[] a = u16k.audio().get(i);
            float[][] c = model.context(a.length < rf ? java.util.Arrays.copyOf(a, rf) : a);
            float[] mean = new float[model.config().gruUnits()];
            for (float[] row : c) {
                for (int j = 0; j < mean.length; j++) {
                    mean[j] += row[j];
                }
            }
            for (int j = 0; j < mean.length; j++) {
                mean[j] /= c.length;
            }
            out[i] = mean;
        }
        return out;
    }

    /** {@link LogMel#pooled} of every utterance (N x 80). */
    public static float[][] logMelFeatures(Utterances u16k) {
        requireRate(u16k);
        float[][] out = new float[u16k.size()][];
        for (int i = 0; i < u16k.size(); i++) {
            out[i] = LogMel.pooled(u16k.audio().get(i));
        }
        return out;
    }

    /** Speaker and word probes on the three feature sets. */
    public static Result probe(Cpc trained, Cpc random, Utterances u16k, Split split, LinearProbe.Options opts) {
        float[][] cpc = cpcFeatures(trained, u16k);
        float[][] rnd = cpcFeatures(random, u16k);
        float[][] mel = logMelFeatures(u16k);
        Accuracies speaker = new Accuracies(probe(cpc, u16k.speaker(), u16k.speakers().size(), split, opts),
                probe(rnd, u16k.speaker(), u16k.speakers().size(), split, opts),
                probe(mel, u16k.speaker(), u16k.speakers().size(), split, opts));
        Accuracies word = new Accuracies(probe(cpc, u16k.word(), u16k.words().size(), split, opts),
                probe(rnd, u16k.word(), u16k.words().size(), split, opts),
                probe(mel, u16k.word(), u16k.words().size(), split, opts));
        return new Result(speaker, word, split.train().length, split.test().length);
    }

    /** Standardise with the training rows' statistics, train a linear probe, return its test top-1. */
    public static double probe(float[][] features, int[] labels, int classes, Split split, LinearProbe.Options opts) {
        if (split.train().length == 0 || split.test().length == 0) {
            return Double.NaN;
        }
        float[][] trainX = pick(features, split.train());
        float[][] testX = pick(features, split.test());
        LinearProbe.standardise(trainX, testX);
        return LinearProbe.top1(trainX, pick(labels, split.train()), testX, pick(labels, split.test()), classes, opts);
    }

    private static float[][] pick(float[][] x, int[] idx) {
        float[][] out = new float[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            out[i] = x[idx[i]].clone();
        }
        return out;
    }

    private static int[] pick(int[] y, int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = y[idx[i]];
        }
        return out;
    }

    static void requireRate(Utterances u) {
        if (u.sampleRate() != RATE) {
            throw new IllegalArgumentException("expected 16 kHz audio, got " + u.sampleRate() + " Hz (use to16k)");
        }
    }
}
