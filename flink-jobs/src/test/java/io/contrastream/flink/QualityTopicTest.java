package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.Quality;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.job.StreamingJob;
import io.contrastream.flink.kafka.KafkaBytes;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * The online evaluation end to end on a real broker: labelled synthetic images in, the job trains and embeds
 * them, and the quality topic holds (read_committed) exactly one Quality record per quality-interval scored
 * records of every model version — as many as the version's labelled embeddings on the embeddings topic allow
 * (its first one is only learnt from) — keyed by model id with the version header, accuracies in [0, 1]; and
 * every record is still embedded exactly once. eval-min-records is above the stream's length, so no version's
 * memory is dropped and the expected count follows from the embeddings alone, whatever their interleaving.
 */
class QualityTopicTest {
    @TempDir
    Path tmp;

    @Test
    void everyVersionGetsOneQualityRecordPerIntervalAndEveryRecordIsStillEmbeddedOnce() throws Exception {
        int n = 160;
        int interval = 16;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0)) {
            Map<String, String> settings = new HashMap<>();
            settings.put("method", "moco-v2");
            settings.put("batch", "16");
            settings.put("queue-size", "64");
            settings.put("publish-every", "4");
            settings.put("parallelism", "2");
            settings.put("checkpoint-interval-ms", "500");
            settings.put("quality-interval", String.valueOf(interval));
            settings.put("eval-k", "20");
            settings.put("eval-min-records", "100000");
            settings.put("bootstrap-servers", kafka.bootstrapServers());
            settings.put("model-store", tmp.resolve("models").toUri().toString());
            settings.put("checkpoint-dir", tmp.resolve("ck").toUri().toString());
            JobConfig cfg = JobConfig.of(settings);
            kafka.createTopics(2, StreamingJob.topics(cfg));
            java.util.Properties pp = new java.util.Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (RawRecord r : TestData.valid(n)) {
                    producer.send(new ProducerRecord<>("images", r.value));
                }
            }

            Configuration conf = PretrainJob.flinkConfiguration(cfg);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // a failure would end the job and the test
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
            PretrainJob.configure(env, cfg);
            StreamingJob.buildFromKafka(env, cfg);
            JobClient job = env.executeAsync("quality-topic-test");
            try {
                List<ConsumerRecord<byte[], byte[]>> embeddings = CommittedTopics.read(kafka.bootstrapServers(),
                        "embeddings", n, job);
                Map<String, Integer> ids = new HashMap<>();
                Map<Long, Integer> perVersion = new TreeMap<>();
                for (ConsumerRecord<byte[], byte[]> r : embeddings) {
                    Embedding e = AvroCodec.of(Embedding.class).decode(r.value());
                    ids.merge(e.getRecordId(), 1, Integer::sum);
                    perVersion.merge(e.getModelVersion(), 1, Integer::sum);
                }
                assertThat(ids).hasSize(n);
                assertThat(ids.values()).allMatch(c -> c == 1);

                Map<Long, List<Long>> expected = new TreeMap<>(); // version → the records counts of its quality
                perVersion.forEach((v, count) -> {
                    List<Long> at = new ArrayList<>();
                    for (long s = interval; s <= count - 1; s += interval) {
                        at.add(s);
                    }
                    if (!at.isEmpty()) {
                        expected.put(v, at);
                    }
                });
                int total = expected.values().stream().mapToInt(List::size).sum();
                assertThat(total).as("embeddings per version %s", perVersion).isGreaterThan(0);
                List<ConsumerRecord<byte[], byte[]>> quality = CommittedTopics.read(kafka.bootstrapServers(),
                        "quality", total, job);
                assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);

                Map<Long, List<Long>> seen = new TreeMap<>();
                Map<Long, Quality> last = new TreeMap<>();
                for (ConsumerRecord<byte[], byte[]> r : quality) {
                    Quality q = AvroCodec.of(Quality.class).decode(r.value());
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(cfg.get(
                            io.contrastream.flink.config.JobParams.MODEL_ID));
                    assertThat(new String(r.headers().lastHeader(KafkaBytes.MODEL_VERSION).value(),
                            StandardCharsets.US_ASCII)).isEqualTo(String.valueOf(q.getModelVersion()));
                    assertThat(q.getKnnTop1()).isBetween(0.0, 1.0);
                    assertThat(q.getProbeTop1()).isBetween(0.0, 1.0);
                    assertThat(q.getEffectiveRank()).isGreaterThan(0.0);
                    seen.computeIfAbsent(q.getModelVersion(), v -> new ArrayList<>()).add(q.getRecords());
                    last.merge(q.getModelVersion(), q, (a, b) -> b.getRecords() > a.getRecords() ? b : a);
                }
                seen.values().forEach(java.util.Collections::sort);
                assertThat(seen).as("embeddings per version %s", perVersion).isEqualTo(expected);
                System.out.printf("quality topic: %d records for %d versions (embeddings per version %s)%n",
                        quality.size(), seen.size(), perVersion);
                last.values().forEach(q -> System.out.printf(
                        "quality topic: version %d after %d: knnTop1 %.4f probeTop1 %.4f channelStd %.4f"
                                + " effectiveRank %.2f%n", q.getModelVersion(), q.getRecords(), q.getKnnTop1(),
                        q.getProbeTop1(), q.getChannelStd(), q.getEffectiveRank()));
            } finally {
                CommittedTopics.cancelIfRunning(job);
            }
        }
    }
}
