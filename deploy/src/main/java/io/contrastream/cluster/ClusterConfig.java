package io.contrastream.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code config.yaml} and log configuration of a session cluster on this machine: every
 * process binds to 127.0.0.1, RocksDB with incremental checkpoints and savepoints under the
 * cluster's home, an exponential-delay restart strategy, DJL loaded parent-first (one libtorch per
 * JVM), one task slot per TaskManager (one gradient collection per JVM). Jar upload over REST
 * ({@code web.submit.enable}) is on by default, because {@code contrastream submit} deploys through it,
 * and reachable from this machine only (REST binds 127.0.0.1); {@code webSubmit = false} turns it off.
 * Every process serves its metrics for Prometheus on 127.0.0.1 at the first free port of
 * {@code prometheusPorts} (default 9249-9259: the JobManager takes the first, each TaskManager the next).
 *
 * <pre>{@code
 * ClusterConfig c = new ClusterConfig(8081, 6123, 1, "1728m");
 * c.write(layout);              // layout.conf()/config.yaml and log4j.properties
 * }</pre>
 *
 * @param restPort REST API and web UI port
 * @param rpcPort the JobManager's RPC port
 * @param slotsPerTaskManager task slots of each TaskManager
 * @param taskManagerMemory total process memory of a TaskManager (Flink's memory model; libtorch's
 *     native buffers come on top of it)
 * @param webSubmit whether jars may be uploaded and run over REST ({@code contrastream submit} needs it)
 * @param prometheusPorts port or range (e.g. {@code 9249-9259}) of the Prometheus reporter on 127.0.0.1, or
 *     {@code off}
 * @param extra further Flink settings, written last (they win), e.g. REST TLS ({@code security.ssl.rest.*}); the
 *     cluster's own clients ({@code cluster status}, tests) read the {@code security.ssl.rest.*} ones too
 */
