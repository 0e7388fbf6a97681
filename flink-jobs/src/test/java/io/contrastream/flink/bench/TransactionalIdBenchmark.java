package io.contrastream.flink.bench;

import io.contrastream.codecs.ImageEncoder;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.job.StreamingJob;
import io.contrastream.kafka.EmbeddedKafka;
import io.contrastream.model.augment.image.Image;
import io.contrastream.model.data.SyntheticImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A benchmark, not a test: the image job on the embedded broker for N minutes (default 10) at the
 * default checkpoint interval, a trickle of 20 images/s, then the broker's transactional ids of the
 * job counted with {@code Admin.listTransactions} (the ids the broker keeps state for, for
 * {@code transactional.id.expiration.ms}).
 *
 * <pre>
 * mvn -B -o -pl flink-jobs test -Dtest=TransactionalIdBenchmark -Dcontrastream.bench=true \
 *     -Dcontrastream.bench.minutes=10 -Dcontrastream.bench.naming=pooling     # or incrementing
 * </pre>
 */
@EnabledIfSystemProperty(named = "contrastream.bench", matches = "true")
class TransactionalIdBenchmark {
    @Test
    void transactionalIdsAfterMinutes() throws Exception {
        double minutes = Double.parseDouble(System.getProperty("contrastream.bench.minutes", "10"));
        String naming = System.getProperty("contrastream.bench.naming", "pooling");
        Path tmp = Files.createTempDirectory("txn-bench");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0)) {
            kafka.createTopics(2, "images", "embeddings", "dead-letters", "model-versions", "quality");
            Map<String, String> s = new HashMap<>();
            s.put("batch", "16");
            s.put("queue-size", "256");
            s.put("parallelism", "2");
            s.put("transaction-naming", naming);
            s.put("bootstrap-servers", kafka.bootstrapServers());
            s.put("model-store", tmp.resolve("models").toUri().toString());
            s.put("checkpoint-dir", tmp.resolve("ck").toUri().toString());
            JobConfig cfg = JobConfig.of(s);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                    PretrainJob.flinkConfiguration(cfg));
            PretrainJob.configure(env, cfg);
            StreamingJob.buildFromKafka(env, cfg);
            JobClient job = env.executeAsync("txn-bench");
            AtomicBoolean stop = new AtomicBoolean();
            Thread producer = new Thread(() -> produce(kafka, stop), "bench-producer");
            producer.start();
            long end = System.nanoTime() + (long) (minutes * 60e9);
            while (System.nanoTime() < end) {
                Thread.sleep(1000); // the benchmark's duration is wall-clock by definition
            }
            stop.set(true);
            producer.join();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers()))) {
                Collection<TransactionListing> all = admin.listTransactions().all().get();
                long ours = all.stream().filter(t -> t.transactionalId().startsWith("contrastream-")).count();
                Map<String, Long> byState = new java.util.TreeMap<>();
                all.forEach(t -> byState.merge(t.state().toString(), 1L, Long::sum));
                System.out.printf("txn-bench: naming=%s minutes=%.1f checkpoints~%d transactional_ids=%d states=%s%n",
                        naming, minutes, (long) (minutes * 60_000 / 2000), ours, byState);
            }
            job.cancel().get();
        }
    }

    static void produce(EmbeddedKafka kafka, AtomicBoolean stop) {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        AvroCodec<ImageRecord> codec = AvroCodec.of(ImageRecord.class);
        List<Image> images = SyntheticImages.generate(200, 28, 5).images();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            long i = 0;
            while (!stop.get()) {
                p.send(new ProducerRecord<>("images", codec.encode(ImageEncoder.png("img-" + i, "bench", i,
                        images.get((int) (i % images.size())), 0))));
                i++;
                try {
                    Thread.sleep(50); // a trickle: 20 records/s
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
