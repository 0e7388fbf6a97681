package io.contrastream.model.data.audio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Reads a labelled speech corpus laid out as {@code DIR/<speaker>/<word>/*.wav} (as {@code contrastream
 * make-speech} writes it).
 *
 * <pre>{@code
 * Utterances u = WavFolderReader.read(Path.of("/tmp/speech"));   // all at the first file's rate
 * }</pre>
 *
 * <p>Order is deterministic: speakers sorted by name, within a speaker the words sorted by name, within
 * a word the files sorted by name. {@code words} is the sorted union of the word folders. Every file is
 * converted to the sample rate of the first file read, with {@link SincKernel#resample} (whole signal,
 * Kaiser-windowed sinc, tail included). Files that are not {@code .wav} and folders at other depths are
 * ignored; a bad WAV is an {@link IOException} naming it; no WAV at all is an error.
 */
public final class WavFolderReader {
    private WavFolderReader() {}

    public static Utterances read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null,
                    "not a folder (expected DIR/<speaker>/<word>/*.wav)");
        }
        List<Path> speakerDirs = subdirs(dir);
        TreeSet<String> wordNames = new TreeSet<>();
        for (Path s : speakerDirs) {
            for (Path w : subdirs(s)) {
                wordNames.add(w.getFileName().toString());
            }
        }
        List<String> words = new ArrayList<>(wordNames);
        List<String> speakers = new ArrayList<>();
        List<float[]> audio = new ArrayList<>();
        List<Integer> spk = new ArrayList<>();
        List<Integer> wrd = new ArrayList<>();
        int rate = -1;
        for (Path s : speakerDirs) {
            int si = -1;
            for (Path w : subdirs(s)) {
                int wi = words.indexOf(w.getFileName().toString());
                for (Path f : wavs(w)) {
                    WavFile.Wav wav = WavFile.read(f);
                    if (rate < 0) {
                        rate = wav.sampleRate();
                    }
                    if (si < 0) {
                        si = speakers.size();
                        speakers.add(s.getFileName().toString());
                    }
                    audio.add(SincKernel.resample(wav.samples(), wav.sampleRate(), rate));
                    spk.add(si);
                    wrd.add(wi);
                }
            }
        }
        if (audio.isEmpty()) {
            throw new IOException("no .wav files under " + dir + " (expected DIR/<speaker>/<word>/*.wav)");
        }
        // keep only the words that have files
        List<String> usedWords = new ArrayList<>();
        int[] remap = new int[words.size()];
        java.util.Arrays.fill(remap, -1);
        for (int w : wrd) {
            if (remap[w] < 0) {
                remap[w] = 0;
            }
        }
        for (int i = 0; i < words.size(); i++) {
            if (remap[i] >= 0) {
                remap[i] = usedWords.size();
                usedWords.add(words.get(i));
            }
        }
        int[] speaker = spk.stream().mapToInt(Integer::intValue).toArray();
        int[] word = wrd.stream().mapToInt(w -> remap[w]).toArray();
        return new Utterances(audio, rate, List.copyOf(speakers), List.copyOf(usedWords), speaker, word);
    }

    private static List<Path> subdirs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    private static List<Path> wavs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p)
                    && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav")).sorted().toList();
        }
    }
}
