package io.contrastream.flink.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.job.JobConfig;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.SyntheticImages;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.Recipes;
import io.contrastream.model.method.ViewBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Micro-batching embedder: a batch forms at {@code embed-batch} records or after
 * {@code embed-max-delay-ms}; batched vectors equal one-by-one ones; a new version is used from the
 * next record on; nothing is buffered across a checkpoint; a restored operator keeps its version.
 */
class EmbedderOperatorTest {
    @TempDir
    Path tmp;

    final ImageSet images = SyntheticImages.generate(12, 28, 5);

    JobConfig cfg() {
        return JobConfig.of(Map.of("method", "simclr", "batch", "8", "embed-batch", "4", "embed-max-delay-ms", "50"));
    }

    TwoInputStreamOperatorTestHarness<DecodedImage, ModelUpdate, EmbeddingRecord> harness(EmbedderOperator op)
            throws Exception {
        var h = new TwoInputStreamOperatorTestHarness<>(op);
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
    ModelUpdate trainedVersion(JobConfig cfg) {
        try (AbstractRecipe r = Recipes.create(cfg.method(), cfg.recipeParams(), cfg.encoderConfig())) {
            float[] v0 = new float[8 * 784];
            float[] v1 = new float[8 * 784];
            for (int i = 0; i < 8; i++) {
                System.arraycopy(images.images().get(i).data, 0, v0, i * 784, 784);
                System.arraycopy(images.images().get(i + 1).data, 0, v1, i * 784, 784);
            }
            ViewBatch b = new ViewBatch(8, 1, 28, 28, List.of(v0, v1), new long[8]);
            r.step(b);
            r.step(b);
            ModelUpdate u = new ModelUpdate();
            u.modelId = "default";
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
}
