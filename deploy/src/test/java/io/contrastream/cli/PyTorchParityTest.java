package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.operator.CpcTrainerOperator;
import io.contrastream.flink.operator.TrainerOperator;
import io.contrastream.flink.store.ModelStore;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.SyntheticImages;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.method.cpc.AudioBatch;
import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.serving.EncoderModel;
import io.contrastream.model.serving.SavedModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code python/contrastream_torch.py} rebuilds each encoder architecture in PyTorch: a model trained a few
 * steps (so batch-norm statistics and weights are not the initial ones) is published to a model store, the
 * script loads the version's {@code encoder.safetensors} with numpy and embeds the same images as the Java
 * {@link EncoderModel}; every coordinate agrees within 1e-5. The same for CPC's g_enc and GRU: the contexts
 * of a wave, against {@code Cpc.context}.
 *
 * <pre>{@code
 * mvn -B -pl deploy test -Dtest=PyTorchParityTest     # needs python3-torch, python3-numpy
 * }</pre>
 *
 * <p>Skipped, with the reason, only where no {@code python3} with torch and numpy exists (.ci/run installs them).
 */
class PyTorchParityTest {
    /** failsafe and surefire run in the module folder, deploy/. */
    private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("python/contrastream_torch.py");
    private static final int N = 6;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"resnet-small", "resnet18", "vit-tiny"})
    void pytorchEmbedsAsJava(String arch) throws Exception {
        String python = python();
        assumeTrue(python != null, "skipped: no python3 with the modules torch and numpy "
                + "(apt-get install python3-torch python3-numpy; .ci/run installs them)");
        assertThat(SCRIPT).isRegularFile();
        JobConfig cfg = JobConfig.of(Map.of("method", "simclr", "encoder", arch));
        ImageSet images = SyntheticImages.generate(N + 4, 28, 3);
        String store = dir.resolve("models").toUri().toString();
        ModelStore.Published p;
        try (AbstractRecipe r = Recipes.create(cfg.method(), cfg.recipeParams(), cfg.encoderConfig())) {
            ViewBatch b = new ViewBatch(4, 1, 28, 28, List.of(flat(images, 0, 4), flat(images, 4, 4)), new long[4]);
            for (int i = 0; i < 3; i++) {
                r.step(b);
            }
            p = ModelStore.publish(store, "parity", 1, r.stepCount(), 0.0, r.exportEncoder(),
                    TrainerOperator.servingMetadata(cfg));
        }
        Path version = Path.of(java.net.URI.create(p.uri()));
        float[] x = flat(images, 4, N); // N x 1 x 28 x 28, two of them seen in training
        float[][] expected;
        try (EncoderModel m = SavedModel.loadEncoder(version)) {
            expected = m.embed(x, N);
        }

        Path in = dir.resolve("x.f32");
        Path out = dir.resolve("h.f32");
        ByteBuffer bytes = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(x);
        Files.write(in, bytes.array());
        Process proc = new ProcessBuilder(python, SCRIPT.toString(), version.toString(), "--images", in.toString(),
                "--out", out.toString()).redirectErrorStream(true).start();
        String output = new String(proc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(proc.waitFor(5, TimeUnit.MINUTES)).as(output).isTrue();
        assertThat(proc.exitValue()).as(output).isZero();
        assertThat(output).contains("encoder: simclr " + arch + ", input 1x28x28");
        System.out.print("pytorch parity " + arch + ": the script printed: " + output);

        ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        int d = expected[0].length;
        assertThat(h.capacity()).as("N x D floats").isEqualTo(4 * N * d);
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < d; j++) {
                float t = h.getFloat(4 * (i * d + j));
                maxDiff = Math.max(maxDiff, Math.abs(t - expected[i][j]));
                maxAbs = Math.max(maxAbs, Math.abs(expected[i][j]));
            }
        }
        System.out.printf(Locale.ROOT, "pytorch parity %s: max |h_torch - h_java| = %.2e over %d x %d (max |h| %.3g)%n",
                arch, maxDiff, N, d, maxAbs);
        assertThat(maxDiff).isLessThanOrEqualTo(1e-5);
    }

    /** CPC: g_enc and g_ar rebuilt in PyTorch give the contexts c_t of a wave that {@code Cpc.context} gives. */
    @org.junit.jupiter.api.Test
    void pytorchCpcContextsAsJava() throws Exception {
        String python = python();
        assumeTrue(python != null, "skipped: no python3 with the modules torch and numpy "
                + "(apt-get install python3-torch python3-numpy; .ci/run installs them)");
        int window = 465 + 11 * 160; // 12 frames
        JobConfig cfg = JobConfig.of(Map.of("method", "cpc", "cpc-channels", "16", "cpc-gru", "12", "cpc-steps", "4",
                "window-samples", String.valueOf(window), "batch", "4"));
        float[] wave = new float[4000];
        for (int i = 0; i < wave.length; i++) { // two tones and a click
            wave[i] = (float) (0.4 * Math.sin(i * 0.031) + 0.2 * Math.sin(i * 0.173) + (i % 997 == 0 ? 0.3 : 0));
        }
        ModelStore.Published p;
        float[][] expected;
        try (Cpc cpc = new Cpc(cfg.recipeParams())) {
            float[][] windows = new float[4][window];
            for (int w = 0; w < 4; w++) {
                System.arraycopy(wave, 300 * w, windows[w], 0, window);
            }
            for (int i = 0; i < 3; i++) {
                cpc.step(AudioBatch.of(windows));
            }
            p = ModelStore.publish(dir.resolve("models").toUri().toString(), "cpc", 1, cpc.stepCount(), 0.0,
                    cpc.exportEncoder(), CpcTrainerOperator.servingMetadata(cfg));
            expected = cpc.context(wave); // T' x H
        }
        Path in = dir.resolve("wave.f32");
        Path out = dir.resolve("c.f32");
        ByteBuffer bytes = ByteBuffer.allocate(4 * wave.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(wave);
        Files.write(in, bytes.array());
        Process proc = new ProcessBuilder(python, SCRIPT.toString(), Path.of(java.net.URI.create(p.uri())).toString(),
                "--images", in.toString(), "--out", out.toString()).redirectErrorStream(true).start();
        String output = new String(proc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(proc.waitFor(5, TimeUnit.MINUTES)).as(output).isTrue();
        assertThat(proc.exitValue()).as(output).isZero();
        assertThat(output).contains("encoder: cpc cpc-encoder, input windows of " + window + " samples, h 12-d");

        ByteBuffer c = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        int frames = expected.length;
        int h = expected[0].length;
        assertThat(c.capacity()).as("T' x H floats").isEqualTo(4 * frames * h);
        double maxDiff = 0;
        for (int t = 0; t < frames; t++) {
            for (int j = 0; j < h; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(c.getFloat(4 * (t * h + j)) - expected[t][j]));
            }
        }
        System.out.printf(Locale.ROOT, "pytorch parity cpc: max |c_torch - c_java| = %.2e over %d x %d%n", maxDiff,
                frames, h);
        assertThat(maxDiff).isLessThanOrEqualTo(1e-5);
    }

    static float[] flat(ImageSet set, int from, int n) {
        int len = set.images().get(0).data.length;
        float[] out = new float[n * len];
        for (int i = 0; i < n; i++) {
            System.arraycopy(set.images().get(from + i).data, 0, out, i * len, len);
        }
        return out;
    }

    /** {@code python3} with torch and numpy (see {@link Python}), or null. */
    static String python() {
        return Python.with("import torch, numpy");
    }
}
