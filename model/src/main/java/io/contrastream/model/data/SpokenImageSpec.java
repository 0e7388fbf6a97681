package io.contrastream.model.data;

import io.contrastream.model.data.audio.SincKernel;
import io.contrastream.model.data.audio.Utterances;
import io.contrastream.model.data.audio.WavFolderReader;
import io.contrastream.model.util.Rng;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Fashion-MNIST images paired with spoken class names, for CMC's image + audio views. SPEC:
 * {@code fashion-mnist-spoken:FMNIST_DIR:train|test:SPEECH_DIR[@FROM:TO]}, where SPEECH_DIR is a corpus
 * written by {@code contrastream make-speech --vocabulary fashion-mnist} ({@code <speaker>/<word>/<n>.wav},
 * the words of {@link #FASHION_MNIST_WORDS}, spaces as '_').
 *
 * <pre>{@code
 * SpokenImageSpec spec = SpokenImageSpec.parse("fashion-mnist-spoken:/usr/share/datasets/fashion-mnist:test:/tmp/fm-speech");
 * SpokenImages test = spec.read(1, 28, 42L);   // 10,000 images, each with an utterance of a held-out speaker
 * }</pre>
 *
 * <p>Speakers (sorted by name) are split once: speaker s is a test speaker when s mod 4 = 3 (with
 * fewer than 4 speakers: the last one), so train and test never share a voice. Image i (global index,
 * the range's offset included) with label y is paired with one of the split's utterances of word y,
 * chosen uniformly by {@code Rng.of(seed, 0x5B0C, i)}. Every utterance is resampled to 16 kHz.
 * The images are read exactly as {@code fashion-mnist:FMNIST_DIR:SPLIT[@FROM:TO]} reads them.
 */
public record SpokenImageSpec(DataSpec images, Path speech) {
    public static final String PREFIX = "fashion-mnist-spoken:";
    public static final String FORM = "fashion-mnist-spoken:FMNIST_DIR:train|test:SPEECH_DIR[@FROM:TO]";
    /** The spoken name of each Fashion-MNIST class, by label. */
    public static final List<String> FASHION_MNIST_WORDS = List.of("T-shirt", "trouser", "pullover", "dress", "coat",
            "sandal", "shirt", "sneaker", "bag", "ankle boot");
    private static final long PAIRING_KEY = 0x5B0C;

    /** Whether {@code spec} is of this form (and not an images-only {@link DataSpec}). */
    public static boolean matches(String spec) {
        return spec != null && spec.trim().regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    public static SpokenImageSpec parse(String spec) {
        if (!matches(spec)) {
            throw bad(spec, "it does not start with " + PREFIX);
        }
        String body = spec.trim().substring(PREFIX.length());
        String range = "";
        int at = body.lastIndexOf('@');
        if (at >= 0) {
            range = body.substring(at);
            body = body.substring(0, at);
        }
        String lower = body.toLowerCase(Locale.ROOT);
        int split = lower.lastIndexOf(":train:");
        int len = ":train:".length();
        if (split < 0) {
            split = lower.lastIndexOf(":test:");
            len = ":test:".length();
        }
        if (split <= 0 || split + len >= body.length()) {
            throw bad(spec, "it needs the Fashion-MNIST folder, the split and the speech folder");
        }
        String dir = body.substring(0, split);
        String name = lower.substring(split + 1, split + len - 1);
        Path speech = Path.of(body.substring(split + len));
        return new SpokenImageSpec(DataSpec.parse("fashion-mnist:" + dir + ":" + name + range), speech);
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("bad data spec '" + spec + "': " + why + ". Form: " + FORM
                + " (make the speech with `contrastream make-speech --vocabulary fashion-mnist --out SPEECH_DIR`)");
    }

    public String split() {
        return images.split();
    }

    /** Reads the images (converted and resized as {@link DataSpec#read(int, int)}) and pairs them. */
    public SpokenImages read(int channels, int size, long seed) throws IOException {
        ImageSet set = images.read(channels, size);
        Utterances all = WavFolderReader.read(speech);
        return pair(set, Math.max(0, images.from()), speakersOf(all, split().equals("test")), seed);
    }

    /** The images-only part, as {@link DataSpec#read(int, int)}. */
    public ImageSet readImages(int channels, int size) throws IOException {
        return images.read(channels, size);
    }

    /** Whether speaker s of {@code speakers} belongs to the test split. */
    public static boolean isTestSpeaker(int s, int speakers) {
        return speakers < 4 ? s == speakers - 1 : s % 4 == 3;
    }

    /** The utterances of the test (or train) speakers, resampled to 16 kHz; speaker indices keep the corpus's. */
    public static Utterances speakersOf(Utterances all, boolean test) {
        if (all.speakers().size() < 2) {
            throw new IllegalArgumentException("the speech corpus has " + all.speakers().size()
                    + " speaker(s); train and test need disjoint speakers: make at least 2 (make-speech --speakers 8)");
        }
        List<float[]> audio = new ArrayList<>();
        List<Integer> speaker = new ArrayList<>();
        List<Integer> word = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (isTestSpeaker(all.speaker()[i], all.speakers().size()) == test) {
                audio.add(SincKernel.resample(all.audio().get(i), all.sampleRate(), SpokenImages.RATE));
                speaker.add(all.speaker()[i]);
                word.add(all.word()[i]);
            }
        }
        return new Utterances(audio, SpokenImages.RATE, all.speakers(), all.words(),
                speaker.stream().mapToInt(Integer::intValue).toArray(), word.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The label of each word of {@code speech} ({@link #FASHION_MNIST_WORDS} index), -1 for other words. */
    public static int[] wordLabels(Utterances speech) {
        int[] out = new int[speech.words().size()];
        for (int w = 0; w < out.length; w++) {
            out[w] = -1;
            for (int y = 0; y < FASHION_MNIST_WORDS.size(); y++) {
                if (folder(FASHION_MNIST_WORDS.get(y)).equalsIgnoreCase(speech.words().get(w))) {
                    out[w] = y;
                }
            }
        }
        return out;
    }

    /** The folder name make-speech writes a word to. */
    public static String folder(String word) {
        return word.replace(' ', '_');
    }

    /**
     * Pairs image j (global index {@code offset + j}, label y) with one of {@code speech}'s utterances of
     * class y, chosen by (seed, offset + j).
     */
    public static SpokenImages pair(ImageSet set, int offset, Utterances speech, long seed) {
        int[] labelOfWord = wordLabels(speech);
        List<List<Integer>> byLabel = new ArrayList<>();
        for (int y = 0; y < FASHION_MNIST_WORDS.size(); y++) {
            byLabel.add(new ArrayList<>());
        }
        for (int u = 0; u < speech.size(); u++) {
            int y = labelOfWord[speech.word()[u]];
            if (y >= 0) {
                byLabel.get(y).add(u);
            }
        }
        int[] utterance = new int[set.size()];
        for (int j = 0; j < set.size(); j++) {
            int y = set.labels()[j];
            if (y < 0 || y >= byLabel.size()) {
                throw new IllegalArgumentException("image " + (offset + j) + " has label " + y
                        + ": spoken pairs need Fashion-MNIST labels 0-9");
            }
            List<Integer> c = byLabel.get(y);
            if (c.isEmpty()) {
                throw new IllegalArgumentException("no utterance of '" + FASHION_MNIST_WORDS.get(y)
                        + "' among this split's speakers: make the corpus with `contrastream make-speech --vocabulary"
                        + " fashion-mnist --speakers 8 --out DIR`");
            }
            utterance[j] = c.get(Rng.of(seed, PAIRING_KEY, offset + j).nextInt(c.size()));
        }
        return new SpokenImages(set, speech, utterance);
    }

    @Override
    public String toString() {
        String r = images.hasRange() ? "@" + images.from() + ":" + images.to() : "";
        return PREFIX + images.path() + ":" + split() + ":" + speech + r;
    }
}
