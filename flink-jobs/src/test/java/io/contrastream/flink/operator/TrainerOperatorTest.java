package io.contrastream.flink.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.TrainingExample;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.SyntheticImages;
import io.contrastream.model.method.registry.Recipes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot → restore into a fresh operator on the RocksDB backend → identical weights, optimizer
 * state, queue, pending batch, version counter, and the same outputs afterwards as a run that never
 * stopped.
 */
class TrainerOperatorTest {
    @TempDir
    Path tmp;

    String method = "moco-v2";

    /** Every recipe runs online in the trainer with the same guarantees; "method:key=value" adds a setting. */
    static List<String> methods() {
        List<String> out = new ArrayList<>(io.contrastream.model.method.registry.Recipes.IMAGE_METHODS);
        out.add("cmc:cmc-views=intensity,audio"); // the cross-modal pair: views of two shapes in the pending batch
        return out;
    }

    JobConfig cfg() {
        Map<String, String> m = new java.util.HashMap<>(Map.of("method", method.split(":")[0], "batch", "8",
                "publish-every", "1", "model-id", "default", // the key the test reads back
                "model-store", tmp.resolve("models").toUri().toString()));
        if (io.contrastream.model.method.registry.Recipes.spec(method.split(":")[0]).declares("queue-size")) {
            m.put("queue-size", "32"); // the methods with a queue only: the others refuse the key
        }
        if (method.contains(":")) {
            String[] kv = method.split(":", 2)[1].split("=", 2);
            m.put(kv[0], kv[1]);
        }
        return JobConfig.of(m);
    }

    List<TrainingExample> examples(int n) {
        ImageSet set = SyntheticImages.generate(n, 28, 3);
        AugmentFunction aug = new AugmentFunction(cfg());
        aug.open(null);
        List<TrainingExample> out = new ArrayList<>();
        io.contrastream.model.util.Rng rng = io.contrastream.model.util.Rng.seeded(5);
        for (int i = 0; i < n; i++) {
            DecodedImage d = new DecodedImage("r" + i, "t", i, set.images().get(i), set.labels()[i]);
            d.audio = new float[8000]; // half a second of seeded noise at 16 kHz (used by the audio view only)
            for (int j = 0; j < d.audio.length; j++) {
                d.audio[j] = 0.1f * (rng.nextFloat() - 0.5f);
            }
            out.add(aug.map(d));
        }
        return out;
    }

    KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, ModelUpdate> harness(TrainerOperator op)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(op, e -> e.modelId, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend(true));
        h.setCheckpointStorage(new FileSystemCheckpointStorage(tmp.resolve("checkpoints").toUri()));
        return h;
    }

    /** Retention never deletes the pinned serving version (keep-versions 1, serving-version 1, three versions). */
    @org.junit.jupiter.api.Test
    void retentionKeepsThePinnedServingVersion() throws Exception {
        Map<String, String> m = new java.util.HashMap<>(Map.of("method", "moco-v2", "batch", "8", "queue-size", "32",
                "publish-every", "1", "model-id", "default", "keep-versions", "1", "serving-version", "1",
                "model-store", tmp.resolve("models").toUri().toString()));
        try (var h = harness(new TrainerOperator(JobConfig.of(m)))) {
            h.open();
            for (TrainingExample e : examples(24)) { // 3 steps: versions 1, 2, 3
                h.processElement(new StreamRecord<>(e));
            }
        }
        Path models = tmp.resolve("models").resolve("default");
        org.assertj.core.api.Assertions.assertThat(models.resolve("v1")).as("pinned").exists();
        org.assertj.core.api.Assertions.assertThat(models.resolve("v2")).as("neither pinned nor newest").doesNotExist();
        org.assertj.core.api.Assertions.assertThat(models.resolve("v3")).as("newest").exists();
    }

    /** Each published version carries the history of the steps that made it, next to its weights. */
    @org.junit.jupiter.api.Test
    void everyVersionWritesTheHistoryOfItsSteps() throws Exception {
        try (var h = harness(new TrainerOperator(cfg()))) {
            h.open();
            for (TrainingExample e : examples(16)) { // 2 steps of 8: versions 1 and 2 (publish-every 1)
                h.processElement(new StreamRecord<>(e));
            }
        }
        Path models = tmp.resolve("models").resolve("default");
        List<String> first = java.nio.file.Files.readAllLines(models.resolve("v1").resolve("history.jsonl"));
        List<String> second = java.nio.file.Files.readAllLines(models.resolve("v2").resolve("history.jsonl"));
        org.assertj.core.api.Assertions.assertThat(first).hasSize(1);
        org.assertj.core.api.Assertions.assertThat(first.get(0)).startsWith("{\"step\":1,\"loss\":")
                .contains("\"lr\":", "\"skipped\":false", "\"records_per_s\":null"); // no step before the first
        org.assertj.core.api.Assertions.assertThat(second).hasSize(2);
        org.assertj.core.api.Assertions.assertThat(second.get(0))
                .matches("\\{\"version\":1,\"channel_std\":[0-9.Ee-]+,\"effective_rank\":[0-9.Ee-]+}");
        org.assertj.core.api.Assertions.assertThat(second.get(1)).startsWith("{\"step\":2,")
                .containsPattern("\"records_per_s\":[0-9.Ee]+,");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("methods")
    void snapshotRestoreResumesBitExact(String method) throws Exception {
        this.method = method;
        List<TrainingExample> data = examples(44); // 5 full batches + 4 pending
        List<byte[]> straightOut = new ArrayList<>();
        byte[] straightState;
        TrainerOperator straightOp = new TrainerOperator(cfg());
        try (var h = harness(straightOp)) {
            h.open();
            for (TrainingExample e : data) {
                h.processElement(new StreamRecord<>(e));
            }
            for (Object o : h.getOutput()) {
                straightOut.add(((ModelUpdate) ((StreamRecord<?>) o).getValue()).encoder);
            }
            straightState = straightOp.recipe("default").exportState();
        }

        OperatorSubtaskState snapshot;
        List<byte[]> resumedOut = new ArrayList<>();
        try (var h = harness(new TrainerOperator(cfg()))) {
            h.open();
            for (TrainingExample e : data.subList(0, 20)) { // 2 steps + 4 pending at the checkpoint
                h.processElement(new StreamRecord<>(e));
            }
            for (Object o : h.getOutput()) {
                resumedOut.add(((ModelUpdate) ((StreamRecord<?>) o).getValue()).encoder);
            }
            snapshot = h.snapshot(1L, 1L);
        }
        TrainerOperator restoredOp = new TrainerOperator(cfg());
        try (var h = harness(restoredOp)) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            for (TrainingExample e : data.subList(20, data.size())) {
                h.processElement(new StreamRecord<>(e));
            }
            List<ModelUpdate> after = new ArrayList<>();
            for (Object o : h.getOutput()) {
                after.add((ModelUpdate) ((StreamRecord<?>) o).getValue());
            }
            assertThat(after).extracting(u -> u.version).containsExactly(3L, 4L, 5L);
            after.forEach(u -> resumedOut.add(u.encoder));
            assertThat(restoredOp.recipe("default").exportState()).isEqualTo(straightState);
        }
        byte[] initial;
        try (var fresh = io.contrastream.model.method.registry.Recipes.create(cfg().method(), cfg().recipeParams(),
                cfg().encoderConfig())) {
            initial = fresh.exportEncoder();
        }
        assertThat(straightOut.get(0)).as("the encoder learns in the stream").isNotEqualTo(initial);
        assertThat(straightOut.get(1)).isNotEqualTo(straightOut.get(0));
        assertThat(resumedOut).hasSameSizeAs(straightOut);
        for (int i = 0; i < straightOut.size(); i++) {
            assertThat(resumedOut.get(i)).as("version %d", i + 1).isEqualTo(straightOut.get(i));
        }
    }
}
