package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import java.io.DataInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.testutils.CommonTestUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rescaling on a real MiniCluster with RocksDB: the image job runs at parallelism 2 on a replayable
 * source, stops with a savepoint mid-stream (versions published, a partial training batch pending),
 * and is restored from that savepoint at parallelism 1 and, separately, at 3. Across the cut every
 * record is embedded exactly once (what an exactly-once sink committed in both runs: all ids, no
 * duplicates), the versions run on 1..8 without a gap or a repeat (the pending examples came along),
 * the trainer resumes bit-exact (its restore hash equals the savepoint's snapshot hash), and the
 * restored embedders resume with the savepoint's version, loaded from the model store by reference:
 * the embedder's savepoint state holds references only (a few hundred bytes), not the encoder.
 */
class RescaleTest {
    static final int N = 264; // 16.5 batches of 16: the last 8 examples stay pending at the end
    static final int BEFORE_STOP = 136; // 8 steps (versions 1..4) + 8 examples pending at the savepoint
    static final Pattern SNAPSHOT = Pattern.compile(
            "trainer snapshot: checkpoint=(\\d+) model=(\\S+) step=(\\d+) version=(\\d+) state_sha256=([0-9a-f]{64})");
    static final Pattern RESTORE = Pattern.compile(
            "trainer restore: model=(\\S+) step=(\\d+) version=(\\d+) state_sha256=([0-9a-f]{64})");

    @TempDir
    static Path tmp;

    static LogLines logs;
    static String savepoint;
    static String savepointTrainer; // "step/version/sha256" the trainer wrote into the savepoint
    static long embedderStateBytes;
    static List<EmbeddingRecord> firstEmbeddings;
    static List<ModelUpdate> firstVersions;

    static JobConfig cfg(int parallelism, String store) {
        Map<String, String> s = new HashMap<>();
        s.put("method", "moco-v2");
        s.put("batch", "16");
        s.put("queue-size", "64");
        s.put("publish-every", "2");
        s.put("embed-batch", "16");
        s.put("parallelism", String.valueOf(parallelism));
        s.put("checkpoint-interval-ms", "1000");
        s.put("model-store", tmp.resolve(store).toUri().toString());
        s.put("checkpoint-dir", tmp.resolve("ck").toUri().toString());
        return JobConfig.of(s);
    }

    /** The job on its own MiniCluster ({@code parallelism} slots), restored from {@code from} if not null. */
    static JobClient start(JobConfig cfg, int parallelism, String from, String run) throws Exception {
        Configuration conf = PretrainJob.flinkConfiguration(cfg);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        if (from != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, from);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        PretrainJob.configure(env, cfg);
        PretrainJob.Outputs out = PretrainJob.build(env,
                env.fromSource(GatedSource.of(N), WatermarkStrategy.noWatermarks(), "images").uid("images-source"), cfg);
        out.embeddings().sinkTo(new CommittedSink<>(run + "-emb")).name("emb-sink").uid("emb-sink");
        out.modelVersions().sinkTo(new CommittedSink<>(run + "-ver")).name("ver-sink").uid("ver-sink");
        return env.executeAsync(run);
    }

    static void waitFor(JobClient job, java.util.function.BooleanSupplier condition) throws Exception {
        CommonTestUtils.waitUntilCondition(() -> {
            JobStatus s = job.getJobStatus().get();
            assertThat(s).as("job status while waiting").isIn(JobStatus.INITIALIZING, JobStatus.CREATED,
                    JobStatus.RUNNING);
            return condition.getAsBoolean();
        }, 100L, 1500); // 150 s at most
    }

    @BeforeAll
    static void runAtParallelism2AndStopWithSavepoint() throws Exception {
        logs = LogLines.capture("io.contrastream.flink.operator.KeyedTrainerOperator",
                "io.contrastream.flink.operator.EmbedderOperator");
        long t0 = System.nanoTime();
        GatedSource.open(BEFORE_STOP);
        JobClient job = start(cfg(2, "models-p2"), 2, null, "p2");
        // all released records embedded and versions 1..4 out of the trainer: the embedders hold version 4
        waitFor(job, () -> CommittedSink.written("p2-emb") >= BEFORE_STOP && CommittedSink.written("p2-ver") >= 4);
        savepoint = job.stopWithSavepoint(false, tmp.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get();
        job.getJobExecutionResult().get();
        firstEmbeddings = CommittedSink.committed("p2-emb");
        firstVersions = CommittedSink.committed("p2-ver");

        CheckpointMetadata meta;
        try (DataInputStream in = new DataInputStream(
                Files.newInputStream(Path.of(java.net.URI.create(savepoint)).resolve("_metadata")))) {
            meta = Checkpoints.loadCheckpointMetadata(in, RescaleTest.class.getClassLoader(), savepoint);
        }
        OperatorState embed = meta.getOperatorStates().stream()
                .filter(o -> o.getOperatorUid().filter("embed"::equals).isPresent()).findFirst().orElseThrow();
        embedderStateBytes = embed.getStateSize();
        List<Long> perSubtask = embed.getStates().stream().map(OperatorSubtaskState::getStateSize).toList();
        Map<String, String> snapshots = new HashMap<>();
        for (String line : logs.matching("trainer snapshot:")) {
            Matcher m = SNAPSHOT.matcher(line);
            if (m.find() && Long.parseLong(m.group(1)) == meta.getCheckpointId()) {
                snapshots.put(m.group(2), m.group(3) + "/" + m.group(4) + "/" + m.group(5));
            }
        }
        savepointTrainer = snapshots.get(cfg(2, "models-p2").get(JobParams.MODEL_ID));
        System.out.printf("rescale: p=2 run to savepoint %.1f s; savepoint %d: embedder operator state %d bytes"
                + " (subtasks %s), trainer %s%n", (System.nanoTime() - t0) / 1e9, meta.getCheckpointId(),
                embedderStateBytes, perSubtask, savepointTrainer);
    }

    @Test
    void savepointStopsAfterTheReleasedRecordsWithItsOutputCommitted() {
        assertThat(firstEmbeddings).hasSize(BEFORE_STOP);
        assertThat(firstVersions).extracting(v -> v.version).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
        assertThat(savepointTrainer).as("the trainer's snapshot line of the savepoint").isNotNull()
                .startsWith("8/4/");
    }

    /** The union state of P subtasks holds P version references (each a few dozen bytes), no encoder. */
    @Test
    void embedderSavepointStateHoldsReferencesNotEncoders() {
        assertThat(embedderStateBytes).as("embedder operator state in the savepoint, 2 subtasks").isLessThan(2048);
    }

    @Test
    void restoresAtParallelism1() throws Exception {
        restoreAndCheck(1);
    }

    @Test
    void restoresAtParallelism3() throws Exception {
        restoreAndCheck(3);
    }

    void restoreAndCheck(int parallelism) throws Exception {
        String run = "p" + parallelism;
        logs.clear();
        long t0 = System.nanoTime();
        GatedSource.open(Long.MAX_VALUE);
        // a store of its own: both restores start from the same savepoint and publish versions 5..8 again
        JobClient job = start(cfg(parallelism, "models-" + run), parallelism, savepoint, run);
        job.getJobExecutionResult().get();
        System.out.printf("rescale: restore at p=%d ran to the end in %.1f s%n", parallelism,
                (System.nanoTime() - t0) / 1e9);
        List<EmbeddingRecord> second = CommittedSink.committed(run + "-emb");
        List<ModelUpdate> secondVersions = CommittedSink.committed(run + "-ver");

        // exactly once across the cut: every id, none twice
        List<String> ids = new ArrayList<>();
        firstEmbeddings.forEach(e -> ids.add(e.recordId));
        second.forEach(e -> ids.add(e.recordId));
        assertThat(ids).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, N).mapToObj(i -> "img-" + i).toList());
        assertThat(second).hasSize(N - BEFORE_STOP);

        // training went on from the savepoint: versions 5..8 (264 records = 16 steps of 16 in all: the 8 examples pending at the cut came along)
        assertThat(secondVersions).extracting(v -> v.version).containsExactlyInAnyOrder(5L, 6L, 7L, 8L);
        assertThat(secondVersions).allSatisfy(v -> assertThat(v.step).isEqualTo(2 * v.version));
        List<String> restores = new ArrayList<>();
        for (String line : logs.matching("trainer restore:")) {
            Matcher m = RESTORE.matcher(line);
            assertThat(m.find()).as(line).isTrue();
            restores.add(m.group(2) + "/" + m.group(3) + "/" + m.group(4));
        }
        assertThat(restores).as("one trainer restore, bit-exact to the savepoint").containsExactly(savepointTrainer);

        // the embedders resumed with the savepoint's version 4 (not the seeded 0), read from the store it was published to
        assertThat(second).allSatisfy(e -> assertThat(e.modelVersion).isBetween(4L, 8L));
        Map<Long, Long> byVersion = new TreeMap<>(second.stream()
                .collect(Collectors.groupingBy(e -> e.modelVersion, Collectors.counting())));
        List<String> embedderRestores = logs.matching("embedder restore:");
        System.out.printf("rescale: p=%d embeddings by version %s; %s%n", parallelism, byVersion, embedderRestores);
        assertThat(embedderRestores).hasSize(parallelism)
                .allSatisfy(l -> assertThat(l).contains("version=4").contains("models-p2"));
        Set<String> firstIds = new HashSet<>();
        firstEmbeddings.forEach(e -> firstIds.add(e.recordId));
        assertThat(second).noneMatch(e -> firstIds.contains(e.recordId));
    }
}
