package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.ModelVersion;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.job.StreamingJob;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job cancelled and submitted again <b>without a savepoint</b> (same group, a fresh checkpoint folder)
 * resumes at the group's committed offsets: it does not re-read and re-embed the topic, and its model
 * versions continue after the store's newest instead of overwriting v1..vN. Before the fix the source
 * started at the earliest offset (every record embedded twice) and versions restarted at v1.
 */
class ResubmitTest {
    @TempDir
    Path tmp;

    @Test
    void aResubmitWithoutSavepointStartsAtTheCommittedOffsetsAndNeverReusesAVersion() throws Exception {
        int first = 96;
        int second = 64;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0)) {
            kafka.createTopics(2, "images", "embeddings", "dead-letters", "model-versions", "quality");
            Map<String, String> settings = new HashMap<>();
            settings.put("method", "moco-v2");
            settings.put("batch", "16");
            settings.put("queue-size", "64");
            settings.put("publish-every", "2");
            settings.put("parallelism", "2");
            settings.put("checkpoint-interval-ms", "400");
            settings.put("bootstrap-servers", kafka.bootstrapServers());
            settings.put("model-store", tmp.resolve("models").toUri().toString());
            List<RawRecord> records = TestData.valid(first + second);
            produce(kafka, records.subList(0, first));

            settings.put("checkpoint-dir", tmp.resolve("ck1").toUri().toString());
            JobConfig cfg = JobConfig.of(settings);
            JobClient job = start(cfg, "resubmit-1");
            try {
                CommittedTopics.read(kafka.bootstrapServers(), "embeddings", first, job);
                awaitCommittedOffsets(kafka, cfg.get(JobParams.GROUP_ID), first);
            } finally {
                CommittedTopics.cancelIfRunning(job);
            }

            produce(kafka, records.subList(first, first + second));
            settings.put("checkpoint-dir", tmp.resolve("ck2").toUri().toString()); // no savepoint, no checkpoint
            job = start(JobConfig.of(settings), "resubmit-2");
            List<ConsumerRecord<byte[], byte[]>> embeddings;
            List<ConsumerRecord<byte[], byte[]>> versions;
            try {
                embeddings = CommittedTopics.read(kafka.bootstrapServers(), "embeddings", first + second, job);
                // the second run's 64 records are 4 steps: 2 more versions after the first run's
                versions = CommittedTopics.read(kafka.bootstrapServers(), "model-versions", 1, job);
            } finally {
                CommittedTopics.cancelIfRunning(job);
            }
            Map<String, Integer> ids = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : embeddings) {
                ids.merge(AvroCodec.of(Embedding.class).decode(r.value()).getRecordId(), 1, Integer::sum);
            }
            assertThat(ids).hasSize(first + second);
            assertThat(ids.values()).as("no record embedded twice").allMatch(c -> c == 1);
            Map<Long, Integer> seen = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : versions) {
                seen.merge(AvroCodec.of(ModelVersion.class).decode(r.value()).getVersion(), 1, Integer::sum);
            }
            assertThat(seen.values()).as("no version number published twice: %s", seen).allMatch(c -> c == 1);
        }
    }

    static JobClient start(JobConfig cfg, String name) throws Exception {
        Configuration conf = PretrainJob.flinkConfiguration(cfg);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        PretrainJob.configure(env, cfg);
        StreamingJob.buildFromKafka(env, cfg);
        return env.executeAsync(name);
    }

    static void produce(EmbeddedKafka kafka, List<RawRecord> records) {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (RawRecord r : records) {
                producer.send(new ProducerRecord<>("images", r.value));
            }
        }
    }

    /** Waits until the group's committed offsets (committed when a checkpoint completes) cover {@code n} records. */
    static void awaitCommittedOffsets(EmbeddedKafka kafka, String group, long n) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (true) {
                Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets = admin
                        .listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                long sum = offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
                if (sum >= n) {
                    return;
                }
                assertThat(System.nanoTime()).as("offsets committed for %s records", n).isLessThan(deadline);
                Thread.onSpinWait();
                Thread.sleep(100); // polling the broker, not waiting for time to pass
            }
        }
    }
}
