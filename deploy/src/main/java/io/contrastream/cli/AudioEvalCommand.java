package io.contrastream.cli;

import io.contrastream.model.data.audio.Utterances;
import io.contrastream.model.data.audio.WavFolderReader;
import io.contrastream.model.eval.audio.AudioProbes;
import io.contrastream.model.eval.audio.SurpriseAnomaly;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.method.cpc.CpcParams;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream audio-eval}: pretrains CPC on the training split of a labelled speech corpus and
 * measures the quality of its features (see {@link AudioProbes} and {@link SurpriseAnomaly}).
 *
 * <pre>{@code
 * contrastream make-speech --out runs/speech
 * contrastream audio-eval --data wavfolder:runs/speech --steps 1500
 * }</pre>
 *
 * <p>Progress goes to stderr (the mean loss of the last 50 steps and steps/s every 50 steps, then the
 * probe and anomaly details); the last line, on stdout, is
 * {@code audio-eval: utterances=U speakers=S words=W steps=N speaker cpc=… random=… logmel=… word cpc=…
 * random=… logmel=… auc_noise cpc=… random=… auc_switch cpc=… random=…}. "random" is the same
 * configuration and seed at initialisation (no step taken). The learning rate follows CpcParams
 * (constant unless {@code --set total-steps=N} asks for a cosine decay).
 */
@Command(name = "audio-eval", mixinStandardHelpOptions = true,
        description = "Pretrain CPC on a speech corpus and evaluate it: speaker/word linear probes vs random-init"
                + " and log-mel, and surprise-based anomaly AUCs (noise bursts, voice switch).")
final class AudioEvalCommand implements Callable<Integer> {
    @Option(names = "--data", description = "wavfolder:DIR (DIR/<speaker>/<word>/*.wav, as make-speech writes)")
    String data;

    @Option(names = "--speech-dir", description = "same as --data wavfolder:DIR")
    Path speechDir;

    @Option(names = "--steps", description = "pretraining steps (default ${DEFAULT-VALUE})", defaultValue = "1500")
    int steps;

    // the options named after a parameter take their defaults from CPC's spec
    @Option(names = "--batch", description = "windows per step (default: CPC's batch)")
    Integer batchOpt;

    @Option(names = "--window-samples", description = "samples per training window at 16 kHz (default: CPC's"
            + " window-samples)")
    Integer windowSamplesOpt;

    @Option(names = "--probe-epochs", description = "linear probe epochs (default ${DEFAULT-VALUE})", defaultValue = "200")
    int probeEpochs;

    @Option(names = "--seed", description = "seed of every random stream (default: CPC's seed)")
    Long seedOpt;

    @Option(names = "--set", description = "CPC parameter KEY=VALUE (repeatable), e.g. --set cpc-channels=128",
            mapFallbackValue = "")
    Map<String, String> overrides = new LinkedHashMap<>();

    AudioEvalCommand() {}

    @Override
    public Integer call() throws Exception {
        Path dir = corpusDir();
        if (steps < 0) {
            throw new IllegalArgumentException("--steps must be >= 0");
        }
        Params params = Cpc.SPEC.defaults();
        if (batchOpt != null) {
            params.set(OptimizerParams.BATCH, batchOpt);
        }
        if (seedOpt != null) {
            params.set(RecipeParams.SEED, seedOpt);
        }
        if (windowSamplesOpt != null) {
            params.set(CpcParams.WINDOW_SAMPLES, windowSamplesOpt);
        }
        overrides.forEach(params::set);
        long seed = params.get(RecipeParams.SEED);
        long t0 = System.nanoTime();
        Utterances raw = WavFolderReader.read(dir);
        Utterances u = AudioProbes.to16k(raw);
        AudioProbes.Split split = AudioProbes.split(u);
        Utterances train = AudioProbes.subset(u, split.train());
        System.err.printf(Locale.ROOT, "audio-eval: %d utterances (%.1f s, read at %d Hz, now 16 kHz), %d speakers,"
                + " %d words; split %d train / %d test; read in %.1f s%n", u.size(), u.seconds(), raw.sampleRate(),
                u.speakers().size(), u.words().size(), split.train().length, split.test().length, secs(t0));
        System.err.println("audio-eval: parameters " + params.asMap());
        try (Cpc trained = new Cpc(params); Cpc random = new Cpc(params)) {
            long start = System.nanoTime();
            double[] window = {0};
            int[] inWindow = {0};
            long[] last = {start};
            AudioProbes.pretrain(trained, train, steps, seed, (step, r) -> {
                if (Float.isFinite(r.loss())) {
                    window[0] += r.loss();
                    inWindow[0]++;
                }
                if (step % 50 == 0 || step == steps) {
                    long now = System.nanoTime();
                    int span = step % 50 == 0 ? 50 : step % 50;
                    System.err.printf(Locale.ROOT, "audio-eval: step %d/%d loss %.4f lr %.2e %.2f steps/s"
                            + " (skipped %d)%n", step, steps, inWindow[0] == 0 ? Double.NaN : window[0] / inWindow[0],
                            r.lr(), span / ((now - last[0]) / 1e9), trained.skippedSteps());
                    window[0] = 0;
                    inWindow[0] = 0;
                    last[0] = now;
                }
            });
            System.err.printf(Locale.ROOT, "audio-eval: pretraining %d steps in %.1f s%n", steps, secs(start));
            long p0 = System.nanoTime();
            AudioProbes.Result probes = AudioProbes.probe(trained, random, u, split,
                    AudioProbes.probeOptions(seed).withEpochs(probeEpochs));
            System.err.printf(Locale.ROOT, "audio-eval: probes %s in %.1f s%n", probes, secs(p0));
            long a0 = System.nanoTime();
            List<SurpriseAnomaly.TestStream> streams = SurpriseAnomaly.build(u, split.test(), seed);
            SurpriseAnomaly.Result at = SurpriseAnomaly.evaluate(trained, streams);
            SurpriseAnomaly.Result ar = SurpriseAnomaly.evaluate(random, streams);
            System.err.printf(Locale.ROOT, "audio-eval: anomaly trained %s%naudio-eval: anomaly random %s (%.1f s)%n", at,
                    ar, secs(a0));
            System.out.printf(Locale.ROOT, "audio-eval: utterances=%d speakers=%d words=%d steps=%d"
                    + " speaker cpc=%.4f random=%.4f logmel=%.4f word cpc=%.4f random=%.4f logmel=%.4f"
                    + " auc_noise cpc=%.4f random=%.4f auc_switch cpc=%.4f random=%.4f%n", u.size(),
                    u.speakers().size(), u.words().size(), steps, probes.speaker().cpc(),
                    probes.speaker().random(), probes.speaker().logmel(), probes.word().cpc(), probes.word().random(),
                    probes.word().logmel(), at.aucNoise(), ar.aucNoise(), at.aucSwitch(), ar.aucSwitch());
        }
        return 0;
    }

    private Path corpusDir() {
        if ((data == null) == (speechDir == null)) {
            throw new IllegalArgumentException("give exactly one of --data wavfolder:DIR and --speech-dir DIR");
        }
        if (speechDir != null) {
            return speechDir;
        }
        if (!data.startsWith("wavfolder:") || data.length() == "wavfolder:".length()) {
            throw new IllegalArgumentException("--data must be wavfolder:DIR, got '" + data + "'");
        }
        return Path.of(data.substring("wavfolder:".length()));
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
