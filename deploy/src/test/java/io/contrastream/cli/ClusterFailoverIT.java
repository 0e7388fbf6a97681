package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrastream.cluster.ClusterConfig;
import io.contrastream.cluster.ClusterLayout;
import io.contrastream.cluster.SessionCluster;
import io.contrastream.codecs.ImageEncoder;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.DeadLetter;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.connectors.format.avro.ModelVersion;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.StreamingJob;
import io.contrastream.kafka.EmbeddedKafka;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.method.registry.Recipes;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures of a real multi-process cluster with the real broker: the job runs on a session cluster
 * (a JobManager and two TaskManagers, separate JVMs from {@code cluster-lib/}, RocksDB, incremental
 * checkpoints) from the job jar, reading an in-process KRaft broker; poison records are mixed into
 * the stream. Mid-stream one TaskManager is killed with SIGKILL and a new one started; later the
 * broker is stopped and restarted on the same port. Afterwards a read_committed consumer must see
 * exactly one embedding per valid record and one dead letter per poison record, every model version
 * once, and the trainer must have resumed from the checkpoint with the weights it saved (same state
 * hash). Runs in {@code mvn verify} (failsafe), after the job jar is packaged.
 */
class ClusterFailoverIT {
    private static final int VALID = 2400;
    private static final int AFTER_UPGRADE = 640;
    private static final int POISON_EVERY = 2; // 1,200 poison records among the 2,400 valid ones
    private static final String PROMETHEUS_PORTS = "39249-39259";
    private static final Pattern SNAPSHOT = Pattern.compile(
            "trainer snapshot: checkpoint=(\\d+) model=moco-v2 step=(\\d+) version=(\\d+) state_sha256=(\\w+)");
    private static final Pattern RESTORE = Pattern.compile(
            "trainer restore: model=moco-v2 step=(\\d+) version=(\\d+) state_sha256=(\\w+) lr=([0-9.eE-]+)");

    @TempDir
    Path dir;

