package io.contrastream.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A standalone Flink session cluster on this machine as separate processes: one JobManager and N
 * TaskManagers, each a JVM on the distribution's {@code cluster-lib/} with the cluster's
 * {@code conf/}. Processes outlive the command that starts them; their ids sit in {@code pid/}.
 *
 * <pre>{@code
 * SessionCluster c = new SessionCluster(ClusterLayout.of(ClusterLayout.defaultDistribution(), home), config);
 * c.start(2);                          // JobManager + 2 TaskManagers, waits until they are registered
 * c.killTaskManager(1);                // kill -9
 * c.startTaskManager(3);
 * c.stop();
 * }</pre>
 */
public final class SessionCluster {
    /** Flink's module opening list for Java 17 (its distribution's {@code env.java.default-opts.all}). */
    static final List<String> JAVA_17_OPENS = List.of("--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");
    private static final String JOB_MANAGER = "jobmanager";

    private final ClusterLayout layout;
    private final ClusterConfig config;
    private final FlinkRest rest;
    private final int libtorchThreads;

    /**
     * @param libtorchThreads OpenMP threads of libtorch in each TaskManager (cores / TaskManagers
     *     avoids oversubscribing the machine)
     */
    public SessionCluster(ClusterLayout layout, ClusterConfig config, int libtorchThreads) {
        this.layout = layout;
        this.config = config;
        this.rest = new FlinkRest((config.restTls() ? "https" : "http") + "://127.0.0.1:" + config.restPort(),
                config.clientConfiguration());
        this.libtorchThreads = Math.max(1, libtorchThreads);
    }

    public ClusterLayout layout() {
        return layout;
    }

    public FlinkRest rest() {
        return rest;
    }

    /** Writes the configuration, starts the JobManager and {@code taskManagers} TaskManagers, waits for them. */
    public void start(int taskManagers) throws IOException, InterruptedException {
        layout.requireBuilt();
        if (alive(JOB_MANAGER)) {
            throw new IOException("a cluster is already running from " + layout.home() + ": `contrastream cluster stop`"
                    + " first");
        }
        config.write(layout);
        spawn(JOB_MANAGER, "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                resourceParams("GET_JM_RESOURCE_PARAMS"));
        rest.awaitUp(Duration.ofSeconds(90));
        for (int i = 1; i <= taskManagers; i++) {
            startTaskManager(i);
        }
        rest.awaitTaskManagers(taskManagers, Duration.ofSeconds(120));
    }

    /** Starts TaskManager number {@code index} (its log is {@code log/taskmanager-INDEX.log}). */
    public void startTaskManager(int index) throws IOException, InterruptedException {
        spawn("taskmanager-" + index, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                resourceParams("GET_TM_RESOURCE_PARAMS"));
    }

    /** kill -9 of TaskManager {@code index}: no shutdown hook, no goodbye to the JobManager. */
    public void killTaskManager(int index) throws IOException {
        String name = "taskmanager-" + index;
        ProcessHandle p = handle(name).orElseThrow(() -> new IOException(name + " is not running"));
        p.destroyForcibly(); // SIGKILL on Linux
        p.onExit().join();
        Files.deleteIfExists(pidFile(name));
    }

    /** Stops every process of the cluster (TERM, then KILL after 20 s). */
    public List<String> stop() throws IOException {
        List<String> stopped = new ArrayList<>();
        for (String name : processes().descendingKeySet()) { // TaskManagers before the JobManager
            Optional<ProcessHandle> h = handle(name);
            if (h.isPresent()) {
                h.get().destroy();
                try {
                    h.get().onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.get().destroyForcibly();
                }
                stopped.add(name);
            }
            Files.deleteIfExists(pidFile(name));
        }
        return stopped;
    }

    /** Name → pid of every process with a pid file, alive or not (sorted by name). */
    public TreeMap<String, Long> processes() throws IOException {
        TreeMap<String, Long> out = new TreeMap<>();
        if (Files.isDirectory(layout.pids())) {
            try (var files = Files.list(layout.pids())) {
                for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
                    String name = f.getFileName().toString().replace(".pid", "");
                    out.put(name, Long.parseLong(Files.readString(f).trim()));
                }
            }
        }
        return out;
    }

    public boolean alive(String name) throws IOException {
        return handle(name).isPresent();
    }

    private Optional<ProcessHandle> handle(String name) throws IOException {
        Long pid = processes().get(name);
        return pid == null ? Optional.empty() : ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    }

    private Path pidFile(String name) {
        return layout.pids().resolve(name + ".pid");
    }

    /**
     * Flink's own memory calculation for a process ({@code BashJavaUtils}, what its shell scripts
     * run): the JVM flags, then the dynamic {@code -D} settings for the program.
     */
    private String[][] resourceParams(String command) throws IOException, InterruptedException {
        List<String> cmd = java(List.of());
        cmd.addAll(List.of("org.apache.flink.runtime.util.bash.BashJavaUtils", command, "--configDir",
                layout.conf().toString()));
        Path out = Files.createTempFile(layout.logs(), "resource-params", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("Flink could not compute " + command + ": see " + out);
        }
        List<String> results = Files.readAllLines(out).stream().filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
                .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim()).toList();
        Files.delete(out);
        if (results.size() < 2) {
            throw new IOException("unexpected output of Flink's " + command + ": " + results);
        }
        return new String[][] {split(results.get(0)), split(results.get(1))};
    }

    private static String[] split(String s) {
        return s.isBlank() ? new String[0] : s.trim().split("\\s+");
    }

    /** This JVM's java, {@code jvmFlags}, Flink's module openings and cluster-lib/ as the classpath. */
    private List<String> java(List<String> jvmFlags) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmFlags);
        cmd.addAll(JAVA_17_OPENS);
        cmd.add("-cp");
        cmd.add(layout.lib().toString() + File.separator + "*");
        return cmd;
    }

    private void spawn(String name, String mainClass, String[][] params) throws IOException {
        List<String> flags = new ArrayList<>(List.of(params[0]));
        flags.add("-Dlog.file=" + layout.logs().resolve(name + ".log"));
        flags.add("-Dlog4j.configurationFile=" + layout.conf().resolve("log4j.properties").toUri());
        flags.add("-Dai.djl.offline=true");
        flags.add("-Dai.djl.pytorch.num_threads=" + libtorchThreads);
        flags.add("-Dai.djl.pytorch.num_interop_threads=1");
        List<String> cmd = java(flags);
        cmd.add(mainClass);
        cmd.add("--configDir");
        cmd.add(layout.conf().toString());
        cmd.addAll(List.of(params[1]));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(layout.logs().resolve(name + ".out").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // glibc keeps freed memory, as the launcher does (BENCHMARKS.md: 1.2-1.9x faster training steps)
        pb.environment().putIfAbsent("GLIBC_TUNABLES",
                "glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296");
        Process p = pb.start();
        Files.writeString(pidFile(name), Long.toString(p.pid()));
    }
}