public record ClusterConfig(int restPort, int rpcPort, int slotsPerTaskManager, String taskManagerMemory,
        boolean webSubmit, String prometheusPorts, Map<String, String> extra) {
    /** The reporter's default ports: one for the JobManager and up to ten TaskManagers. */
    public static final String DEFAULT_PROMETHEUS_PORTS = "9249-9259";

    public ClusterConfig {
        if (slotsPerTaskManager < 1) {
            throw new IllegalArgumentException("slots per TaskManager must be >= 1, got " + slotsPerTaskManager);
        }
        if (!prometheusPorts.equals("off") && !prometheusPorts.matches("\\d{1,5}(-\\d{1,5})?")) {
            throw new IllegalArgumentException("--prometheus-port '" + prometheusPorts + "': use a port (9249), a range"
                    + " (9249-9259) or off");
        }
        extra = Map.copyOf(extra);
    }

    /** With no extra settings. */
    public ClusterConfig(int restPort, int rpcPort, int slotsPerTaskManager, String taskManagerMemory,
            boolean webSubmit, String prometheusPorts) {
        this(restPort, rpcPort, slotsPerTaskManager, taskManagerMemory, webSubmit, prometheusPorts, Map.of());
    }

    /** With jar upload over REST on (loopback only), as {@code contrastream cluster start} without flags. */
    public ClusterConfig(int restPort, int rpcPort, int slotsPerTaskManager, String taskManagerMemory) {
        this(restPort, rpcPort, slotsPerTaskManager, taskManagerMemory, true);
    }

    /** With the Prometheus reporter on its default ports. */
    public ClusterConfig(int restPort, int rpcPort, int slotsPerTaskManager, String taskManagerMemory,
            boolean webSubmit) {
        this(restPort, rpcPort, slotsPerTaskManager, taskManagerMemory, webSubmit, DEFAULT_PROMETHEUS_PORTS);
    }

    /** The settings as Flink configuration keys, in file order. */
    public Map<String, String> entries(ClusterLayout layout) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("jobmanager.rpc.port", String.valueOf(rpcPort));
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("jobmanager.memory.process.size", "1024m");
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.host", "127.0.0.1");
        c.put("taskmanager.numberOfTaskSlots", String.valueOf(slotsPerTaskManager));
        c.put("taskmanager.memory.process.size", taskManagerMemory);
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.port", String.valueOf(restPort));
        c.put("state.backend.type", "rocksdb");
        c.put("execution.checkpointing.incremental", "true");
        c.put("execution.checkpointing.dir", layout.checkpoints().toUri().toString());
        c.put("execution.checkpointing.savepoint-dir", layout.savepoints().toUri().toString());
        c.put("restart-strategy.type", "exponential-delay");
        c.put("restart-strategy.exponential-delay.initial-backoff", "1 s");
        c.put("restart-strategy.exponential-delay.max-backoff", "30 s");
        c.put("restart-strategy.exponential-delay.attempts-before-reset-backoff", "1000");
        // DJL and libtorch load once per JVM, from the parent classpath; the job jar must not carry them
        c.put("classloader.parent-first-patterns.additional", "ai.djl.");
        c.put("heartbeat.timeout", "20000");
        c.put("web.submit.enable", String.valueOf(webSubmit));
        c.put("web.cancel.enable", "true");
        if (!prometheusPorts.equals("off")) {
            // Flink's own reporter binds every interface; this one binds where it is told (cluster-lib/ holds it)
            c.putAll(io.contrastream.metrics.LoopbackPrometheusReporterFactory.settings("127.0.0.1", prometheusPorts));
        }
        c.putAll(new java.util.TreeMap<>(extra));
        return c;
    }

    /** Whether REST speaks TLS ({@code security.ssl.rest.enabled} among the extra settings). */
    public boolean restTls() {
        return Boolean.parseBoolean(extra.getOrDefault("security.ssl.rest.enabled", "false"));
    }

    /** What a client of this cluster's REST API needs: the {@code security.ssl.rest.*} settings. */
    public org.apache.flink.configuration.Configuration clientConfiguration() {
        return org.apache.flink.configuration.Configuration.fromMap(restSecurity(extra));
    }

    /** The {@code security.ssl.rest.*} entries of Flink settings: all a REST client takes from a cluster's config. */
    public static Map<String, String> restSecurity(Map<String, String> settings) {
        Map<String, String> c = new LinkedHashMap<>();
        settings.forEach((k, v) -> {
            if (k.startsWith("security.ssl.rest.")) {
                c.put(k, v);
            }
        });
        return c;
    }

    /** Writes {@code conf/config.yaml} and {@code conf/log4j.properties}. */
    public void write(ClusterLayout layout) throws IOException {
        Files.createDirectories(layout.conf());
        Files.createDirectories(layout.logs());
        Files.createDirectories(layout.pids());
        Files.createDirectories(layout.checkpoints());
        Files.createDirectories(layout.savepoints());
        StringBuilder yaml = new StringBuilder("# written by `contrastream cluster start`; edits are overwritten\n");
        entries(layout).forEach((k, v) -> yaml.append(k).append(": ").append(quote(v)).append('\n'));
        java.nio.file.Path file = layout.conf().resolve("config.yaml");
        Files.deleteIfExists(file);
        try { // owner-only from the start: the extra settings may hold keystore passwords
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file); // not a POSIX file system
        }
        Files.writeString(file, yaml);
        Files.writeString(layout.conf().resolve("log4j.properties"), """
                # one file per process: -Dlog.file is set by contrastream cluster start
                rootLogger.level = INFO
                rootLogger.appenderRef.file.ref = MainAppender
                appender.main.name = MainAppender
                appender.main.type = File
                appender.main.append = true
                appender.main.fileName = ${sys:log.file}
                appender.main.layout.type = PatternLayout
                appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
                logger.kafka.name = org.apache.kafka
                logger.kafka.level = WARN
                logger.djl.name = ai.djl
                logger.djl.level = WARN
                """);
    }

    private static String quote(String v) {
        return v.matches("[A-Za-z0-9_./:,-]+") && !v.equals("true") && !v.equals("false") ? v
                : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
