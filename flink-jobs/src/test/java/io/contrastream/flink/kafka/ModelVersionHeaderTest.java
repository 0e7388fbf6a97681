package io.contrastream.flink.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.CpcPrediction;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.ModelVersion;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.model.CpcPredictionRecord;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embeddings and CPC predictions carry the Kafka header {@code model-version} (decimal text, equal to the
 * value's {@code modelVersion}), model versions and dead letters carry none: a bounded Flink job writes
 * through the job's own {@code OutputGuard} and exactly-once sink ({@link PretrainJob#guardAndSink}) into the
 * in-process broker, and a read_committed consumer checks what arrived.
 */
class ModelVersionHeaderTest {
    @TempDir
    Path tmp;

    @Test
    void embeddingsAndPredictionsCarryTheirModelVersionAsAHeader() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0)) {
            kafka.createTopics(2, "embeddings", "cpc-predictions", "model-versions", "dead-letters");
            JobConfig cfg = JobConfig.of(Map.of("bootstrap-servers", kafka.bootstrapServers(),
                    "checkpoint-interval-ms", "200", "parallelism", "1",
                    "checkpoint-dir", tmp.resolve("ck").toUri().toString(),
                    "model-store", tmp.resolve("models").toUri().toString()));
            Configuration conf = PretrainJob.flinkConfiguration(cfg);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
            PretrainJob.configure(env, cfg);
            int max = cfg.get(JobParams.MAX_OUTPUT_BYTES);
            int maxKey = cfg.get(JobParams.MAX_KEY_BYTES);

            List<EmbeddingRecord> embeddings = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                EmbeddingRecord e = new EmbeddingRecord();
                e.recordId = "img-" + i;
                e.source = "test";
                e.eventTime = 1_700_000_000_000L + i;
                e.modelId = "moco-v2";
                e.modelVersion = 1_000_000_000_000L * i + 7; // large: the header is not an int
                e.vector = new float[] {i, 1, 2};
                embeddings.add(e);
            }
            CpcPredictionRecord p = new CpcPredictionRecord();
            p.streamId = "s-1";
            p.sequenceNumber = 3;
            p.modelVersion = 42;
            p.context = new float[] {1, 2};
            p.predictions = new float[][] {{1, 2}};
            p.surprise = 0.5;
            ModelUpdate u = new ModelUpdate();
            u.modelId = "moco-v2";
            u.version = 9;
            u.uri = "file:///m/v9";
            // the job's guards, as PretrainJob and AudioJob build them
            PretrainJob.guardAndSink(env.fromData(embeddings), cfg, JobParams.EMBEDDINGS_TOPIC,
                    OutputGuard.of("embeddings", max, maxKey, Embedding.class, EmbeddingRecord::toAvro, e -> e.recordId),
                    "embeddings", "emb");
            PretrainJob.guardAndSink(env.fromData(p), cfg, JobParams.CPC_PREDICTIONS_TOPIC,
                    OutputGuard.of("cpc-predictions", max, maxKey, CpcPrediction.class, CpcPredictionRecord::toAvro,
                            r -> r.streamId), "cpc-predictions", "cpc");
            PretrainJob.guardAndSink(env.fromData(u), cfg, JobParams.MODEL_VERSIONS_TOPIC,
                    OutputGuard.of("model-versions", max, maxKey, ModelVersion.class,
                            m -> ModelVersion.newBuilder().setModelId(m.modelId).setVersion(m.version).setUri(m.uri)
                                    .setStep(m.step).setLoss(m.loss).build(), m -> m.modelId), "model-versions", "ver");
            env.execute("model-version-header-test"); // bounded: the final checkpoint commits every transaction

            List<ConsumerRecord<byte[], byte[]>> emb = committed(kafka.bootstrapServers(), "embeddings");
            assertThat(emb).hasSize(5);
            for (ConsumerRecord<byte[], byte[]> r : emb) {
                Embedding e = AvroCodec.of(Embedding.class).decode(r.value());
                assertThat(headers(r, KafkaBytes.MODEL_VERSION)).containsExactly(String.valueOf(e.getModelVersion()));
                assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(e.getRecordId());
            }
            assertThat(emb).extracting(r -> headers(r, KafkaBytes.MODEL_VERSION).get(0))
                    .contains("4000000000007", "7");

            List<ConsumerRecord<byte[], byte[]>> cpc = committed(kafka.bootstrapServers(), "cpc-predictions");
            assertThat(cpc).hasSize(1);
            assertThat(headers(cpc.get(0), KafkaBytes.MODEL_VERSION)).containsExactly("42");

            List<ConsumerRecord<byte[], byte[]>> versions = committed(kafka.bootstrapServers(), "model-versions");
            assertThat(versions).hasSize(1);
            assertThat(versions.get(0).headers().toArray()).isEmpty();
        }
    }

    static List<String> headers(ConsumerRecord<byte[], byte[]> r, String name) {
        List<String> out = new ArrayList<>();
        for (Header h : r.headers().headers(name)) {
            out.add(new String(h.value(), StandardCharsets.US_ASCII));
        }
        return out;
    }

    /** Everything committed to {@code topic}, as a read_committed consumer sees it (the job has ended). */
    static List<ConsumerRecord<byte[], byte[]>> committed(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            // read to the end offsets (committed: the job ended), then once more so late duplicates would show
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            c.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }
}
