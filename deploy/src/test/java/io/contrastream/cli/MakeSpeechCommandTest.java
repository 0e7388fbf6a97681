package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.model.data.audio.Utterances;
import io.contrastream.model.data.audio.WavFile;
import io.contrastream.model.data.audio.WavFolderReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** make-speech writes a readable, labelled 22,050 Hz corpus (needs Debian's espeak-ng). */
class MakeSpeechCommandTest {
    @TempDir
    Path dir;

    @Test
    void twoSpeakersTwoWordsMakeReadableNonSilentFiles() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(MakeSpeechCommand.ESPEAK)),
                "espeak-ng is not installed (apt-get install espeak-ng)");
        Path out = dir.resolve("speech");
        CommandLineTest.Result r = CommandLineTest.run("make-speech", "--out", out.toString(), "--speakers", "2",
                "--words", "2", "--per-word", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("make-speech: speakers=2 words=2 utterances=8 seconds=\\d+\\.\\d dir="
                + java.util.regex.Pattern.quote(out.toString()));
        List<Path> files;
        try (Stream<Path> s = Files.walk(out)) {
            files = s.filter(p -> p.toString().endsWith(".wav")).sorted().toList();
        }
        assertThat(files).hasSize(8);
        for (Path f : files) {
            WavFile.Wav w = WavFile.read(f);
            assertThat(w.sampleRate()).isEqualTo(22050);
            assertThat(w.seconds()).isBetween(0.1, 5.0);
            double peak = 0;
            for (float v : w.samples()) {
                peak = Math.max(peak, Math.abs(v));
            }
            assertThat(peak).as(f.toString()).isGreaterThan(0.05);
        }
        Utterances u = WavFolderReader.read(out);
        assertThat(u.size()).isEqualTo(8);
        assertThat(u.speakers()).hasSize(2).allSatisfy(s -> assertThat(s).matches("s0[01]-(m|f)\\d-p\\d+-s\\d+"));
        assertThat(u.words()).containsExactly("no", "yes");
        // repetitions differ (jittered pitch and speed)
        assertThat(u.audio().get(0)).isNotEqualTo(u.audio().get(1));
        // the same seed gives the same corpus
        Path again = dir.resolve("again");
        assertThat(CommandLineTest.run("make-speech", "--out", again.toString(), "--speakers", "2", "--words", "2",
                "--per-word", "2").code()).isZero();
        assertThat(WavFolderReader.read(again).speakers()).isEqualTo(u.speakers());
    }

    /**
     * AudioDemo builds the command in code, where picocli never applies the options' defaults: every field it does
     * not set must still hold its option's default (the audio demo failed with a NullPointerException on
     * {@code vocabulary}).
     */
    @Test
    void aCommandBuiltInCodeRunsOnTheOptionDefaults() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(MakeSpeechCommand.ESPEAK)),
                "espeak-ng is not installed (apt-get install espeak-ng)");
        MakeSpeechCommand make = new MakeSpeechCommand();
        make.out = dir.resolve("in-code");
        make.speakers = 1;
        make.words = 1;
        make.perWord = 1;
        assertThat(make.call()).isZero();
        Utterances u = WavFolderReader.read(make.out);
        assertThat(u.size()).isEqualTo(1);
        assertThat(u.words()).containsExactly(MakeSpeechCommand.WORDS.get(0));
    }

    @Test
    void aMissingEspeakIsNamedWithTheInstallCommand() {
        CommandLineTest.Result r = CommandLineTest.run("make-speech", "--out", dir.toString(), "--espeak",
                dir.resolve("no-such-espeak").toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("apt-get install espeak-ng");
    }
}
