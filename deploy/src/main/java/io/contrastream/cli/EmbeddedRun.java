package io.contrastream.cli;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the demo and the job benchmarks share around an embedded broker: the job's configuration
 * pointed at the broker and a working directory, and a consumer that reads a topic from its start.
 *
 * <pre>{@code
 * JobConfig cfg = EmbeddedRun.config(Map.of("batch", "128"), kafka, work, "demo");
 * try (KafkaConsumer<byte[], byte[]> c = EmbeddedRun.fromStart(kafka.bootstrapServers(), "embeddings", "read_committed")) { ... }
 * }</pre>
 */
final class EmbeddedRun {
    private EmbeddedRun() {}

    /** Broker address, model store, checkpoints and group id for an embedded run; {@code settings} win. */
    static JobConfig config(Map<String, String> settings, EmbeddedKafka kafka, Path work, String group) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("bootstrap-servers", kafka.bootstrapServers());
        s.put("model-store", work.resolve("models").toUri().toString());
        s.put("checkpoint-dir", work.resolve("checkpoints").toUri().toString());
        s.put("group-id", "contrastream-" + group);
        s.putAll(settings);
        return JobConfig.of(s);
    }

    /**
     * Starts the job between Kafka topics on a local MiniCluster with its web UI on 127.0.0.1:{@code webPort}
     * (0 = a free port) and returns at once.
     */
    static org.apache.flink.core.execution.JobClient startWithWebUi(JobConfig cfg, int webPort, String name)
            throws Exception {
        return startWithWebUi(cfg, webPort, null, name);
    }

    /** {@link #startWithWebUi(JobConfig, int, String)} with Prometheus metrics on 127.0.0.1:{@code prometheus} (null: off). */
    static org.apache.flink.core.execution.JobClient startWithWebUi(JobConfig cfg, int webPort, String prometheus,
            String name) throws Exception {
        org.apache.flink.configuration.Configuration conf = io.contrastream.flink.job.PretrainJob.flinkConfiguration(cfg);
        conf.addAll(prometheus(prometheus));
        conf.set(org.apache.flink.configuration.RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(org.apache.flink.configuration.RestOptions.ADDRESS, "127.0.0.1");
        conf.set(org.apache.flink.configuration.RestOptions.PORT, webPort);
        return start(org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
                .createLocalEnvironmentWithWebUI(conf), cfg, name);
    }

    /**
     * The Prometheus reporter of {@code contrastream-metrics} on 127.0.0.1 at {@code ports} (a port or a range such as
     * 9249-9259), as {@code cluster start} sets it; an empty configuration for null or {@code off}.
     */
    static org.apache.flink.configuration.Configuration prometheus(String ports) {
        return org.apache.flink.configuration.Configuration.fromMap(ports == null || ports.equals("off") ? Map.of()
                : io.contrastream.metrics.LoopbackPrometheusReporterFactory.settings("127.0.0.1", ports));
    }

    /** Configures {@code env} for the job between Kafka topics and starts it, returning at once. */
    static org.apache.flink.core.execution.JobClient start(
            org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env, JobConfig cfg, String name)
            throws Exception {
        io.contrastream.flink.job.PretrainJob.configure(env, cfg);
        io.contrastream.flink.job.StreamingJob.buildFromKafka(env, cfg);
        return env.executeAsync(name);
    }

    /**
     * The console of demo and run: quiet unless {@code verbose} (the {@code --verbose} flag) or the environment
     * variable {@code CONTRASTREAM_VERBOSE} (any value but 0/false) asks. Quiet: third-party loggers at ERROR, this
     * project's at {@code ownQuiet}, libtorch's C++ warnings off; verbose: third-party WARN, this project's INFO,
     * libtorch's warnings (the console as it was). {@code CONTRASTREAM_LOG_LEVEL} (e.g. info, debug) sets the
     * third-party level and {@code TORCH_CPP_LOG_LEVEL} libtorch's, either way.
     */
    static void console(boolean verbose, org.apache.logging.log4j.Level ownQuiet) {
        String env = System.getenv("CONTRASTREAM_VERBOSE");
        boolean loud = verbose || (env != null && !env.isBlank() && !env.equals("0") && !env.equalsIgnoreCase("false"));
        org.apache.logging.log4j.core.config.Configurator.setRootLevel(org.apache.logging.log4j.Level.toLevel(
                System.getenv("CONTRASTREAM_LOG_LEVEL"),
                loud ? org.apache.logging.log4j.Level.WARN : org.apache.logging.log4j.Level.ERROR));
        org.apache.logging.log4j.core.config.Configurator.setLevel("io.contrastream",
                loud ? org.apache.logging.log4j.Level.INFO : ownQuiet);
        String torch = System.getenv("TORCH_CPP_LOG_LEVEL");
        nativeLogLevel(torch != null && !torch.isBlank() ? null : loud ? 1 : 2);
    }

    /**
     * Sets libtorch's C++ log level (0 INFO, 1 WARNING, 2 ERROR; null: from {@code TORCH_CPP_LOG_LEVEL}) in this JVM.
     * Why: DJL never calls {@code c10::initLogging()}, so libtorch ignores {@code TORCH_CPP_LOG_LEVEL} and prints a
     * "Could not initialize NNPACK" warning on every convolution of a CPU without NNPACK support (measured: the
     * variable alone leaves all of them). Loads the engine (once per JVM), then writes the flag c10 reads before each
     * message. A no-op, with a note, where the library cannot be found (not Linux, another engine).
     */
    static void nativeLogLevel(Integer level) {
        try {
            ai.djl.engine.Engine.getEngine("PyTorch"); // loads libc10 into this process
            String lib = null;
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps"))) {
                int at = line.indexOf('/');
                if (at >= 0 && line.endsWith("/libc10.so")) {
                    lib = line.substring(at);
                    break;
                }
            }
            if (lib == null) {
                return;
            }
            com.sun.jna.NativeLibrary c10 = com.sun.jna.NativeLibrary.getInstance(lib);
            if (level == null) {
                c10.getFunction("_ZN3c1011initLoggingEv").invokeVoid(new Object[0]); // reads TORCH_CPP_LOG_LEVEL
            } else {
                c10.getGlobalVariableAddress("FLAGS_caffe2_log_level").setInt(0, level);
                c10.getFunction("_ZN3c1028UpdateLoggingLevelsFromFlagsEv").invokeVoid(new Object[0]);
            }
        } catch (java.io.IOException | RuntimeException | LinkageError e) {
            org.slf4j.LoggerFactory.getLogger(EmbeddedRun.class).debug("libtorch log level left as it is", e);
        }
    }

    /** A consumer assigned every partition of {@code topic}, positioned at the beginning. */
    static KafkaConsumer<byte[], byte[]> fromStart(String bootstrap, String topic, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        c.partitionsFor(topic).forEach(info -> parts.add(new TopicPartition(topic, info.partition())));
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }
}
