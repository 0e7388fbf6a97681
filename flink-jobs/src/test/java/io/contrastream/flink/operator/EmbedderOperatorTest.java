package io.contrastream.flink.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.store.ModelStore;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.SyntheticImages;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.method.registry.Recipes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Micro-batching embedder: a batch forms at {@code embed-batch} records or after
 * {@code embed-max-delay-ms}; batched vectors equal one-by-one ones; a new version is used from the
 * next record on; nothing is buffered across a checkpoint; a restored operator keeps its version,
 * whose weights it reads from the model store by the reference in its (small) state; an unreadable
 * store at restore fails the task loudly instead of embedding with other weights; rescaling hands
 * every new subtask the newest reference; a savepoint with the encoder in state still restores.
 */
class EmbedderOperatorTest {
    @TempDir
    Path tmp;

    final ImageSet images = SyntheticImages.generate(12, 28, 5);

    JobConfig cfg() {
        return JobConfig.of(Map.of("method", "simclr", "batch", "8", "embed-batch", "4", "embed-max-delay-ms", "50"));
    }

    TwoInputStreamOperatorTestHarness<DecodedImage, ModelUpdate, EmbeddingRecord> harness(
            TwoInputStreamOperator<DecodedImage, ModelUpdate, EmbeddingRecord> op) throws Exception {
        return harness(op, 1, 0);
    }

    /** Subtask {@code index} of {@code parallelism}. */
    TwoInputStreamOperatorTestHarness<DecodedImage, ModelUpdate, EmbeddingRecord> harness(
            TwoInputStreamOperator<DecodedImage, ModelUpdate, EmbeddingRecord> op, int parallelism, int index)
            throws Exception {
        var h = new TwoInputStreamOperatorTestHarness<>(op, 128, parallelism, index);
        h.setStateBackend(new EmbeddedRocksDBStateBackend(true));
        h.setCheckpointStorage(new FileSystemCheckpointStorage(tmp.resolve("checkpoints").toUri()));
        return h;
    }

    StreamRecord<DecodedImage> record(int i) {
        return new StreamRecord<>(new DecodedImage("r" + i, "t", i, images.images().get(i), images.labels()[i]));
    }