    @Test
    void killedTaskManagerAndRestartedBrokerLoseAndDuplicateNothing() throws Exception {
        ClusterLayout layout = ClusterLayout.of(Path.of("target"), dir.resolve("cluster"));
        SessionCluster cluster = new SessionCluster(layout, new ClusterConfig(freePort(), freePort(), 1, "1536m", true,
                PROMETHEUS_PORTS), 1);
        Path kafkaDir = dir.resolve("kafka");
        EmbeddedKafka kafka = EmbeddedKafka.start(kafkaDir, 0);
        String bootstrap = kafka.bootstrapServers();
        try {
            JobConfig cfg = EmbeddedRun.config(Map.of("method", "moco-v2", "batch", "32", "queue-size", "256",
                    "publish-every", "4", "checkpoint-interval-ms", "1000", "parallelism", "2", "train-sample", "0.5",
                    "max-image-bytes", "65536"), kafka, dir, "failover");
            kafka.createTopics(2, StreamingJob.topics(cfg));
            long t0 = System.nanoTime();
            cluster.start(2);
            System.out.printf(Locale.ROOT, "failover: cluster of 1 JobManager + 2 TaskManagers up in %.1f s%n", secs(t0));
            String job = cluster.rest().runJar(cluster.rest().uploadJar(layout.jobJar()), SubmitCommand.ENTRY_CLASS,
                    SubmitCommand.programArgs(cfg), null);

            ImageSet data = DataOptions.read("synthetic:" + (VALID + AFTER_UPGRADE), 1, 28, VALID + AFTER_UPGRADE);
            Counts counts = new Counts();
            try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
                // phase 1: a third of the stream, then SIGKILL a TaskManager once checkpoints hold a trained model
                int poison = send(producer, cfg, data, 0, VALID / 3);
                await("2 completed checkpoints and a published version", Duration.ofMinutes(4), () ->
                        completedCheckpoints(cluster, job) >= 2 && counts.poll(bootstrap, cfg).versions.size() >= 1);
                assertPrometheusShowsTheFeed(cluster);
                long restoredBefore = restored(cluster, job);
                long kill = System.nanoTime();
                cluster.killTaskManager(1);
                cluster.startTaskManager(3);
                await("the job restored and running", Duration.ofMinutes(4), () ->
                        restored(cluster, job) > restoredBefore && running(cluster, job));
                double recover = secs(kill);
                int embeddedAtKill = counts.embeddings.size();
                poison += send(producer, cfg, data, VALID / 3, 2 * VALID / 3);
                await("a new embedding after the restore", Duration.ofMinutes(3), () ->
                        counts.poll(bootstrap, cfg).embeddings.size() > embeddedAtKill);
                System.out.printf(Locale.ROOT, "failover: TaskManager kill -9 -> job restored and running %.1f s,"
                        + " first new committed embedding %.1f s after the kill%n", recover, secs(kill));

                // phase 2: the broker goes away for a while and comes back on the same port
                kafka.close();
                long down = System.nanoTime();
                Thread.sleep(5_000);
                kafka = EmbeddedKafka.start(kafkaDir, 0);
                assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
                poison += send(producer, cfg, data, 2 * VALID / 3, VALID);
                int total = poison;
                await("every record embedded or dead-lettered", Duration.ofMinutes(6), () -> {
                    Counts c = counts.poll(bootstrap, cfg);
                    return c.embeddings.size() >= VALID && c.deadLetters.size() >= total;
                });
                System.out.printf(Locale.ROOT, "failover: broker down 5 s, every record through %.1f s after it stopped%n",
                        secs(down));

                assertThat(counts.embeddings).hasSize(VALID);
                assertThat(counts.duplicateEmbeddings).as("duplicate embeddings").isZero();
                assertThat(counts.deadLetters).hasSize(total);
                assertThat(counts.duplicateDeadLetters).as("duplicate dead letters").isZero();
                assertThat(counts.reasons).allSatisfy(r -> assertThat(r).isNotBlank());
                List<Long> versions = new ArrayList<>(counts.versions.keySet());
                versions.sort(null);
                assertThat(counts.duplicateVersions).as("model versions published twice").isZero();
                for (int i = 1; i < versions.size(); i++) {
                    assertThat(versions.get(i)).isEqualTo(versions.get(i - 1) + 1);
                    assertThat(counts.versions.get(versions.get(i))).isGreaterThan(counts.versions.get(versions.get(i - 1)));
                }
                System.out.printf(Locale.ROOT, "failover: records in %d valid + %d poison, embeddings %d, dead letters %d,"
                        + " duplicates 0, model versions 1..%d%n", VALID, total, counts.embeddings.size(),
                        counts.deadLetters.size(), versions.get(versions.size() - 1));
                assertTrainerResumedFromCheckpointedWeights(layout);

                // phase 3: upgrade through a savepoint with a changed learning rate; the first batch after the
                // restore is the numerics guard's NaN drill
                String savepoint = cluster.rest().stopWithSavepoint(job, null, Duration.ofMinutes(3));
                String[] saved = lastSnapshot(layout);
                Map<String, String> changed = new java.util.LinkedHashMap<>(cfg.asMap());
                changed.put("lr", "0.03");
                changed.put("drill-nan-batches", "1");
                JobConfig upgraded = JobConfig.of(changed);
                String job2 = cluster.rest().runJar(cluster.rest().uploadJar(layout.jobJar()), SubmitCommand.ENTRY_CLASS,
                        SubmitCommand.programArgs(upgraded), savepoint);
                send(producer, upgraded, data, VALID, VALID + AFTER_UPGRADE);
                long before = versions.get(versions.size() - 1);
                // 640 records, half of them trained at batch 32: about 10 steps, so at least 2 new versions
                await("the records sent after the upgrade embedded and a new version published", Duration.ofMinutes(4),
                        () -> counts.poll(bootstrap, cfg).embeddings.size() >= VALID + AFTER_UPGRADE
                                && counts.versions.keySet().stream().anyMatch(v -> v > before));
                float lr = 0.03f * 32 / 256;
                assertThat(restoresWithLr(layout, lr)).as("restored from the savepoint's state at lr %s", lr)
                        .contains(saved[1]);
                await("the NaN drill counted in skippedSteps", Duration.ofMinutes(1), () ->
                        trainerMetric(cluster, job2, "skippedSteps") == 1);
                counts.poll(bootstrap, cfg);
                assertThat(counts.embeddings).hasSize(VALID + AFTER_UPGRADE);
                assertThat(counts.duplicateEmbeddings + counts.duplicateVersions).as("duplicates").isZero();
                List<Long> all = new ArrayList<>(counts.versions.keySet());
                all.sort(null);
                assertThat(all).as("versions continue after the upgrade, each once").hasSize(all.get(all.size() - 1).intValue());
                long newest = all.get(all.size() - 1);
                assertThat(newest).isGreaterThan(versions.get(versions.size() - 1));
                assertThat(finiteEmbeddings(upgraded, newest, data)).as("version %d's weights are finite", newest).isTrue();
                System.out.printf(Locale.ROOT, "failover: savepoint upgrade (lr 0.06 -> 0.03) resumed at step/version %s,"
                        + " NaN drill skipped and counted, versions up to %d, weights finite%n",
                        saved[1].substring(0, saved[1].indexOf('/', saved[1].indexOf('/') + 1)), newest);
                cluster.rest().cancel(job2);
            }
        } finally {
            cluster.stop();
            kafka.close();
            keepLogs(layout);
        }
    }

    /** The cluster's logs survive the temporary folder: target/cluster-it-logs. */
    private static void keepLogs(ClusterLayout layout) throws IOException {
        Path keep = Path.of("target", "cluster-it-logs");
        Files.createDirectories(keep);
        try (var logs = Files.list(layout.logs())) {
            for (Path log : logs.toList()) {
                Files.copy(log, keep.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** {checkpoint id, "step/version/sha256"} of the newest trainer snapshot in the TaskManagers' logs. */
    private static String[] lastSnapshot(ClusterLayout layout) throws IOException {
        String[] last = null;
        long newest = -1;
        for (String line : taskManagerLog(layout)) {
            Matcher s = SNAPSHOT.matcher(line);
            if (s.find() && Long.parseLong(s.group(1)) > newest) {
                newest = Long.parseLong(s.group(1));
                last = new String[] {s.group(1), s.group(2) + "/" + s.group(3) + "/" + s.group(4)};
            }
        }
        assertThat(last).as("a trainer snapshot in the logs").isNotNull();
        return last;
    }

    /** "step/version/sha256" of every trainer restore at learning rate {@code lr}. */
    private static List<String> restoresWithLr(ClusterLayout layout, float lr) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : taskManagerLog(layout)) {
            Matcher r = RESTORE.matcher(line);
            if (r.find() && Math.abs(Float.parseFloat(r.group(4)) - lr) < 1e-7f) {
                out.add(r.group(1) + "/" + r.group(2) + "/" + r.group(3));
            }
        }
        return out;
    }

    private static List<String> taskManagerLog(ClusterLayout layout) throws IOException {
        List<String> lines = new ArrayList<>();
        try (var logs = Files.list(layout.logs())) {
            for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("taskmanager-")
                    && p.toString().endsWith(".log")).sorted().toList()) {
                lines.addAll(Files.readAllLines(log));
            }
        }
        return lines;
    }

    /** A metric of the trainer summed over its subtasks, from the REST API (-1 while not reported yet). */
    private static long trainerMetric(SessionCluster c, String job, String metric) {
        try {
            for (JsonNode v : RestJson.get(c.rest().address(), "/jobs/" + job).path("vertices")) {
                if (v.path("name").asText().startsWith("trainer")) {
                    String base = "/jobs/" + job + "/vertices/" + v.path("id").asText() + "/subtasks/metrics";
                    for (JsonNode m : RestJson.get(c.rest().address(), base)) {
                        String id = m.path("id").asText();
                        if (id.endsWith("." + metric)) {
                            JsonNode r = RestJson.get(c.rest().address(), base + "?get=" + id + "&agg=sum");
                            return r.isArray() && r.size() > 0 ? (long) r.get(0).path("sum").asDouble() : -1;
                        }
                    }
                }
            }
            return -1;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    /** Embeds a few images with a published version's encoder: NaN weights would give NaN. */
    private static boolean finiteEmbeddings(JobConfig cfg, long version, ImageSet data) throws IOException {
        try (var model = io.contrastream.model.method.registry.Recipes.create(cfg.method(), cfg.recipeParams(), cfg.encoderConfig())) {
            model.importEncoder(io.contrastream.flink.store.ModelStore.readEncoder(io.contrastream.flink.store.ModelStore
                    .versionUri(cfg.get(JobParams.MODEL_STORE), cfg.get(JobParams.MODEL_ID), version)));
            float[] flat = new float[8 * 28 * 28];
            for (int i = 0; i < 8; i++) {
                System.arraycopy(data.images().get(i).data, 0, flat, i * 784, 784);
            }
            for (float[] h : model.embed(flat, 8)) {
                for (float x : h) {
                    if (!Float.isFinite(x)) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    /** Every restore line's (step, version, state hash) equals a snapshot line's: the weights came back as saved. */
    private static void assertTrainerResumedFromCheckpointedWeights(ClusterLayout layout) throws IOException {
        Map<String, String> snapshots = new HashMap<>();
        List<String> restores = new ArrayList<>();
        try (var logs = Files.list(layout.logs())) {
            for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("taskmanager-")
                    && p.toString().endsWith(".log")).toList()) {
                for (String line : Files.readAllLines(log)) {
                    Matcher s = SNAPSHOT.matcher(line);
                    if (s.find()) {
                        snapshots.put(s.group(2) + "/" + s.group(3) + "/" + s.group(4), s.group(1));
                    }
                    Matcher r = RESTORE.matcher(line);
                    if (r.find()) {
                        restores.add(r.group(1) + "/" + r.group(2) + "/" + r.group(3));
                    }
                }
            }
        }
        assertThat(restores).as("the trainer restored its model at least once (kill and broker restart)").isNotEmpty();
        for (String r : restores) {
            assertThat(snapshots).as("restored state step/version/sha256 %s was checkpointed", r).containsKey(r);
            System.out.println("failover: trainer restored step/version/sha256 " + r + " = checkpoint " + snapshots.get(r));
        }
    }

    /** Sends valid records {@code from..to} with a poison record after every {@link #POISON_EVERY}th; returns the poison count. */
    private static int send(KafkaProducer<byte[], byte[]> producer, JobConfig cfg, ImageSet data, int from, int to) {
        String topic = cfg.get(JobParams.IMAGES_TOPIC);
        AvroCodec<ImageRecord> codec = AvroCodec.of(ImageRecord.class);
        int poison = 0;
        for (int i = from; i < to; i++) {
            String id = "img-" + i;
            producer.send(new ProducerRecord<>(topic, id.getBytes(), codec.encode(ImageEncoder.png(id, "it",
                    System.currentTimeMillis(), data.images().get(i), data.labels()[i]))));
            if (i % POISON_EVERY == 0) {
                producer.send(new ProducerRecord<>(topic, ("bad-" + i).getBytes(), PoisonRecords.record(i / POISON_EVERY)));
                poison++;
            }
        }
        producer.flush();
        return poison;
    }

    /** What read_committed consumers have seen so far on the three output topics. */
    private static final class Counts {
        final Set<String> embeddings = new HashSet<>();
        final Set<String> deadLetters = new HashSet<>();
        final List<String> reasons = new ArrayList<>();
        final Map<Long, Long> versions = new HashMap<>(); // version -> step
        long duplicateEmbeddings;
        long duplicateDeadLetters;
        long duplicateVersions;
        private final Map<String, KafkaConsumer<byte[], byte[]>> consumers = new HashMap<>();

        Counts poll(String bootstrap, JobConfig cfg) {
            AvroCodec<Embedding> emb = AvroCodec.of(Embedding.class);
            AvroCodec<DeadLetter> dlq = AvroCodec.of(DeadLetter.class);
            AvroCodec<ModelVersion> ver = AvroCodec.of(ModelVersion.class);
            try {
                for (ConsumerRecord<byte[], byte[]> r : consumer(bootstrap, cfg.get(JobParams.EMBEDDINGS_TOPIC))
                        .poll(Duration.ofMillis(200))) {
                    duplicateEmbeddings += embeddings.add(emb.decode(r.value()).getRecordId()) ? 0 : 1;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer(bootstrap, cfg.get(JobParams.DEAD_LETTER_TOPIC))
                        .poll(Duration.ofMillis(200))) {
                    DeadLetter d = dlq.decode(r.value());
                    String key = d.getTopic() + "/" + d.getPartition() + "/" + d.getOffset();
                    duplicateDeadLetters += deadLetters.add(key) ? 0 : 1;
                    reasons.add(d.getReason());
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer(bootstrap, cfg.get(JobParams.MODEL_VERSIONS_TOPIC))
                        .poll(Duration.ofMillis(200))) {
                    ModelVersion v = ver.decode(r.value());
                    duplicateVersions += versions.put(v.getVersion(), v.getStep()) == null ? 0 : 1;
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the output topics: " + e, e);
            }
            return this;
        }

        private KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String topic) {
            return consumers.computeIfAbsent(topic, t -> EmbeddedRun.fromStart(bootstrap, t, "read_committed"));
        }
    }

    /**
     * Every process of the cluster serves Prometheus' text format on 127.0.0.1 only, and a scrape finds the
     * trainer's and the embedders' metrics by name (model version, dead letters, lost transactions).
     */
    private static void assertPrometheusShowsTheFeed(SessionCluster cluster) throws Exception {
        java.util.List<String> bodies = PrometheusScrape.of(39249, 39259);
        int served = bodies.size();
        String all = String.join("", bodies);
        assertThat(served).as("processes serving /metrics in " + PROMETHEUS_PORTS).isGreaterThanOrEqualTo(3);
        String text = all;
        for (String[] m : new String[][] {{"modelVersion", "trainer"}, {"modelVersion", "embed"},
                {"trainingStep", "trainer"}, {"deadLetters", "decode"}}) {
            assertThat(text).as("a %s metric of %s", m[0], m[1]).containsPattern(
                    "(?m)^flink_taskmanager_job_task_operator_" + m[0] + "\\{[^}]*operator_name=\"" + m[1] + "\"");
        }
        assertThat(text).as("the KafkaSink committers' lost-transaction counter").contains("lostTransactions");
        for (String metric : GrafanaDashboardTest.queriedMetrics()) { // the dashboard shows what the job exports
            assertThat(text).as("the Grafana dashboard's metric %s in the scrape", metric).containsPattern(
                    "(?m)^" + metric + "[{ ]");
        }
        for (long pid : cluster.processes().values()) {
            for (java.net.InetSocketAddress a : ListeningSockets.of(pid)) {
                assertThat(a.getAddress().isLoopbackAddress()).as("process %d listens on %s", pid, a).isTrue();
            }
        }
        text.lines().filter(l -> l.matches("^flink_taskmanager_job_task_operator_(embedLatencyMs\\{.*quantile=\"0\\.99\".*|"
                + "(embeddedPerSecond|modelAgeMs|recordsInPerSecond|lastPublishedVersion)\\b.*)")).limit(8)
                .forEach(l -> System.out.println("failover: scrape: " + l.replaceAll("(task_attempt_id|tm_id|job_id|task_id|"
                        + "operator_id|host)=\"[^\"]*\",?", "")));
        System.out.printf(Locale.ROOT, "failover: Prometheus scrape of %d processes, %d lines, trainer and embedder"
                + " metrics found, every socket on loopback%n", served, text.split("\n").length);
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"); // a broker restart must not duplicate the input
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static long completedCheckpoints(SessionCluster c, String job) {
        return checkpoints(c, job).path("counts").path("completed").asLong();
    }

    private static long restored(SessionCluster c, String job) {
        return checkpoints(c, job).path("counts").path("restored").asLong();
    }

    private static JsonNode checkpoints(SessionCluster c, String job) {
        try {
            return c.rest().checkpoints(job);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String lastState = "";

    private static boolean running(SessionCluster c, String job) {
        try {
            JsonNode j = RestJson.get(c.rest().address(), "/jobs/" + job);
            StringBuilder state = new StringBuilder(j.path("state").asText());
            j.path("vertices").forEach(v -> v.path("tasks").properties().forEach(t -> {
                if (t.getValue().asInt() > 0) {
                    state.append(' ').append(v.path("name").asText().split(" ")[0]).append(':').append(t.getKey())
                            .append('=').append(t.getValue().asInt());
                }
            }));
            if (!state.toString().equals(lastState)) { // state changes only
                lastState = state.toString();
                System.out.println("failover: job " + state);
            }
            return c.rest().fullyRunning(job);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
