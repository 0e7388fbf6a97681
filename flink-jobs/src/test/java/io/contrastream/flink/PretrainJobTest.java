package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.flink.store.ModelStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole topology on a real MiniCluster with the RocksDB backend and checkpoints: every valid
 * record gets exactly one embedding stamped with a version that exists in the model store; every
 * bad record becomes a dead letter with its reason; the trainer publishes versions.
 */
class PretrainJobTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    Path tmp;

    @Test
    void everyRecordIsEmbeddedOnceAndBadOnesAreDeadLettered() throws Exception {
        JobConfig cfg = JobConfig.of(Map.of("method", "moco-v2", "batch", "16", "queue-size", "64",
                "publish-every", "2", "parallelism", "2", "checkpoint-interval-ms", "500",
                "model-store", tmp.resolve("models").toUri().toString(),
                "checkpoint-dir", tmp.resolve("ck").toUri().toString()));
        List<RawRecord> input = new ArrayList<>(TestData.valid(160));
        List<Object[]> bad = TestData.bad();
        for (int i = 0; i < bad.size(); i++) {
            input.add(20 * i + 3, new RawRecord("images", 0, 1000 + i, null, (byte[]) bad.get(i)[0]));
        }
        BoundedRun.Outputs out = BoundedRun.run(cfg, input, "pretrain-test");
        List<EmbeddingRecord> emb = out.embeddings();
        List<DeadLetterRecord> dlq = out.deadLetters();
        List<ModelUpdate> versions = out.versions();
        assertThat(emb).hasSize(160);
        assertThat(emb.stream().map(e -> e.recordId).collect(Collectors.toSet())).hasSize(160);
        assertThat(emb).allSatisfy(e -> assertThat(e.vector).hasSize(128));

        assertThat(dlq).hasSize(bad.size());
        for (Object[] b : bad) {
            assertThat(dlq).anySatisfy(d -> assertThat(d.reason).contains((String) b[1]));
        }
        // 160 records / batch 16 = 10 steps, a version every 2 steps
        assertThat(versions).extracting(v -> v.version).containsExactly(1L, 2L, 3L, 4L, 5L);
        Set<Long> known = new HashSet<>(versions.stream().map(v -> v.version).toList());
        known.add(0L);
        assertThat(emb).allSatisfy(e -> assertThat(known).contains(e.modelVersion));
        for (ModelUpdate v : versions) {
            assertThat(ModelStore.readEncoder(v.uri)).isEqualTo(v.encoder);
        }
    }
}
