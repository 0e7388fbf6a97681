package io.contrastream.model.data.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DIR/<speaker>/<word>/*.wav reads in sorted order, labelled, at the first file's rate. */
class WavFolderReaderTest {
    @TempDir
    Path dir;

    static float[] constant(int n, float v) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, v);
        return x;
    }

    void put(String speaker, String word, String name, float[] x, int rate) throws IOException {
        Path d = dir.resolve(speaker).resolve(word);
        Files.createDirectories(d);
        WavFile.write(d.resolve(name), x, rate);
    }

    @Test
    void readsTheTreeInSortedOrderWithLabels() throws IOException {
        put("bob", "yes", "1.wav", constant(100, 0.1f), 22050);
        put("bob", "yes", "0.wav", constant(200, 0.2f), 22050);
        put("bob", "no", "0.wav", constant(300, 0.3f), 22050);
        put("alice", "yes", "0.wav", constant(400, 0.4f), 22050);
        put("alice", "stop", "0.wav", constant(500, 0.5f), 22050);
        Files.writeString(dir.resolve("alice").resolve("stop").resolve("notes.txt"), "ignored");
        Files.writeString(dir.resolve("README"), "ignored");

        Utterances u = WavFolderReader.read(dir);
        assertThat(u.sampleRate()).isEqualTo(22050);
        assertThat(u.speakers()).containsExactly("alice", "bob");
        assertThat(u.words()).containsExactly("no", "stop", "yes");
        assertThat(u.size()).isEqualTo(5);
        // alice/stop, alice/yes, bob/no, bob/yes/0, bob/yes/1
        assertThat(u.audio().stream().map(a -> a.length).toList()).containsExactly(500, 400, 300, 200, 100);
        assertThat(u.speaker()).containsExactly(0, 0, 1, 1, 1);
        assertThat(u.word()).containsExactly(1, 2, 0, 2, 2);
        assertThat(u.audio().get(2)[0]).isCloseTo(0.3f, org.assertj.core.api.Assertions.within(1e-4f));
        assertThat(u.seconds()).isCloseTo(1500 / 22050.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(WavFolderReader.read(dir).audio().get(0)).containsExactly(u.audio().get(0));
    }

    @Test
    void otherRatesAreResampledToTheFirstFilesRate() throws IOException {
        put("a", "w", "0.wav", constant(1600, 0.5f), 16000);
        put("b", "w", "0.wav", constant(800, 0.5f), 8000);
        Utterances u = WavFolderReader.read(dir);
        assertThat(u.sampleRate()).isEqualTo(16000);
        assertThat(u.audio().get(1)).hasSize(1600);
        assertThat(u.audio().get(1)[800]).isCloseTo(0.5f, org.assertj.core.api.Assertions.within(1e-3f));
    }

    @Test
    void emptyOrMissingFoldersAreClearErrors() throws IOException {
        Files.createDirectories(dir.resolve("a").resolve("w"));
        assertThatThrownBy(() -> WavFolderReader.read(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("no .wav files under");
        assertThatThrownBy(() -> WavFolderReader.read(dir.resolve("missing"))).isInstanceOf(IOException.class)
                .hasMessageContaining("missing");
        Files.writeString(dir.resolve("a").resolve("w").resolve("bad.wav"), "junk");
        assertThatThrownBy(() -> WavFolderReader.read(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("bad.wav");
    }

    @Test
    void utterancesCheckTheirShape() {
        assertThatThrownBy(() -> new Utterances(List.of(new float[1]), 16000, List.of("s"), List.of("w"), new int[0],
                new int[] {0})).isInstanceOf(IllegalArgumentException.class);
    }
}
