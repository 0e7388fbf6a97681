package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.model.data.audio.WavFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code audio-eval} on a tiny 22,050 Hz corpus of harmonic tones: runs and prints its last line. */
class AudioEvalCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsTheSummaryLine() throws Exception {
        Random r = new Random(2);
        double[] f0 = {120, 260};
        for (int s = 0; s < 2; s++) {
            for (int w = 0; w < 2; w++) {
                Path folder = Files.createDirectories(dir.resolve("s" + s).resolve("w" + w));
                for (int n = 0; n < 4; n++) {
                    float[] x = new float[8820];
                    for (int i = 0; i < x.length; i++) {
                        double t = i / 22050.0;
                        double f = f0[s] * (w == 0 ? 1 : 1 + t);
                        x[i] = (float) (0.2 * Math.sin(2 * Math.PI * f * t) + 0.1 * Math.sin(4 * Math.PI * f * t)
                                + 0.01 * r.nextGaussian());
                    }
                    WavFile.write(folder.resolve(n + ".wav"), x, 22050);
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            code = new CommandLine(new AudioEvalCommand()).execute("--data", "wavfolder:" + dir, "--steps", "2",
                    "--batch", "2", "--window-samples", "4000", "--probe-epochs", "20", "--set", "cpc-channels=8",
                    "--set", "cpc-gru=8");
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String o = out.toString(StandardCharsets.UTF_8);
        String e = err.toString(StandardCharsets.UTF_8);
        assertThat(code).as(e).isZero();
        assertThat(e).contains("audio-eval: step 2/2 loss");
        String last = o.strip().lines().reduce((a, b) -> b).orElse("");
        System.out.println(last);
        assertThat(last).matches("audio-eval: utterances=16 speakers=2 words=2 steps=2 speaker cpc=\\d\\.\\d{4}"
                + " random=\\d\\.\\d{4} logmel=\\d\\.\\d{4} word cpc=\\d\\.\\d{4} random=\\d\\.\\d{4} logmel=\\d\\.\\d{4}"
                + " auc_noise cpc=\\d\\.\\d{4} random=\\d\\.\\d{4} auc_switch cpc=\\d\\.\\d{4} random=\\d\\.\\d{4}");
    }

    @Test
    void needsExactlyOneCorpus() {
        assertThat(new CommandLine(new AudioEvalCommand()).execute("--steps", "1")).isNotZero();
    }
}
