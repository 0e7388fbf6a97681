package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.codecs.ImageEncoder;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.DeadLetter;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.job.StreamingJob;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.kafka.EmbeddedKafka;
import io.contrastream.model.data.SyntheticImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile record sizes against a real broker at Kafka's <b>default</b> limits (1 MiB per message; only
 * the input topic holds larger records, as a producer-facing topic may): a valid image with a 5 MiB id,
 * one whose 1.5 MiB id passes decoding (max-id-bytes raised to 2 MiB) but whose embedding no output
 * topic can hold, a 1 MiB source, a 1 MiB Kafka key, and 900 KiB of garbage. Each becomes one dead
 * letter with its reason, every dead letter fits the default-limit topic, every valid record is
 * embedded exactly once (keyed by its id), and the job never fails: it runs without a restart
 * strategy, so a single sink failure would end it. Before the output guard the 1.5 MiB-id record
 * failed the embeddings sink with {@code RecordTooLargeException} on every restart.
 */
class OutputLimitsTest {
    @TempDir
    Path tmp;

    static final AvroCodec<ImageRecord> CODEC = AvroCodec.of(ImageRecord.class);

    static byte[] image(String id, String source) {
        return CODEC.encode(ImageEncoder.png(id, source, 1_000L, SyntheticImages.generate(1, 28, 1).images().get(0), 0));
    }

    @Test
    void oversizedFieldsAndOutputsBecomeDeadLettersOnADefaultLimitBroker() throws Exception {
        int n = 160;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0)) {
            kafka.createTopic("images", 2, Map.of("max.message.bytes", String.valueOf(8 << 20)));
            kafka.createTopics(2, "embeddings", "dead-letters", "model-versions", "quality");
            Map<String, String> settings = new HashMap<>();
            settings.put("method", "moco-v2");
            settings.put("batch", "16");
            settings.put("queue-size", "64");
            settings.put("publish-every", "4");
            settings.put("parallelism", "2");
            settings.put("checkpoint-interval-ms", "500");
            settings.put("max-id-bytes", String.valueOf(2 << 20));
            settings.put("bootstrap-servers", kafka.bootstrapServers());
            settings.put("model-store", tmp.resolve("models").toUri().toString());
            settings.put("checkpoint-dir", tmp.resolve("ck").toUri().toString());
            JobConfig cfg = JobConfig.of(settings);

            Map<String, String> hostile = new HashMap<>(); // what identifies it → a word of its reason
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(8 << 20));
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                List<RawRecord> valid = TestData.valid(n);
                for (int i = 0; i < n; i++) {
                    producer.send(new ProducerRecord<>("images", valid.get(i).value));
                    if (i == 20) {
                        producer.send(new ProducerRecord<>("images", image("a".repeat(5 << 20), "test")));
                        hostile.put("max-id-bytes", "max-id-bytes");
                    } else if (i == 40) {
                        producer.send(new ProducerRecord<>("images", image("b".repeat(3 << 19), "test")));
                        hostile.put("max-output-bytes", "max-output-bytes");
                    } else if (i == 60) {
                        producer.send(new ProducerRecord<>("images", image("big-source", "s".repeat(1 << 20))));
                        hostile.put("max-source-bytes", "max-source-bytes");
                    } else if (i == 80) {
                        producer.send(new ProducerRecord<>("images", new byte[1 << 20], image("big-key", "test")));
                        hostile.put("max-key-bytes", "max-key-bytes");
                    } else if (i == 100) {
                        byte[] garbage = new byte[900 << 10];
                        java.util.Arrays.fill(garbage, (byte) 0x7f);
                        producer.send(new ProducerRecord<>("images", garbage));
                        hostile.put("malformed", "malformed");
                    }
                }
            }

            Configuration conf = PretrainJob.flinkConfiguration(cfg);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // one failure would end the job
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
            PretrainJob.configure(env, cfg);
            StreamingJob.buildFromKafka(env, cfg);
            JobClient job = env.executeAsync("output-limits-test");
            try {
                List<ConsumerRecord<byte[], byte[]>> embeddings = CommittedTopics.read(kafka.bootstrapServers(), "embeddings", n, job);
                List<ConsumerRecord<byte[], byte[]>> dead = CommittedTopics.read(kafka.bootstrapServers(), "dead-letters",
                        hostile.size(), job);
                assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);

                Map<String, Integer> ids = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : embeddings) {
                    Embedding e = AvroCodec.of(Embedding.class).decode(r.value());
                    ids.merge(e.getRecordId(), 1, Integer::sum);
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(e.getRecordId());
                }
                assertThat(ids).hasSize(n);
                assertThat(ids.values()).allMatch(c -> c == 1);

                assertThat(dead).hasSize(hostile.size());
                List<String> reasons = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : dead) {
                    DeadLetter d = AvroCodec.of(DeadLetter.class).decode(r.value());
                    reasons.add(d.getReason());
                    assertThat(r.serializedValueSize() + Math.max(0, r.serializedKeySize())).isLessThan(1 << 20);
                    assertThat(d.getKey() == null ? 0 : d.getKey().remaining()).isLessThanOrEqualTo(256);
                    assertThat(d.getRaw().remaining()).isLessThanOrEqualTo(512 << 10);
                    assertThat(d.getReason().length()).isLessThanOrEqualTo(1024);
                }
                for (String word : hostile.values()) {
                    assertThat(reasons).anySatisfy(reason -> assertThat(reason).contains(word));
                }
            } finally {
                CommittedTopics.cancelIfRunning(job);
            }
        }
    }
}
