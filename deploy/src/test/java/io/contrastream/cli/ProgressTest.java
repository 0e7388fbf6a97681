package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A stage prints its start, each tenth of its items once, and its end. */
class ProgressTest {
    @Test
    void aLineAtEveryTenthAndAtTheEnds() {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            Progress.Stage s = new Progress("eval", System.nanoTime()).stage("embedding 1000 images", 1000);
            for (int i = 0; i < 20; i++) {
                s.advance(50);
            }
            s.done();
        } finally {
            System.setErr(err);
        }
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(11);
        assertThat(lines.get(0)).startsWith("eval: embedding 1000 images ... (");
        assertThat(lines.get(1)).startsWith("eval: embedding 1000 images: 100/1000 (10 %), ");
        assertThat(lines.get(9)).startsWith("eval: embedding 1000 images: 900/1000 (90 %), ");
        assertThat(lines.get(10)).startsWith("eval: embedding 1000 images: done, ");
    }
}
