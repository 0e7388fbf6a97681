package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrastream.cluster.FlinkRest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command of README.md, typed as a user types it: each one runs through the launcher
 * {@code deploy/bin/contrastream} as its own process (JVM flags, classpath, picocli, defaults and all), and
 * each one's last line is checked. Long-running ones (the broker, {@code run}, the demos, the session cluster)
 * also have their listening sockets read from /proc: all on 127.0.0.1; the embedded jobs' REST answers
 * {@code web-submit: false}; the session cluster keeps jar upload (what {@code submit} uses) on loopback
 * only. A secret typed into the job settings is refused by {@code submit}; one passed as a Kafka config
 * provider reference reaches neither the cluster's REST API nor its logs. Finally every
 * {@code deploy/bin/contrastream <command>} of the README's bash blocks must have been run here: a new README
 * command without a test fails this test.
 *
 * <pre>{@code
 * mvn -B verify                                     # failsafe runs it after package (it needs deploy/target)
 * mvn -B -pl deploy verify -Dit.test=ReadmeCommandsIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * }</pre>
 *
 * <p>Sizes are the README's commands plus their small-size flags ({@code --records}, {@code --limit},
 * {@code --epochs}, {@code --speakers}); ports are free ones ({@code --port}, {@code --rest-port},
 * {@code --web-port 0}) and homes temporary ({@code --dir}, {@code --home}), so the test never meets another
 * broker or cluster on this machine.
 */