    static List<EmbeddingRecord> outputs(TwoInputStreamOperatorTestHarness<?, ?, EmbeddingRecord> h) {
        List<EmbeddingRecord> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((EmbeddingRecord) r.getValue());
            }
        }
        return out;
    }

    /** A version 1 encoder: the initial weights after two training steps. */
    ModelUpdate trainedVersion(JobConfig cfg) throws Exception {
        return trainedVersion(cfg, 1, 2);
    }

    /**
     * Version {@code version}: the initial weights after {@code steps} training steps, stored where a
     * trainer publishes it ({@code <store>/<model-id>/v<version>/encoder.bin}) and referenced by uri.
     */
    ModelUpdate trainedVersion(JobConfig cfg, long version, int steps) throws Exception {
        ModelUpdate u = train(cfg, steps);
        u.version = version;
        Path dir = tmp.resolve("models").resolve(u.modelId).resolve("v" + version);
        Files.createDirectories(dir);
        Files.write(dir.resolve(ModelStore.ENCODER), u.encoder);
        u.uri = dir.toUri().toString();
        return u;
    }

    ModelUpdate train(JobConfig cfg, int steps) {
        try (AbstractRecipe r = Recipes.create(cfg.method(), cfg.recipeParams(), cfg.encoderConfig())) {
            float[] v0 = new float[8 * 784];
            float[] v1 = new float[8 * 784];
            for (int i = 0; i < 8; i++) {
                System.arraycopy(images.images().get(i).data, 0, v0, i * 784, 784);
                System.arraycopy(images.images().get(i + 1).data, 0, v1, i * 784, 784);
            }
            ViewBatch b = new ViewBatch(8, 1, 28, 28, List.of(v0, v1), new long[8]);
            for (int i = 0; i < steps; i++) {
                r.step(b);
            }
            ModelUpdate u = new ModelUpdate();
            u.modelId = cfg.get(JobParams.MODEL_ID);
            u.version = 1;
            u.encoder = r.exportEncoder();
            return u;
        }
    }

    float[] oneByOne(JobConfig cfg, byte[] encoder, int i) {
        try (AbstractRecipe r = Recipes.create(cfg.method(), cfg.recipeParams(), cfg.encoderConfig())) {
            if (encoder != null) {
                r.importEncoder(encoder);
            }
            return r.embed(images.images().get(i).data, 1)[0];
        }
    }

    @Test
    void batchesBySizeAndByDelayAndMatchOneByOne() throws Exception {
        JobConfig cfg = cfg();
        try (var h = harness(new EmbedderOperator(cfg))) {
            h.open();
            h.setProcessingTime(0);
            for (int i = 0; i < 3; i++) {
                h.processElement1(record(i));
            }
            assertThat(outputs(h)).isEmpty(); // waiting for a 4th record or the delay
            h.processElement1(record(3));
            assertThat(outputs(h)).hasSize(4); // the batch filled
            h.processElement1(record(4));
            h.setProcessingTime(49);
            assertThat(outputs(h)).hasSize(4);
            h.setProcessingTime(50);
            List<EmbeddingRecord> out = outputs(h);
            assertThat(out).hasSize(5); // the delay elapsed
            for (int i = 0; i < 5; i++) {
                assertThat(out.get(i).recordId).isEqualTo("r" + i);
                assertThat(out.get(i).modelVersion).isZero();
                assertThat(out.get(i).vector).containsExactly(oneByOne(cfg, null, i),
                        org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void newVersionAppliesToLaterRecordsAndSurvivesRestore() throws Exception {
        JobConfig cfg = cfg();
        ModelUpdate v1 = trainedVersion(cfg);
        OperatorSubtaskState snapshot;
        try (var h = harness(new EmbedderOperator(cfg))) {
            h.open();
            h.setProcessingTime(0);
            h.processElement1(record(0)); // buffered under version 0
            h.processElement2(new StreamRecord<>(v1));
            h.processElement1(record(1));
            h.prepareSnapshotPreBarrier(1); // what a task does before the barrier: nothing stays buffered
            snapshot = h.snapshot(1, 1);
            List<EmbeddingRecord> out = outputs(h);
            assertThat(out).extracting(e -> e.modelVersion).containsExactly(0L, 1L);
            // the reference only: the encoder (about 1.2 MB for resnet-small) stays in the model store
            System.out.printf("embedder: state after version 1: %d bytes (encoder %d bytes)%n", snapshot.getStateSize(),
                    v1.encoder.length);
            assertThat(snapshot.getStateSize()).isLessThan(1024);
            assertThat(out.get(0).vector).containsExactly(oneByOne(cfg, null, 0), org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(out.get(1).vector).containsExactly(oneByOne(cfg, v1.encoder, 1),
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
        EmbedderOperator restored = new EmbedderOperator(cfg);
        try (var h = harness(restored)) {
            h.initializeState(snapshot);
            h.open();
            assertThat(restored.loadedVersion()).isEqualTo(1);
            h.processElement1(record(2));
            h.endInput1();
            List<EmbeddingRecord> out = outputs(h);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).modelVersion).isEqualTo(1);
            assertThat(out.get(0).vector).containsExactly(oneByOne(cfg, v1.encoder, 2),
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    /** The state after version 1, taken by an embedder that saw it. */
    OperatorSubtaskState snapshotAtVersion(JobConfig cfg, ModelUpdate v) throws Exception {
        try (var h = harness(new EmbedderOperator(cfg))) {
            h.open();
            h.processElement2(new StreamRecord<>(v));
            h.prepareSnapshotPreBarrier(1);
            return h.snapshot(1, 1);
        }
    }

    /** serving-version V: the embedders serve V from the store from the first record on and ignore newer versions. */
    @Test
    void aPinnedServingVersionIsServedAndNewerOnesAreNot() throws Exception {
        JobConfig plain = cfg();
        ModelUpdate v1 = trainedVersion(plain, 1, 2);
        ModelUpdate v2 = trainedVersion(plain, 2, 4);
        Map<String, String> m = new java.util.HashMap<>(Map.of("method", "simclr", "batch", "8", "embed-batch", "4",
                "embed-max-delay-ms", "50", "model-store", tmp.resolve("models").toUri().toString()));
        m.put("serving-version", "1");
        JobConfig pinned = JobConfig.of(m);
        EmbedderOperator op = new EmbedderOperator(pinned);
        try (var h = harness(op)) {
            h.open();
            assertThat(op.loadedVersion()).isEqualTo(1);
            h.processElement1(record(0));
            h.processElement2(new StreamRecord<>(v2)); // trained and stored, not served
            h.processElement1(record(1));
            h.endInput1();
            List<EmbeddingRecord> out = outputs(h);
            assertThat(out).extracting(e -> e.modelVersion).containsExactly(1L, 1L);
            assertThat(out.get(1).vector).containsExactly(oneByOne(plain, v1.encoder, 1),
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
        m.put("serving-version", "7");
        try (var h = harness(new EmbedderOperator(JobConfig.of(m)))) {
            assertThatThrownBy(h::open).isInstanceOf(IOException.class).hasMessageContaining("serving-version 7")
                    .hasMessageContaining("[1, 2]");
        }
        m.put("serving-version", "0");
        assertThatThrownBy(() -> JobConfig.of(m)).hasMessageContaining("serving-version");
    }

    @Test
    void restoreFailsLoudlyWhileTheStoreCannotBeReadAndResumesOnceItCan() throws Exception {
        JobConfig cfg = cfg();
        ModelUpdate v1 = trainedVersion(cfg);
        OperatorSubtaskState snapshot = snapshotAtVersion(cfg, v1);
        Path encoder = Path.of(java.net.URI.create(v1.uri)).resolve(ModelStore.ENCODER);
        Path aside = tmp.resolve("encoder.aside");
        Files.move(encoder, aside); // the store lost (or cannot reach) the version the checkpoint names

        try (var h = harness(new EmbedderOperator(cfg))) {
            h.initializeState(snapshot);
            // not version 0's seeded weights under a later version's name, nor silently version 0: the task fails
            assertThatThrownBy(h::open).isInstanceOf(IOException.class)
                    .hasMessageContaining("version 1").hasMessageContaining(v1.uri)
                    .hasMessageContaining("failing the task");
        }

        Files.move(aside, encoder); // the store is back: the next restart's restore succeeds
        EmbedderOperator restored = new EmbedderOperator(cfg);
        try (var h = harness(restored)) {
            h.initializeState(snapshot);
            h.open();
            assertThat(restored.loadedVersion()).isEqualTo(1);
            h.processElement1(record(3));
            h.endInput1();
            assertThat(outputs(h).get(0).vector).containsExactly(oneByOne(cfg, v1.encoder, 3),
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void rescaledFrom2To3EverySubtaskTakesTheNewestReference() throws Exception {
        JobConfig cfg = cfg();
        ModelUpdate v1 = trainedVersion(cfg, 1, 1);
        ModelUpdate v2 = trainedVersion(cfg, 2, 3);
        OperatorSubtaskState[] old = new OperatorSubtaskState[2];
        for (int i = 0; i < 2; i++) { // subtask 1 has not seen version 2 yet at the checkpoint
            try (var h = harness(new EmbedderOperator(cfg), 2, i)) {
                h.open();
                h.processElement2(new StreamRecord<>(v1));
                if (i == 0) {
                    h.processElement2(new StreamRecord<>(v2));
                }
                old[i] = h.snapshot(1, 1);
            }
        }
        OperatorSubtaskState packed = AbstractStreamOperatorTestHarness.repackageState(old);
        for (int i = 0; i < 3; i++) {
            EmbedderOperator restored = new EmbedderOperator(cfg);
            try (var h = harness(restored, 3, i)) {
                h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(packed, 128, 2, 3, i));
                h.open();
                assertThat(restored.loadedVersion()).as("subtask %d of 3", i).isEqualTo(2);
                h.processElement1(record(4));
                h.endInput1();
                assertThat(outputs(h).get(0).vector).containsExactly(oneByOne(cfg, v2.encoder, 4),
                        org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    /** What the embedder checkpointed before references: the whole update, encoder included. */
    static final class LegacyStateOperator extends AbstractStreamOperator<EmbeddingRecord>
            implements TwoInputStreamOperator<DecodedImage, ModelUpdate, EmbeddingRecord> {
        private static final long serialVersionUID = 1L;
        private transient ListState<ModelUpdate> state;
        private transient ModelUpdate latest;

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            state = context.getOperatorStateStore().getUnionListState(
                    new ListStateDescriptor<>(EmbedderOperator.LEGACY_STATE, TypeInformation.of(ModelUpdate.class)));
        }

        @Override
        public void processElement1(StreamRecord<DecodedImage> element) {}

        @Override
        public void processElement2(StreamRecord<ModelUpdate> element) {
            latest = element.getValue();
        }

        @Override
        public void snapshotState(StateSnapshotContext context) throws Exception {
            super.snapshotState(context);
            state.update(List.of(latest));
        }
    }

    @Test
    void restoresASavepointThatHeldTheEncoderAndThenKeepsOnlyTheReference() throws Exception {
        JobConfig cfg = cfg();
        ModelUpdate v1 = train(cfg, 2);
        v1.uri = tmp.resolve("nowhere").toUri().toString(); // not in any store: the savepoint's bytes must be used
        OperatorSubtaskState legacy;
        try (var h = harness(new LegacyStateOperator())) {
            h.open();
            h.processElement2(new StreamRecord<>(v1));
            legacy = h.snapshot(1, 1);
        }
        EmbedderOperator restored = new EmbedderOperator(cfg);
        OperatorSubtaskState next;
        try (var h = harness(restored)) {
            h.initializeState(legacy);
            h.open();
            assertThat(restored.loadedVersion()).isEqualTo(1);
            h.processElement1(record(5));
            h.prepareSnapshotPreBarrier(2);
            next = h.snapshot(2, 2);
            assertThat(outputs(h).get(0).vector).containsExactly(oneByOne(cfg, v1.encoder, 5),
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
        System.out.printf("embedder: state per subtask with the encoder (before) %d bytes, with the reference %d bytes%n",
                legacy.getStateSize(), next.getStateSize());
        assertThat(legacy.getStateSize()).isGreaterThan(v1.encoder.length);
        // the reference plus the emptied legacy state, which stays registered: its serializer's metadata, no bytes
        assertThat(next.getStateSize()).isLessThan(4096);
    }
}
