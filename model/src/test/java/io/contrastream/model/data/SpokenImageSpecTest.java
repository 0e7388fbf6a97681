package io.contrastream.model.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.contrastream.model.augment.image.Image;
import io.contrastream.model.data.audio.Utterances;
import io.contrastream.model.data.audio.WavFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fashion-MNIST images paired with spoken class names: parsing, speaker split, seeded pairing. */
class SpokenImageSpecTest {
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path speech;

    @Test
    void parsesTheFormAndKeepsImagesOnlySpecsApart() {
        SpokenImageSpec s = SpokenImageSpec.parse("fashion-mnist-spoken:/data/fm:test:/tmp/speech@10:20");
        assertThat(s.images()).isEqualTo(DataSpec.parse("fashion-mnist:/data/fm:test@10:20"));
        assertThat(s.speech()).isEqualTo(Path.of("/tmp/speech"));
        assertThat(s.split()).isEqualTo("test");
        assertThat(SpokenImageSpec.parse(s.toString())).isEqualTo(s);
        assertThat(SpokenImageSpec.matches("fashion-mnist:/data/fm:train")).isFalse();
        assertThatThrownBy(() -> SpokenImageSpec.parse("fashion-mnist-spoken:/data/fm:train"))
                .hasMessageContaining(SpokenImageSpec.FORM).hasMessageContaining("make-speech --vocabulary fashion-mnist");
        assertThatThrownBy(() -> DataSpec.parse("fashion-mnist-spoken:/data/fm:train:/tmp/s"))
                .hasMessageContaining("unknown type");
    }

    /** 8 speakers x the 10 class words x 2 utterances, utterance (s, w, n) a constant 0.01·(s+1) of length 100·(w+1)+n. */
    static Utterances corpus() {
        List<float[]> audio = new ArrayList<>();
        List<Integer> spk = new ArrayList<>();
        List<Integer> wrd = new ArrayList<>();
        List<String> words = SpokenImageSpec.FASHION_MNIST_WORDS.stream().map(SpokenImageSpec::folder).sorted().toList();
        for (int s = 0; s < 8; s++) {
            for (int w = 0; w < words.size(); w++) {
                for (int n = 0; n < 2; n++) {
                    float[] x = new float[100 * (w + 1) + n];
                    java.util.Arrays.fill(x, 0.01f * (s + 1));
                    audio.add(x);
                    spk.add(s);
                    wrd.add(w);
                }
            }
        }
        List<String> speakers = List.of("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7");
        return new Utterances(audio, 16000, speakers, words, spk.stream().mapToInt(i -> i).toArray(),
                wrd.stream().mapToInt(i -> i).toArray());
    }

    static ImageSet images(int n) {
        List<Image> imgs = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            imgs.add(Image.zeros(1, 28, 28));
            labels[i] = (i * 7) % 10;
        }
        return new ImageSet(imgs, labels, SpokenImageSpec.FASHION_MNIST_WORDS);
    }

    @Test
    void trainAndTestSpeakersAreDisjointAndEveryImageHearsItsClass() {
        Utterances all = corpus();
        Utterances train = SpokenImageSpec.speakersOf(all, false);
        Utterances test = SpokenImageSpec.speakersOf(all, true);
        Set<Integer> trainSpk = new HashSet<>();
        Set<Integer> testSpk = new HashSet<>();
        java.util.Arrays.stream(train.speaker()).forEach(trainSpk::add);
        java.util.Arrays.stream(test.speaker()).forEach(testSpk::add);
        assertThat(testSpk).containsExactlyInAnyOrder(3, 7);
        assertThat(trainSpk).containsExactlyInAnyOrder(0, 1, 2, 4, 5, 6);
        assertThat(train.size() + test.size()).isEqualTo(all.size());

        ImageSet set = images(200);
        SpokenImages a = SpokenImageSpec.pair(set, 0, test, 42L);
        int[] labelOfWord = SpokenImageSpec.wordLabels(test);
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < set.size(); i++) {
            int u = a.utterance()[i];
            assertThat(labelOfWord[test.word()[u]]).isEqualTo(set.labels()[i]);
            assertThat(testSpk).contains(test.speaker()[u]);
            used.add(u);
        }
        assertThat(used.size()).as("the choice varies over the candidates").isGreaterThan(20);
        assertThat(SpokenImageSpec.pair(set, 0, test, 42L).utterance()).isEqualTo(a.utterance());
        assertThat(SpokenImageSpec.pair(set, 0, test, 43L).utterance()).isNotEqualTo(a.utterance());
        // a range keeps each image's pairing: image 50 of the whole set = image 0 of @50:200
        SpokenImages tail = SpokenImageSpec.pair(set.slice(50, 200), 50, test, 42L);
        assertThat(tail.utterance()).isEqualTo(java.util.Arrays.copyOfRange(a.utterance(), 50, 200));
        assertThat(a.audioPerImage().get(5)).isSameAs(a.audio(5));
    }

    @Test
    void aMissingWordNamesTheFix() {
        Utterances all = corpus();
        Utterances noBags = new Utterances(all.audio(), 16000, all.speakers(),
                all.words().stream().map(w -> w.equals("bag") ? "bags" : w).toList(), all.speaker(), all.word());
        assertThatThrownBy(() -> SpokenImageSpec.pair(images(20), 0, noBags, 1L))
                .hasMessageContaining("'bag'").hasMessageContaining("--vocabulary fashion-mnist");
    }

    @Test
    void readsFashionMnistWithAWavCorpusResampledTo16k() throws IOException {
        assumeTrue(Files.isDirectory(FASHION), "Fashion-MNIST not installed");
        for (int s = 0; s < 4; s++) {
            for (String word : SpokenImageSpec.FASHION_MNIST_WORDS) {
                Path d = speech.resolve("s" + s).resolve(SpokenImageSpec.folder(word));
                Files.createDirectories(d);
                WavFile.write(d.resolve("0.wav"), new float[2205], 22050);
            }
        }
        SpokenImages test = SpokenImageSpec.parse("fashion-mnist-spoken:" + FASHION + ":test:" + speech + "@0:30")
                .read(1, 28, 42L);
        assertThat(test.size()).isEqualTo(30);
        assertThat(test.speech().size()).as("speaker 3 only").isEqualTo(10);
        assertThat(test.audio(0)).hasSize(1600);
        assertThat(test.images().labels()).isEqualTo(DataSpec.parse("fashion-mnist:" + FASHION + ":test@0:30")
                .read(1, 28).labels());
    }
}
