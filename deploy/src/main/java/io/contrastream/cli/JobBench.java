package io.contrastream.cli;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.ModelVersion;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.job.StreamingJob;
import io.contrastream.kafka.EmbeddedKafka;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.train.Pretrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Benchmarks of the whole job on an embedded KRaft broker and a Flink MiniCluster (RocksDB,
 * exactly-once sinks), printed one line per figure:
 * <ul>
 *   <li>B2 {@link #pipeline}: training images/s of Kafka → job → Kafka against the bare training
 *       loop on the same images, recipe and batch.</li>
 *   <li>B3 {@link #feed}: end-to-end latency (produced → readable by a read_committed consumer) at a
 *       steady input rate, and embeddings/s.</li>
 * </ul>
 *
 * <pre>{@code
 * JobBench.pipeline(images, Map.of("batch", "128"));
 * }</pre>
 */
final class JobBench {
    private JobBench() {}

    /** B2: bare loop then pipeline, each timed over the steps after the first {@code warmSteps}. */
    static void pipeline(ImageSet data, Map<String, String> settings, int warmSteps) throws Exception {
        JobConfig shape = JobConfig.of(settings);
        int batch = shape.recipeParams().get(io.contrastream.model.optim.OptimizerParams.BATCH);
        int steps = data.size() / batch;
        // bare loop: the same recipe over the same images, one epoch
        long[] stepNanos = new long[steps + 1];
        try (AbstractRecipe r = Recipes.create(shape.method(), shape.recipeParams(), shape.encoderConfig())) {
            Pretrainer p = new Pretrainer(r, data, batch, 7);
            p.run(1, (epoch, result, seen) -> stepNanos[(int) result.step()] = System.nanoTime());
        }
        double bare = batch * (steps - warmSteps) / ((stepNanos[steps] - stepNanos[warmSteps]) / 1e9);
        System.out.printf(Locale.ROOT, "b2 bare method=%s batch=%d steps=%d images_per_s=%.1f%n", shape.method(), batch,
                steps - warmSteps, bare);

        Path work = Files.createTempDirectory("contrastream-bench");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), 0)) {
            JobConfig cfg = EmbeddedRun.config(settings, kafka, work, "b2");
            kafka.createTopics(2, StreamingJob.topics(cfg));
            ImageProducer.send(kafka.bootstrapServers(), cfg.get(JobParams.IMAGES_TOPIC), data, "b2", 0, new AtomicLong());
            JobClient job = start(cfg);
            // versions are read uncommitted: the time a version is written, not when its checkpoint completes
            List<long[]> seen = new ArrayList<>(); // {step, nanos}
            long last = (long) steps / cfg.get(JobParams.PUBLISH_EVERY) * cfg.get(JobParams.PUBLISH_EVERY);
            try (KafkaConsumer<byte[], byte[]> c = EmbeddedRun.fromStart(kafka.bootstrapServers(), cfg.get(JobParams.MODEL_VERSIONS_TOPIC), "read_uncommitted")) {
                AvroCodec<ModelVersion> codec = AvroCodec.of(ModelVersion.class);
                long deadline = System.nanoTime() + 1_800_000_000_000L;
                while ((seen.isEmpty() || seen.get(seen.size() - 1)[0] < last) && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(100))) {
                        seen.add(new long[] {codec.decode(rec.value()).getStep(), System.nanoTime()});
                    }
                }
            } finally {
                job.cancel().get();
            }
            long[] first = seen.stream().filter(s -> s[0] >= warmSteps).findFirst().orElseThrow();
            long[] end = seen.get(seen.size() - 1);
            double piped = batch * (end[0] - first[0]) / ((end[1] - first[1]) / 1e9);
            System.out.printf(Locale.ROOT, "b2 pipeline method=%s batch=%d steps=%d images_per_s=%.1f ratio=%.3f%n",
                    shape.method(), batch, end[0] - first[0], piped, piped / bare);
        }
    }

    /**
     * B3: records produced at {@code rate}/s for {@code seconds} (0: all pre-filled, as fast as the job
     * goes); latency of every embedding read back by a read_committed consumer after the first
     * {@code warmSeconds}, and embeddings/s.
     */
    static void feed(ImageSet data, Map<String, String> settings, double rate, int warmSeconds, int poison)
            throws Exception {
        Path work = Files.createTempDirectory("contrastream-bench");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), 0)) {
            JobConfig cfg = EmbeddedRun.config(settings, kafka, work, "b3");
            kafka.createTopics(2, StreamingJob.topics(cfg));
            AtomicLong produced = new AtomicLong();
            if (rate <= 0) {
                ImageProducer.send(kafka.bootstrapServers(), cfg.get(JobParams.IMAGES_TOPIC), data, "b3", 0, produced,
                        poison);
            }
            JobClient job = start(cfg);
            Thread producer = new Thread(() -> {
                try {
                    ImageProducer.send(kafka.bootstrapServers(), cfg.get(JobParams.IMAGES_TOPIC), data, "b3", rate, produced,
                            poison);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bench-producer");
            producer.setDaemon(true);
            if (rate > 0) {
                producer.start();
            }
            long[] lat = new long[data.size()];
            int count = 0;
            int total = 0;
            long t0 = System.nanoTime();
            long firstWarm = 0;
            long lastNanos = 0;
            try (KafkaConsumer<byte[], byte[]> c = EmbeddedRun.fromStart(kafka.bootstrapServers(), cfg.get(JobParams.EMBEDDINGS_TOPIC), "read_committed")) {
                AvroCodec<Embedding> codec = AvroCodec.of(Embedding.class);
                long lastProgress = System.nanoTime();
                while (total < data.size() && System.nanoTime() - lastProgress < 120_000_000_000L) {
                    for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(50))) {
                        long now = System.currentTimeMillis();
                        long nanos = System.nanoTime();
                        total++;
                        lastProgress = nanos;
                        if (nanos - t0 >= warmSeconds * 1_000_000_000L) {
                            if (count == 0) {
                                firstWarm = nanos;
                            }
                            lat[count++] = now - codec.decode(rec.value()).getEventTime().toEpochMilli();
                            lastNanos = nanos;
                        }
                    }
                }
            } finally {
                job.cancel().get();
                producer.interrupt();
            }
            long[] sorted = Arrays.copyOf(lat, count);
            Arrays.sort(sorted);
            double perSecond = count > 1 ? (count - 1) / ((lastNanos - firstWarm) / 1e9) : 0;
            System.out.printf(Locale.ROOT, "b3 feed method=%s rate=%s poison_per_image=%d checkpoint_ms=%d embed_batch=%d measured=%d of %d"
                    + " embeddings_per_s=%.1f per_core=%.1f latency_ms_p50=%d p99=%d max=%d%n", cfg.method(),
                    rate > 0 ? String.valueOf((int) rate) : "max", poison, cfg.get(JobParams.CHECKPOINT_INTERVAL_MS),
                    cfg.get(JobParams.EMBED_BATCH), count, total, perSecond,
                    perSecond / Runtime.getRuntime().availableProcessors(), pick(sorted, 0.5), pick(sorted, 0.99),
                    count > 0 ? sorted[count - 1] : -1);
        }
    }

    private static long pick(long[] sorted, double q) {
        return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    private static JobClient start(JobConfig cfg) throws Exception {
        return EmbeddedRun.start(StreamExecutionEnvironment.getExecutionEnvironment(
                PretrainJob.flinkConfiguration(cfg)), cfg, "contrastream-bench");
    }
}
