package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.kafka.OutputGuard;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.kafka.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code python/consume_embeddings.py} runs as written: a bounded Flink job writes 6 embeddings through the
 * job's own guard and exactly-once sink ({@link PretrainJob#guardAndSink}) into the in-process broker,
 * {@code contrastream schemas} writes the schema, and the script, started with {@code python3} as its own
 * process, decodes every committed embedding (read_committed) with the schema file alone and checks the
 * {@code model-version} header against the value.
 *
 * <pre>{@code
 * mvn -B -pl deploy test -Dtest=PythonConsumerTest     # needs python3-confluent-kafka, python3-avro
 * }</pre>
 *
 * <p>Skipped, with the reason, only where no {@code python3} with both modules exists (.ci/run installs them).
 */
class PythonConsumerTest {
    /** failsafe and surefire run in the module folder, deploy/. */
    private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("python/consume_embeddings.py");
    private static final int N = 6;
    private static final int DIM = 128;

    @TempDir
    Path dir;

    @Test
    void theScriptPrintsEveryCommittedEmbeddingWithItsVersion() throws Exception {
        String python = python();
        assumeTrue(python != null, "skipped: no python3 with the modules confluent_kafka and avro "
                + "(apt-get install python3-confluent-kafka python3-avro; .ci/run installs them)");
        assertThat(SCRIPT).isRegularFile();
        Path schemas = dir.resolve("schemas");
        assertThat(CommandLineTest.run("schemas", "--out", schemas.toString()).code()).isZero();

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            kafka.createTopics(2, "embeddings", "dead-letters");
            writeEmbeddings(kafka.bootstrapServers());

            Path out = dir.resolve("consume.out");
            Process p = new ProcessBuilder(python, SCRIPT.toString(), "--bootstrap-servers", kafka.bootstrapServers(),
                    "--topic", "embeddings", "--schema", schemas.resolve("embedding.avsc").toString(),
                    "--max-records", String.valueOf(N), "--idle-seconds", "60")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean ended = p.waitFor(2, TimeUnit.MINUTES);
            if (!ended) {
                p.destroyForcibly();
            }
            String output = Files.readString(out);
            assertThat(ended).as("the script ended: %s", output).isTrue();
            assertThat(p.exitValue()).as(output).isZero();
            List<String> lines = output.strip().lines().toList();
            for (int i = 0; i < N; i++) {
                assertThat(lines).as(output).contains(String.format(Locale.ROOT,
                        "id=img-%d model=moco-v2 version=%d header_version=%d dim=%d norm=%.4f", i, version(i),
                        version(i), DIM, norm(i)));
            }
            assertThat(lines.get(lines.size() - 1)).matches("consume: records=" + N + " ids=" + N
                    + " versions=3\\.\\.4 dims=\\[" + DIM + "\\] header_mismatches=0 seconds=\\d+\\.\\d");
        }
    }

    static long version(int i) {
        return i < N / 2 ? 3 : 4;
    }

    /** Embedding i is (i + 1) · (1, 1, ..., 1): norm (i + 1) · sqrt(DIM). */
    static double norm(int i) {
        return Math.sqrt((double) DIM * (i + 1) * (i + 1)); // as the script sums it
    }

    /** The embeddings sink of the job (guard, exactly-once KafkaSink), fed from a bounded source. */
    private void writeEmbeddings(String bootstrap) throws Exception {
        JobConfig cfg = JobConfig.of(Map.of("bootstrap-servers", bootstrap, "checkpoint-interval-ms", "200",
                "parallelism", "1", "checkpoint-dir", dir.resolve("ck").toUri().toString(),
                "model-store", dir.resolve("models").toUri().toString()));
        Configuration conf = PretrainJob.flinkConfiguration(cfg);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        PretrainJob.configure(env, cfg);
        List<EmbeddingRecord> records = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            EmbeddingRecord e = new EmbeddingRecord();
            e.recordId = "img-" + i;
            e.source = "python-test";
            e.eventTime = 1_700_000_000_000L + i;
            e.modelId = "moco-v2";
            e.modelVersion = version(i);
            e.vector = new float[DIM];
            java.util.Arrays.fill(e.vector, i + 1);
            records.add(e);
        }
        PretrainJob.guardAndSink(env.fromData(records), cfg, JobParams.EMBEDDINGS_TOPIC,
                OutputGuard.of("embeddings", cfg.get(JobParams.MAX_OUTPUT_BYTES), cfg.get(JobParams.MAX_KEY_BYTES),
                        Embedding.class, EmbeddingRecord::toAvro, e -> e.recordId), "embeddings", "emb");
        env.execute("python-consumer-test"); // bounded: the final checkpoint commits the transaction
    }

    /** {@code python3} with both modules (see {@link Python}), or null. */
    static String python() {
        return Python.with("import confluent_kafka, avro.io, avro.schema");
    }

}
