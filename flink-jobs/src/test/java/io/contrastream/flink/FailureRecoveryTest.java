package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.ModelVersion;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real broker, real MiniCluster, RocksDB: a failure induced after a completed checkpoint makes the
 * job restart from it; read_committed consumers then see exactly one embedding per record and each
 * model version exactly once, and training continues from the restored step (the versions run on to
 * the count that an uninterrupted run reaches, without starting over).
 */
class FailureRecoveryTest {
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicLong CHECKPOINTS = new AtomicLong();
    static final AtomicLong PASSED = new AtomicLong();

    @TempDir
    Path tmp;

    /** Throws once, after at least one checkpoint completed and part of the stream went through. */
    static final class FailOnce implements MapFunction<RawRecord, RawRecord>, CheckpointListener {
        private static final long serialVersionUID = 1L;

        @Override
        public RawRecord map(RawRecord r) {
            if (PASSED.incrementAndGet() > 400 && CHECKPOINTS.get() > 0 && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("induced failure for the recovery test");
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }

    @Test
    void restartsFromTheCheckpointWithNothingLostOrDuplicated() throws Exception {
        int n = 960;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0)) {
            Map<String, String> settings = new HashMap<>();
            settings.put("method", "moco-v2");
            settings.put("batch", "32");
            settings.put("queue-size", "256");
            settings.put("publish-every", "3");
            settings.put("parallelism", "2");
            settings.put("checkpoint-interval-ms", "400");
            settings.put("bootstrap-servers", kafka.bootstrapServers());
            settings.put("model-store", tmp.resolve("models").toUri().toString());
            settings.put("checkpoint-dir", tmp.resolve("ck").toUri().toString());
            JobConfig cfg = JobConfig.of(settings);
            kafka.createTopics(2, "images", "embeddings", "dead-letters", "model-versions", "quality");
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (RawRecord r : TestData.valid(n)) {
                    producer.send(new ProducerRecord<>("images", r.value));
                }
            }

            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                    PretrainJob.flinkConfiguration(cfg));
            PretrainJob.configure(env, cfg);
            DataStream<RawRecord> source = PretrainJob.kafkaSource(env, cfg).map(new FailOnce()).name("fail-once");
            PretrainJob.sinkToKafka(PretrainJob.build(env, source, cfg), cfg);
            JobClient job = env.executeAsync("recovery-test");
            try {
                Map<String, Integer> embeddings = readUntil(kafka.bootstrapServers(), "embeddings", n,
                        v -> AvroCodec.of(Embedding.class).decode(v).getRecordId(), job);
                // 960 records / batch 32 = 30 steps → 10 publications (every 3 steps), each announced once. A step
                // replayed after the restore reproduces its version's weights only when its batch holds the same
                // records in the same order; with two upstream subtasks their interleaving may differ, and then the
                // version takes the next free number (a number never names other weights): so 10 versions, numbered
                // upwards from 1 with at most the replayed ones skipped, at steps 3, 6, ..., 30
                java.util.Map<Long, Long> stepOfVersion = new java.util.concurrent.ConcurrentHashMap<>();
                Map<String, Integer> versions = readUntil(kafka.bootstrapServers(), "model-versions", 10, v -> {
                    ModelVersion mv = AvroCodec.of(ModelVersion.class).decode(v);
                    stepOfVersion.put(mv.getVersion(), mv.getStep());
                    return String.valueOf(mv.getVersion());
                }, job);
                assertThat(FAILED).isTrue();
                assertThat(embeddings).hasSize(n);
                assertThat(embeddings.values()).allMatch(c -> c == 1);
                assertThat(versions).hasSize(10);
                assertThat(versions.values()).allMatch(c -> c == 1);
                java.util.List<Long> numbers = new java.util.ArrayList<>(new java.util.TreeSet<>(stepOfVersion.keySet()));
                java.util.List<Long> steps = numbers.stream().map(stepOfVersion::get).toList();
                assertThat(steps).containsExactly(3L, 6L, 9L, 12L, 15L, 18L, 21L, 24L, 27L, 30L);
                assertThat(numbers.get(0)).isEqualTo(1L);
                System.out.println("recovery: versions " + numbers + " at steps " + steps);
            } finally {
                CommittedTopics.cancelIfRunning(job);
            }
        }
    }

    interface Key {
        String of(byte[] value) throws Exception;
    }

    /** Committed records of {@code topic} counted by key, until {@code expected} arrived (then 2 s more). */
    static Map<String, Integer> readUntil(String bootstrap, String topic, int expected, Key key, JobClient job)
            throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : CommittedTopics.read(bootstrap, topic, expected, job)) {
            counts.merge(key.of(r.value()), 1, Integer::sum);
        }
        return counts;
    }
}