class ReadmeCommandsIT {
    /** failsafe runs in the module folder, deploy/. */
    private static final Path DEPLOY = Path.of("").toAbsolutePath();
    private static final Path LAUNCHER = DEPLOY.resolve("bin/contrastream");
    private static final Path README = DEPLOY.getParent().resolve("README.md");
    private static final Pattern README_COMMAND = Pattern.compile("deploy/bin/contrastream\\s+([a-z][\\w-]*)(?:\\s+([a-z][\\w-]*))?");
    private static final String FASHION = DataOptions.DEFAULT_FASHION;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * What the first test runs through the launcher. A command in README.md's bash blocks that is missing here
     * fails {@link #everyLauncherCommandOfTheReadmesBashBlocksIsRunHere} at once; the first test checks that it ran
     * exactly these, so the list cannot claim what was not run.
     */
    static final Set<String> RUNS = Set.of("make-speech", "pretrain", "eval", "demo", "kafka", "produce", "run",
            "cluster start", "cluster status", "cluster stop", "submit", "stop", "schemas");

    @TempDir
    Path dir;

    /** The commands (cluster: with its subcommand) that ran through the launcher. */
    private final Set<String> ran = new LinkedHashSet<>();
    private final List<Process> started = new ArrayList<>();

    @Test
    void everyReadmeCommandRunsAsTypedAndEndsWithItsLastLine() throws Exception {
        assertThat(Path.of(MakeSpeechCommand.ESPEAK)).as("make-speech and the audio demo need espeak-ng (apt-get install"
                + " espeak-ng; .ci/run installs it)").isExecutable();
        long t0 = System.nanoTime();
        boolean fashion = Files.isDirectory(Path.of(FASHION));
        String train = fashion ? "fashion-mnist:" + FASHION + ":train" : "synthetic:2000:train";
        String test = fashion ? "fashion-mnist:" + FASHION + ":test" : "synthetic:500:test";
        try {
            // "Command line": make-speech, pretrain, eval
            Path speech = dir.resolve("speech");
            assertThat(lastLine(run(Duration.ofMinutes(2), "make-speech", "--out", speech.toString(), "--speakers", "2",
                    "--words", "2", "--per-word", "2")))
                    .matches("make-speech: speakers=2 words=2 utterances=8 seconds=\\d+\\.\\d dir=" + Pattern.quote(speech.toString()));
            Path model = dir.resolve("model");
            assertThat(lastLine(run(Duration.ofMinutes(3), "pretrain", "--method", "moco-v2", "--data", train, "--limit",
                    "256", "--epochs", "1", "--batch", "64", "--out", model.toString())))
                    .matches("pretrain: method=moco-v2 steps=4 skipped=0 loss=\\S+ images_per_s=\\S+ seconds=\\d+ out=.*");
            assertThat(lastLine(run(Duration.ofMinutes(3), "eval", "--model", model.toString(), "--train-data",
                    train + "@0:256", "--test-data", test + "@0:200")))
                    .matches("knn_top1=[01]\\.\\d{4} linear_top1=[01]\\.\\d{4} raw_knn_top1=[01]\\.\\d{4} random_knn_top1=[01]\\.\\d{4}");
            log("make-speech, pretrain, eval", t0);

            // "The two commands": the demo, shortened with --records; then the audio demo exactly as in the README
            Launched demo = start(Map.of(), "demo", "--records", "500", "--web-port", "0", "--dir",
                    dir.resolve("demo").toString());
            awaitLine(demo, "demo: Flink web UI at", Duration.ofMinutes(3));
            assertLoopbackOnlyAndNoWebSubmit(demo.process.pid(), "demo");
            assertThat(lastLine(demo.finish(Duration.ofMinutes(4))))
                    .matches("demo: records=500 embeddings=500 model_version=\\d+ knn_top1=[01]\\.\\d{4}");
            log("demo --records 500", t0);
            // no size option: the espeak-ng corpus (360 utterances) is made and streamed whole, about a minute
            assertThat(lastLine(run(Duration.ofMinutes(5), "demo", "--modality", "audio", "--web-port", "0")))
                    .matches("demo: streams=8 chunks=(\\d+) predictions=\\1 model_version=[1-9]\\d* speaker_probe=[01]\\.\\d{4}");
            log("demo --modality audio", t0);

            // the broker of "Running on a Flink cluster", the images and the speech into it, and `run` against it
            int kafkaPort = freePort();
            String bootstrap = "127.0.0.1:" + kafkaPort;
            Launched kafka = start(Map.of(), "kafka", "--dir", dir.resolve("kafka").toString(), "--port",
                    String.valueOf(kafkaPort));
            awaitLine(kafka, "kafka: broker ready at " + bootstrap, Duration.ofMinutes(2));
            assertLoopbackOnly(kafka.process.pid(), "kafka");
            assertThat(lastLine(run(Duration.ofMinutes(2), "produce", "--data", train, "--topic", "images", "--limit",
                    "300", "--bootstrap-servers", bootstrap))).matches("produce: records=300 topic=images seconds=\\S+");
            assertThat(lastLine(run(Duration.ofMinutes(2), "produce", "--data", "wavfolder:" + speech, "--streams", "2",
                    "--chunk-ms", "100", "--bootstrap-servers", bootstrap)))
                    .matches("produce: chunks=\\d+ streams=2 utterances=8 audio_seconds=\\S+ topic=audio seconds=\\S+");

            // a secret in the embedded job's settings stays out of its console (Kafka logs such values as [hidden])
            String runSecret = "run-secret-" + UUID.randomUUID();
            Path runYaml = jobYaml("run", bootstrap, Map.of("kafka.ssl.key.password", runSecret));
            Launched job = start(Map.of(), "run", "--config", runYaml.toString(), "--set", "lr=0.1");
            awaitLine(job, "run: simclr from " + bootstrap + " topic images", Duration.ofMinutes(1));
            await("300 committed embeddings from `run`", Duration.ofMinutes(3), () -> committed(bootstrap, "embeddings") >= 300
                    || !job.process.isAlive());
            assertThat(job.process.isAlive()).as("run is still running: %s", job).isTrue();
            assertLoopbackOnlyAndNoWebSubmit(job.process.pid(), "run");
            job.process.destroy(); // Ctrl-C's TERM: the streaming job has no end of its own
            assertThat(job.process.waitFor(1, TimeUnit.MINUTES)).as("run exits on TERM").isTrue();
            assertThat(job.output()).doesNotContain(runSecret);
            log("kafka, produce (images, audio), run", t0);

            // "Reading the topics": the schemas, then the Python consumer of the embeddings `run` committed, as typed
            // (from the repository root, schema from the `schemas` output)
            Path schemas = dir.resolve("schemas");
            assertThat(lastLine(run(Duration.ofMinutes(1), "schemas", "--out", schemas.toString())))
                    .isEqualTo("schemas: wrote 7 files to " + schemas);
            String python = PythonConsumerTest.python();
            if (python == null) {
                System.out.println("readme-commands: python/consume_embeddings.py NOT run: no python3 with confluent_kafka"
                        + " and avro (apt-get install python3-confluent-kafka python3-avro; .ci/run installs them)");
            } else {
                Path consumed = dir.resolve("consume.out");
                Process consumer = new ProcessBuilder(python, "python/consume_embeddings.py", "--bootstrap-servers",
                        bootstrap, "--schema", schemas.resolve("embedding.avsc").toString(), "--max-records", "300",
                        "--quiet").directory(DEPLOY.getParent().toFile()).redirectErrorStream(true)
                        .redirectOutput(consumed.toFile()).start();
                started.add(consumer);
                assertThat(consumer.waitFor(2, TimeUnit.MINUTES)).as("the consumer ends: %s", Files.readString(consumed))
                        .isTrue();
                String last = Files.readString(consumed).strip().lines().reduce((a, b) -> b).orElse("");
                System.out.println("readme-commands: python3 python/consume_embeddings.py -> exit " + consumer.exitValue()
                        + ": " + last);
                assertThat(consumer.exitValue()).as(Files.readString(consumed)).isZero();
                assertThat(last).matches("consume: records=300 ids=300 versions=\\d+\\.\\.\\d+ dims=\\[\\d+\\]"
                        + " header_mismatches=0 seconds=\\d+\\.\\d");
            }
            log("schemas, python/consume_embeddings.py", t0);

            // "Running on a Flink cluster", in the README's order
            int restPort = freePort();
            String rest = "http://127.0.0.1:" + restPort;
            Path home = dir.resolve("cluster");
            String[] where = {"--home", home.toString(), "--rest-port", String.valueOf(restPort), "--rpc-port",
                    String.valueOf(freePort())};
            // the secret lives in the cluster processes' environment only; the job refers to it by name
            String secret = "it-secret-" + UUID.randomUUID();
            String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"cs\" password=\"%s\";";
            Map<String, String> clusterEnv = Map.of("CONTRASTREAM_IT_JAAS", jaas.formatted(secret));
            assertThat(lastLine(run(Duration.ofMinutes(3), clusterEnv, concat(new String[] {"cluster", "start",
                    "--taskmanagers", "2"}, where))))
                    .matches("cluster: started in \\S+ s: flink 2\\.2\\.\\d+, 2 taskmanagers, 2 slots, web UI "
                            + Pattern.quote(rest) + " \\(jar submission on, this machine only\\), home " + Pattern.quote(home.toString()));
            for (long pid : clusterPids(home)) {
                assertLoopbackOnly(pid, "cluster process " + pid);
            }
            assertThat(new FlinkRest(rest).webSubmitEnabled())
                    .as("the session cluster keeps jar upload for `submit` (on 127.0.0.1 only)").isTrue();

            Map<String, String> providers = new LinkedHashMap<>();
            providers.put("kafka.config.providers", "env");
            providers.put("kafka.config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
            providers.put("kafka.sasl.jaas.config", "${env:CONTRASTREAM_IT_JAAS}");
            // its own consumer group and transactional ids: `run` above was killed with its transactions open
            providers.put("group-id", "contrastream-cluster");
            Path jobYaml = jobYaml("cluster", bootstrap, providers);
            String typed = "typed-secret-" + UUID.randomUUID();
            Run refused = run(Duration.ofMinutes(1), "submit", "--rest", rest, "--config", jobYaml.toString(), "--set",
                    "kafka.sasl.jaas.config=" + jaas.formatted(typed));
            assertThat(refused.code).as(refused.toString()).isEqualTo(2);
            assertThat(refused.err).contains("refused: [kafka.sasl.jaas.config]").doesNotContain(typed);

            Matcher submitted = Pattern.compile("submit: job ([0-9a-f]{32}) \\(simclr, model simclr\\) on " + Pattern.quote(rest))
                    .matcher(lastLine(run(Duration.ofMinutes(2), "submit", "--rest", rest, "--config", jobYaml.toString())));
            assertThat(submitted.matches()).as(submitted.toString()).isTrue();
            String job1 = submitted.group(1);
            FlinkRest flink = new FlinkRest(rest);
            await("the cluster job embedding the 300 images", Duration.ofMinutes(3), () -> embedded(flink, job1) >= 300);
            Run status = run(Duration.ofMinutes(1), concat(new String[] {"cluster", "status"}, where));
            assertThat(status.out).containsPattern("(?m)^job " + job1 + " RUNNING\\s+contrastream-pretrain-simclr$");
            assertThat(lastLine(status)).startsWith("job ");
            assertNoSecretAnywhere(flink, job1, home, secret, typed);

            Matcher stopped = Pattern.compile("stop: job " + job1 + " stopped with savepoint (\\S+)")
                    .matcher(lastLine(run(Duration.ofMinutes(3), "stop", "--job", job1, "--rest", rest)));
            assertThat(stopped.matches()).as(stopped.toString()).isTrue();
            String savepoint = stopped.group(1);
            Matcher upgraded = Pattern.compile("submit: job ([0-9a-f]{32}) \\(simclr, model simclr\\) from "
                    + Pattern.quote(savepoint) + " on " + Pattern.quote(rest)).matcher(lastLine(run(Duration.ofMinutes(2),
                    "submit", "--rest", rest, "--config", jobYaml.toString(), "--set", "lr=0.03", "--from-savepoint", savepoint)));
            assertThat(upgraded.matches()).as(upgraded.toString()).isTrue();
            String job2 = upgraded.group(1);
            await("the upgraded job running", Duration.ofMinutes(2), () -> running(flink, job2));
            assertThat(run(Duration.ofMinutes(1), concat(new String[] {"cluster", "status"}, where)).out)
                    .containsPattern("(?m)^job " + job2 + " RUNNING ").containsPattern("(?m)^job " + job1 + " FINISHED ");
            assertNoSecretAnywhere(flink, job2, home, secret, typed);
            assertThat(lastLine(run(Duration.ofMinutes(2), concat(new String[] {"cluster", "stop"}, where))))
                    .matches("cluster: stopped \\[(taskmanager-\\d, ){2}jobmanager\\]");
            assertThat(clusterPids(home)).isEmpty();
            kafka.process.destroy();
            assertThat(kafka.process.waitFor(1, TimeUnit.MINUTES)).as("kafka exits on TERM").isTrue();
            log("cluster start/status/stop, submit, stop, submit --from-savepoint", t0);
        } finally {
            for (Process p : started) {
                p.destroyForcibly();
            }
            Path home = dir.resolve("cluster");
            if (Files.isDirectory(home.resolve("pid"))) {
                for (long pid : clusterPids(home)) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        assertThat(ran).as("the commands this test ran").containsExactlyInAnyOrderElementsOf(RUNS);
    }

    /** A README command that this test does not run fails here, without running anything. */
    @Test
    void everyLauncherCommandOfTheReadmesBashBlocksIsRunHere() throws IOException {
        Set<String> readme = readmeCommands();
        // the parser finds what the README shows today, so the check is not vacuous
        assertThat(readme).contains("demo", "run", "kafka", "submit", "stop", "cluster start", "cluster status",
                "cluster stop");
        assertThat(RUNS).as("README.md's bash blocks run `deploy/bin/contrastream` with these: each needs a run in"
                + " everyReadmeCommandRunsAsTypedAndEndsWithItsLastLine and an entry in RUNS").containsAll(readme);
    }

    /** {@code deploy/bin/contrastream X} (cluster: {@code cluster Y}) of every ```bash block of README.md. */
    static Set<String> readmeCommands() throws IOException {
        Set<String> out = new LinkedHashSet<>();
        boolean inBlock = false;
        boolean bash = false;
        for (String line : Files.readAllLines(README)) {
            String s = line.strip();
            if (s.startsWith("```")) {
                bash = !inBlock && s.equals("```bash");
                inBlock = !inBlock;
                continue;
            }
            if (inBlock && bash) {
                Matcher m = README_COMMAND.matcher(line);
                while (m.find()) {
                    out.add(m.group(1).equals("cluster") && m.group(2) != null ? "cluster " + m.group(2) : m.group(1));
                }
            }
        }
        return out;
    }

    // ---- the README's job.yaml, pointed at this test's broker and folders

    private Path jobYaml(String name, String bootstrap, Map<String, String> extra) throws IOException {
        StringBuilder y = new StringBuilder();
        y.append("bootstrap-servers: ").append(bootstrap).append('\n');
        y.append("method: simclr\n");
        y.append("batch: 256\n");
        y.append("model-store: ").append(dir.resolve(name + "-models").toUri()).append('\n');
        y.append("checkpoint-dir: ").append(dir.resolve(name + "-checkpoints").toUri()).append('\n');
        extra.forEach((k, v) -> y.append(k).append(": '").append(v.replace("'", "''")).append("'\n"));
        return Files.writeString(dir.resolve(name + "-job.yaml"), y);
    }

    // ---- security checks

    /** Every listening socket of {@code pid} is on a loopback address. */
    private static void assertLoopbackOnly(long pid, String what) throws IOException {
        List<InetSocketAddress> sockets = ListeningSockets.of(pid);
        assertThat(sockets).as("%s listens", what).isNotEmpty();
        assertThat(sockets).as("%s listens on loopback only", what)
                .allSatisfy(a -> assertThat(a.getAddress().isLoopbackAddress()).as(a.toString()).isTrue());
    }

    /** Loopback only, and the embedded cluster's REST (found among them) reports web submission off. */
    private static void assertLoopbackOnlyAndNoWebSubmit(long pid, String what) throws IOException {
        assertLoopbackOnly(pid, what);
        JsonNode config = null;
        for (InetSocketAddress a : ListeningSockets.of(pid)) {
            JsonNode c = getJson("http://127.0.0.1:" + a.getPort() + "/config");
            if (c != null && c.has("features")) {
                config = c;
            }
        }
        assertThat(config).as("%s: Flink's REST /config on one of its sockets", what).isNotNull();
        assertThat(config.path("features").path("web-submit").asBoolean(true)).as("%s: web-submit", what).isFalse();
    }

    /** Neither secret in the job's REST views (config, plan, the jar list) nor in any log of the cluster. */
    private static void assertNoSecretAnywhere(FlinkRest flink, String job, Path home, String... secrets)
            throws IOException, InterruptedException {
        for (String path : new String[] {"/jobs/" + job + "/config", "/jobs/" + job + "/jobmanager/config",
                "/jobs/" + job + "/jobmanager/environment", "/jobs/" + job, "/jobs/" + job + "/plan", "/jars",
                "/jobmanager/config", "/jobs/" + job + "/exceptions"}) {
            String body = RestJson.get(flink.address(), path).toString();
            for (String s : secrets) {
                assertThat(body).as("REST %s", path).doesNotContain(s);
            }
        }
        try (Stream<Path> logs = Files.list(home.resolve("log"))) {
            for (Path log : logs.toList()) {
                String text = Files.readString(log, StandardCharsets.ISO_8859_1);
                for (String s : secrets) {
                    assertThat(text).as("log %s", log).doesNotContain(s);
                }
            }
        }
    }

    // ---- Flink and Kafka probes

    private static JsonNode getJson(String url) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null; // not an HTTP port (RPC, blob server, data exchange)
        }
    }

    /** Records read by the job's vertex that holds the embedder (every image reaches it once). */
    private static long embedded(FlinkRest flink, String job) {
        try {
            for (JsonNode v : RestJson.get(flink.address(), "/jobs/" + job).path("vertices")) {
                if (v.path("name").asText().contains("embed")) {
                    return v.path("metrics").path("read-records").asLong();
                }
            }
        } catch (IOException | InterruptedException e) {
            // not up yet
        }
        return -1;
    }

    private static boolean running(FlinkRest flink, String job) {
        try {
            return flink.fullyRunning(job);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Committed (read_committed) records in {@code topic}: end offsets as seen by a read_committed consumer. */
    private static long committed(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long n = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Map<TopicPartition, Long> end = c.endOffsets(parts); // read_committed: the last stable offsets
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                n += c.poll(Duration.ofMillis(500)).count();
            }
            return n;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static List<Long> clusterPids(Path home) throws IOException {
        List<Long> pids = new ArrayList<>();
        if (Files.isDirectory(home.resolve("pid"))) {
            try (Stream<Path> files = Files.list(home.resolve("pid"))) {
                for (Path f : files.toList()) {
                    long pid = Long.parseLong(Files.readString(f).trim());
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        pids.add(pid);
                    }
                }
            }
        }
        return pids;
    }

    // ---- the launcher as a process

    record Run(List<String> args, int code, String out, String err) {
        @Override
        public String toString() {
            List<String> lines = err.lines().filter(l -> !l.contains("NNPACK") && !l.contains("Name collision")).toList();
            String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
            return "contrastream " + String.join(" ", args) + " -> exit " + code + "\nstdout:\n" + out
                    + "\nstderr (last 25 lines, libtorch and metric warnings left out):\n" + tail;
        }
    }

    final class Launched {
        final List<String> args;
        final Process process;
        final Path out;
        final Path err;

        Launched(List<String> args, Process process, Path out, Path err) {
            this.args = args;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        String output() throws IOException {
            return Files.readString(out) + Files.readString(err);
        }

        /** Waits for the process to end on its own and returns what it printed. */
        Run finish(Duration timeout) throws Exception {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("contrastream " + String.join(" ", args) + " did not finish within " + timeout);
            }
            Run r = new Run(args, process.exitValue(), Files.readString(out), Files.readString(err));
            System.out.printf(Locale.ROOT, "readme-commands: contrastream %s -> exit %d: %s%n", String.join(" ", args),
                    r.code, r.out.strip().lines().reduce((a, b) -> b).orElse(""));
            assertThat(r.code).as(r.toString()).isZero();
            return r;
        }

        @Override
        public String toString() {
            try {
                return "contrastream " + String.join(" ", args) + ": " + output();
            } catch (IOException e) {
                return "contrastream " + String.join(" ", args);
            }
        }
    }

    /** Starts {@code deploy/bin/contrastream ARGS} with its output in files. */
    private Launched start(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(LAUNCHER.toString());
        cmd.addAll(List.of(args));
        String name = String.join("-", List.of(args).subList(0, Math.min(2, args.length))).replaceAll("[^\\w-]", "_");
        Path out = Files.createTempFile(dir, name, ".out");
        Path err = Files.createTempFile(dir, name, ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(DEPLOY.getParent().toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                        new java.io.File("/dev/null")));
        // the distribution `mvn package` has just built: without this the launcher would run `mvn install` itself
        // when any source is newer than its jar, a Maven build inside this Maven build
        pb.environment().put("CONTRASTREAM_HOME", DEPLOY.resolve("target").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        ran.add(args[0].equals("cluster") && args.length > 1 ? "cluster " + args[1] : args[0]);
        return new Launched(List.of(args), p, out, err);
    }

    private Run run(Duration timeout, String... args) throws Exception {
        return run(timeout, Map.of(), args);
    }

    private Run run(Duration timeout, Map<String, String> env, String... args) throws Exception {
        long t = System.nanoTime();
        Launched l = start(env, args);
        if (!l.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            l.process.destroyForcibly();
            throw new AssertionError("contrastream " + String.join(" ", args) + " did not finish within " + timeout);
        }
        Run r = new Run(List.of(args), l.process.exitValue(), Files.readString(l.out), Files.readString(l.err));
        System.out.printf(Locale.ROOT, "readme-commands: contrastream %s -> exit %d, %.1f s: %s%n", String.join(" ", args),
                r.code, (System.nanoTime() - t) / 1e9, r.out.strip().lines().reduce((a, b) -> b).orElse(""));
        return r;
    }

    /** The last line of stdout of a command that succeeded. */
    private static String lastLine(Run r) {
        assertThat(r.code).as(r.toString()).isZero();
        return r.out.strip().lines().reduce((a, b) -> b).orElse("");
    }

    private static void awaitLine(Launched l, String text, Duration timeout) throws InterruptedException {
        await("'" + text + "' from " + l.args, timeout, () -> {
            try {
                return l.output().contains(text) || !l.process.isAlive();
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(l.process.isAlive()).as("still running after '%s': %s", text, l).isTrue();
    }

    private static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(200); // a poll interval between checks of the condition, not a wait for time to pass
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void log(String what, long t0) {
        System.out.printf(Locale.ROOT, "readme-commands: %s done at %.0f s%n", what, (System.nanoTime() - t0) / 1e9);
    }
}
