package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.model.method.registry.Recipes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's console is the demo's: run in its own JVM (libtorch writes its C++ warnings to the process's stderr,
 * which an in-JVM capture of System.err never sees), at least 90 % of every stdout+stderr line is the demo's own,
 * and neither libtorch's NNPACK warning nor a Flink metric "Name collision" shows; {@code --verbose} brings the
 * job's log back.
 */
class QuietConsoleTest {
    @TempDir
    Path dir;

    record Console(int code, List<String> lines) {
        long own() {
            return lines.stream().filter(l -> l.startsWith("demo:")).count();
        }
    }

    private Console demo(String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=4",
                "-Dai.djl.pytorch.num_interop_threads=1", "-cp", System.getProperty("java.class.path"),
                "io.contrastream.cli.Main", "demo", "--data", "synthetic:320", "--test-data", "synthetic:100:test",
                "--records", "320", "--batch", "32", "--web-port", "0", "--dir", dir.resolve("w" + extra.length).toString(),
                "--set", "checkpoint-interval-ms=500")); // 10 steps, no version: no collapse warning on synthetic data
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("CONTRASTREAM_VERBOSE"); // the defaults under test, whatever the caller's shell says
        pb.environment().remove("CONTRASTREAM_LOG_LEVEL");
        pb.environment().remove("TORCH_CPP_LOG_LEVEL");
        Process p = pb.start();
        p.getOutputStream().close();
        java.util.concurrent.CompletableFuture<String> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        if (!p.waitFor(150, TimeUnit.SECONDS)) { // a hung demo fails the test instead of hanging the build
            p.destroyForcibly().waitFor();
            throw new AssertionError("demo still running after 150 s: " + out.getNow("").lines().toList());
        }
        return new Console(p.exitValue(), out.join().lines().toList());
    }

    @Test
    void theDemosOwnLinesAreAtLeastNinetyPercentOfItsConsole() throws Exception {
        Console c = demo();
        String all = String.join("\n", c.lines());
        assertThat(c.code()).as(all).isZero();
        assertThat(c.lines()).as(all).noneMatch(l -> l.contains("NNPACK")).noneMatch(l -> l.contains("Name collision"));
        System.out.printf(java.util.Locale.ROOT, "quiet-console: demo printed %d lines, %d its own (%.1f %%)%n",
                c.lines().size(), c.own(), 100.0 * c.own() / c.lines().size());
        assertThat((double) c.own() / c.lines().size()).as(all).isGreaterThanOrEqualTo(0.9);
        assertThat(c.lines().get(c.lines().size() - 1)).as(all).startsWith("demo: records=320 embeddings=320");
    }

    /**
     * The demo's encoder over a batch of images (where NNPACK is tried); {@code quiet} sets the console as the demo
     * does. Through a recipe, as the demo's trainer builds one: libtorch warns there, while the serving EncoderModel
     * was measured to print no warning at all (nothing to suppress, so the test would skip).
     */
    public static final class Convolve {
        public static void main(String[] args) throws Exception {
            EmbeddedRun.console(!args[0].equals("quiet"), org.apache.logging.log4j.Level.WARN);
            io.contrastream.flink.config.JobConfig cfg = io.contrastream.flink.config.JobConfig.of(java.util.Map.of());
            try (io.contrastream.model.method.AbstractRecipe model = io.contrastream.model.method.registry.Recipes.create(
                    cfg.method(), cfg.recipeParams(), cfg.encoderConfig())) {
                io.contrastream.model.data.ImageSet images = DataOptions.read("synthetic:64", 1, 28, 0);
                float[][] f = io.contrastream.model.eval.Features.compute(images, 64, model::embed);
                System.out.println("features " + f.length);
            }
        }
    }

    private static String convolve(String mode) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), Convolve.class.getName(), mode)
                .redirectErrorStream(true);
        pb.environment().remove("CONTRASTREAM_VERBOSE");
        pb.environment().remove("TORCH_CPP_LOG_LEVEL");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** libtorch's C++ log lines: "[W1204 05:04:33.660789575 NNPACK.cpp:57] Could not initialize NNPACK! ...". */
    private static final java.util.regex.Pattern TORCH_WARNING = java.util.regex.Pattern.compile(
            "(?m)^\\[W\\d{4} [0-9:.]+ \\S+:\\d+\\]");

    @Test
    void libtorchsCppWarningsAreOffUnlessVerbose() throws Exception {
        String loud = convolve("verbose");
        // the encoder's first forward pass warns (AutoNonVariableTypeMode is deprecated; on a CPU NNPACK refuses,
        // also "Could not initialize NNPACK"): guard on it so a libtorch that says nothing does not pass vacuously
        org.junit.jupiter.api.Assumptions.assumeTrue(TORCH_WARNING.matcher(loud).find(), "libtorch printed no warning");
        String quiet = convolve("quiet");
        assertThat(quiet).contains("features 64");
        assertThat(TORCH_WARNING.matcher(quiet).find()).as(quiet).isFalse();
    }

    @Test
    void verboseBringsTheJobsLogBack() throws Exception {
        Console c = demo("--verbose");
        String all = String.join("\n", c.lines());
        assertThat(c.code()).as(all).isZero();
        assertThat(c.lines()).as(all).anyMatch(l -> l.contains("INFO  KeyedTrainerOperator - trainer snapshot"))
                .noneMatch(l -> l.contains("Name collision"));
    }
}
