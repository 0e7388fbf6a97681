package io.contrastream.cli;

import io.contrastream.model.data.SpokenImageSpec;
import io.contrastream.model.data.audio.WavFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream make-speech}: a small labelled speech corpus synthesised with Debian's espeak-ng,
 * laid out for {@code WavFolderReader} / {@code produce --data wavfolder:DIR}.
 *
 * <pre>{@code
 * contrastream make-speech --out /tmp/speech --speakers 8 --per-word 3
 * contrastream produce --data wavfolder:/tmp/speech --streams 8
 * contrastream make-speech --out /tmp/fm-speech --vocabulary fashion-mnist --speakers 12 --per-word 5
 * }</pre>
 *
 * <p>Speaker i uses the espeak-ng voice variant {@code en+VARIANT} with VARIANT from m1, f1, m2, f2, ...,
 * m7, f5 (12 variants, then again from the start), a base pitch ({@code -p}, 20..80) and speed ({@code -s},
 * 130..200 words/min) drawn from {@code Random(seed)}; each utterance jitters them by ±4 pitch and ±10
 * speed (so repetitions differ). Vocabulary: {@link #WORDS} then {@link #SENTENCES}, or with
 * {@code --vocabulary fashion-mnist} the ten Fashion-MNIST class names ("T-shirt", "trouser", ..., "ankle
 * boot"; CMC's spoken image pairs, {@code --data fashion-mnist-spoken:FMNIST_DIR:train:DIR}); {@code --words N}
 * keeps the first N. Files: {@code DIR/<speaker>/<word>/<n>.wav} at espeak-ng's native 22,050 Hz, 16-bit
 * mono; speaker names are {@code sNN-VARIANT-pP-sS}, sentence folders use '_' for spaces. Each espeak-ng
 * process runs with a {@value #TIMEOUT_SECONDS} s timeout.
 */
@Command(name = "make-speech", mixinStandardHelpOptions = true,
        description = "Synthesise a labelled speech corpus with espeak-ng: DIR/<speaker>/<word>/<n>.wav (22,050 Hz).")
final class MakeSpeechCommand implements Callable<Integer> {
    static final String ESPEAK = "/usr/bin/espeak-ng";
    static final int TIMEOUT_SECONDS = 30;
    static final List<String> WORDS = List.of("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go");
    static final List<String> SENTENCES = List.of("the cat sat on the mat", "open the door please",
            "it is going to rain today", "turn the music down", "where is the station");
    static final List<String> VARIANTS = List.of("m1", "f1", "m2", "f2", "m3", "f3", "m4", "f4", "m5", "f5", "m6",
            "m7");

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    // Fields start at the same defaults as the options: AudioDemo builds this command in code, where picocli
    // never runs, and a field it does not set must not be null (that was the audio demo's NullPointerException).
    @Option(names = "--speakers", description = "speakers (default ${DEFAULT-VALUE})", defaultValue = "8")
    int speakers = 8;

    @Option(names = "--per-word", description = "utterances per speaker and word (default ${DEFAULT-VALUE})",
            defaultValue = "3")
    int perWord = 3;

    @Option(names = "--vocabulary", description = "default (10 command words + 5 sentences) or fashion-mnist (the 10"
            + " class names, for fashion-mnist-spoken data) (default ${DEFAULT-VALUE})", defaultValue = "default")
    String vocabulary = "default";

    @Option(names = "--words", description = "use the first N words of the vocabulary (0 = all, default)",
            defaultValue = "0")
    int words;

    @Option(names = "--voice-seed", description = "seed of the speakers' pitch and speed (default ${DEFAULT-VALUE})",
            defaultValue = "7")
    long seed = 7;

    @Option(names = "--espeak", description = "the espeak-ng binary (default ${DEFAULT-VALUE})", defaultValue = ESPEAK)
    Path espeak = Path.of(ESPEAK);

    @Override
    public Integer call() throws Exception {
        if (speakers <= 0 || perWord <= 0 || words < 0) {
            throw new IllegalArgumentException("--speakers and --per-word must be positive and --words >= 0, got "
                    + speakers + ", " + perWord + ", " + words);
        }
        if (!Files.isExecutable(espeak)) {
            System.err.println("contrastream: espeak-ng is not installed (" + espeak + " not found). Install it with"
                    + " `sudo apt-get install espeak-ng` (Debian/Ubuntu).");
            return 1;
        }
        List<String> vocab = vocabulary(vocabulary);
        if (words > 0 && words < vocab.size()) {
            vocab = vocab.subList(0, words);
        }
        long start = System.nanoTime();
        Random rnd = new Random(seed);
        int digits = String.valueOf(perWord - 1).length();
        long utterances = 0;
        double seconds = 0;
        for (int s = 0; s < speakers; s++) {
            String variant = VARIANTS.get(s % VARIANTS.size());
            int pitch = 20 + rnd.nextInt(61);
            int speed = 130 + rnd.nextInt(71);
            String name = String.format(Locale.ROOT, "s%02d-%s-p%d-s%d", s, variant, pitch, speed);
            for (String text : vocab) {
                Path dir = out.resolve(name).resolve(text.replace(' ', '_'));
                Files.createDirectories(dir);
                for (int n = 0; n < perWord; n++) {
                    int p = Math.max(0, Math.min(99, pitch + rnd.nextInt(9) - 4));
                    int sp = Math.max(80, speed + rnd.nextInt(21) - 10);
                    Path file = dir.resolve(String.format(Locale.ROOT, "%0" + digits + "d.wav", n));
                    speak(List.of(espeak.toString(), "-v", "en+" + variant, "-p", String.valueOf(p), "-s",
                            String.valueOf(sp), "-w", file.toString(), text), file);
                    seconds += WavFile.read(file).seconds();
                    utterances++;
                }
            }
        }
        System.out.printf(Locale.ROOT, "make-speech: speakers=%d words=%d utterances=%d seconds=%.1f dir=%s%n",
                speakers, vocab.size(), utterances, seconds, out);
        System.err.printf(Locale.ROOT, "make-speech: took %.1f s%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** The texts of a named vocabulary. */
    static List<String> vocabulary(String name) {
        return switch (name) {
            case "default" -> {
                List<String> v = new ArrayList<>(WORDS);
                v.addAll(SENTENCES);
                yield v;
            }
            case "fashion-mnist" -> new ArrayList<>(SpokenImageSpec.FASHION_MNIST_WORDS);
            default -> throw new IllegalArgumentException("unknown --vocabulary '" + name
                    + "': use default or fashion-mnist");
        };
    }

    private static void speak(List<String> cmd, Path file) throws IOException, InterruptedException {
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        proc.getOutputStream().close();
        if (!proc.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            throw new IOException("espeak-ng timed out after " + TIMEOUT_SECONDS + " s: " + String.join(" ", cmd));
        }
        String msg = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (proc.exitValue() != 0 || !Files.isRegularFile(file)) {
            throw new IOException("espeak-ng failed (exit " + proc.exitValue() + "): " + String.join(" ", cmd)
                    + (msg.isEmpty() ? "" : ": " + msg));
        }
    }
}
