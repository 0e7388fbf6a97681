package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** pretrain → eval through the real command line on a small generated IDX set. */
class CommandLineTest {
    @TempDir
    Path dir;

    @Test
    void pretrainThenEvalPrintsTheReportLine() throws Exception {
        Path images = dir.resolve("images.idx");
        Path labels = dir.resolve("labels.idx");
        writeIdx(images, labels, 320, 7);
        String spec = "idx:" + images + "," + labels;
        Path model = dir.resolve("model");

        Result pre = run("pretrain", "--method", "moco-v2", "--data", spec, "--epochs", "1", "--batch", "32",
                "--set", "queue-size=64", "--out", model.toString());
        assertThat(pre.code).isZero();
        assertThat(pre.out).contains("pretrain: method=moco-v2 steps=10 skipped=0");
        assertThat(model.resolve("model.json")).exists();
        assertThat(model.resolve("state.bin")).exists();
        List<String> history = Files.readAllLines(model.resolve("history.jsonl"));
        assertThat(history).as("a line per step and the collapse figures of the epoch").hasSize(11);
        assertThat(history.get(0)).startsWith("{\"epoch\":0,\"step\":1,\"loss\":").contains("\"images_per_s\":");
        assertThat(history.get(10)).matches("\\{\"epoch_end\":0,\"channel_std\":[0-9.Ee-]+,\"effective_rank\":[0-9.Ee-]+}");

        Result eval = run("eval", "--model", model.toString(), "--train-data", spec + "@0:240", "--test-data",
                spec + "@240:320", "--k", "20", "--probe-epochs", "5");
        assertThat(eval.code).isZero();
        String last = eval.out.strip().lines().reduce((a, b) -> b).orElse("");
        assertThat(last).matches("knn_top1=[01]\\.\\d{4} linear_top1=[01]\\.\\d{4} raw_knn_top1=[01]\\.\\d{4} random_knn_top1=[01]\\.\\d{4}");
        assertThat(eval.err).as("eval shows its progress").contains("eval: embedding 240 images (trained) ...",
                "eval: embedding 80 images (trained): done",
                "eval: linear probe, 5 epochs: done");
    }

    /**
     * {@code eval --model} also takes a model-store version directory: the pretrained encoder published there
     * (with the streaming trainer's description) gives the very report line of the pretrain directory, random
     * baseline included (the version's metadata carries the seed of its initial weights).
     */
    @Test
    void evalTakesAModelStoreVersionDirectory() throws Exception {
        Path images = dir.resolve("images.idx");
        Path labels = dir.resolve("labels.idx");
        writeIdx(images, labels, 200, 3);
        String spec = "idx:" + images + "," + labels;
        Path model = dir.resolve("model");
        assertThat(run("pretrain", "--method", "simclr", "--data", spec, "--epochs", "1", "--batch", "32", "--out",
                model.toString()).code).isZero();
        io.contrastream.flink.config.JobConfig cfg = io.contrastream.flink.config.JobConfig.of(java.util.Map.of("method",
                "simclr"));
        var p = io.contrastream.flink.store.ModelStore.publish(dir.resolve("store").toUri().toString(), "default", 1, 6,
                0.0, Files.readAllBytes(model.resolve("encoder.bin")),
                io.contrastream.flink.operator.TrainerOperator.servingMetadata(cfg));
        Path version = Path.of(java.net.URI.create(p.uri()));

        String[] data = {"--train-data", spec + "@0:150", "--test-data", spec + "@150:200", "--k", "20",
            "--probe-epochs", "3"};
        Result fromPretrain = run(concat(new String[] {"eval", "--model", model.toString()}, data));
        Result fromStore = run(concat(new String[] {"eval", "--model", version.toString()}, data));
        assertThat(fromStore.code).as(fromStore.err).isZero();
        assertThat(fromStore.err).contains("eval: simclr (step 6) on 150 train / 50 test images");
        String last = fromStore.out.strip().lines().reduce((a, b) -> b).orElse("");
        assertThat(last).matches("knn_top1=[01]\\.\\d{4} linear_top1=[01]\\.\\d{4} raw_knn_top1=[01]\\.\\d{4} random_knn_top1=[01]\\.\\d{4}");
        assertThat(last).isEqualTo(fromPretrain.out.strip().lines().reduce((a, b) -> b).orElse(""));
        System.out.println("eval --model <version dir>: " + last);
        // what eval measured: the same features, bit for bit, as the pretrained recipe's
        float[] x = new float[4 * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 29) / 29f;
        }
        try (var recipe = io.contrastream.model.serving.SavedModel.load(model);
                var served = io.contrastream.model.serving.SavedModel.loadEncoder(version);
                var initial = io.contrastream.model.serving.SavedModel.initialEncoder(version);
                var initialRecipe = io.contrastream.model.serving.SavedModel.create(model)) {
            assertThat(served.embed(x, 4)).isDeepEqualTo(recipe.embed(x, 4));
            assertThat(initial.embed(x, 4)).isDeepEqualTo(initialRecipe.embed(x, 4));
            assertThat(java.util.Arrays.deepEquals(served.embed(x, 4), initial.embed(x, 4))).as("trained").isFalse();
        }
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void badSpecGivesAnErrorThatShowsTheForms() {
        Result r = run("pretrain", "--method", "simclr", "--data", "nonsense:foo", "--out", dir.toString());
        assertThat(r.code).isNotZero();
        assertThat(r.err).contains("fashion-mnist:");
    }

    @Test
    void unknownMethodIsNamed() {
        Result r = run("pretrain", "--method", "mocov9", "--data", "idx:a,b", "--out", dir.toString());
        assertThat(r.code).isNotZero();
        assertThat(r.err).contains("mocov9").contains("moco-v2");
    }

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new Main()).execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Two classes: a bright square on the left or on the right, with noise. */
    static void writeIdx(Path images, Path labels, int n, long seed) throws IOException {
        Random rnd = new Random(seed);
        try (DataOutputStream im = new DataOutputStream(Files.newOutputStream(images));
                DataOutputStream lb = new DataOutputStream(Files.newOutputStream(labels))) {
            im.writeInt(0x00000803);
            im.writeInt(n);
            im.writeInt(28);
            im.writeInt(28);
            lb.writeInt(0x00000801);
            lb.writeInt(n);
            for (int i = 0; i < n; i++) {
                int label = i % 2;
                lb.writeByte(label);
                int x0 = label == 0 ? 3 : 15;
                int y0 = 4 + rnd.nextInt(12);
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        boolean on = x >= x0 && x < x0 + 10 && y >= y0 && y < y0 + 10;
                        im.writeByte(on ? 200 + rnd.nextInt(55) : rnd.nextInt(40));
                    }
                }
            }
        }
    }
}
