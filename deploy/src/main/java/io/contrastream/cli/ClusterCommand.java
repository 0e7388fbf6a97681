package io.contrastream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrastream.cluster.ClusterConfig;
import io.contrastream.cluster.ClusterLayout;
import io.contrastream.cluster.SessionCluster;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code contrastream cluster start|stop|status}: a standalone Flink session cluster on this machine as
 * separate processes (a JobManager and N TaskManagers), bound to 127.0.0.1.
 *
 * <pre>{@code
 * contrastream cluster start --taskmanagers 2      # web UI and REST on http://127.0.0.1:8081
 * contrastream submit --config job.yaml
 * contrastream cluster status
 * contrastream cluster stop
 * }</pre>
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Start, stop or inspect a Flink session cluster of separate processes on this machine.",
        subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class, ClusterCommand.Status.class})
final class ClusterCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** Options every subcommand shares. */
    static final class Where {
        @Option(names = "--home", description = "the cluster's folder: conf/, log/, pid/, checkpoints/, savepoints/"
                + " (default: DIST/cluster)")
        Path home;

        @Option(names = "--rest-port", defaultValue = "8081", description = "REST API and web UI port (default: 8081)")
        int restPort;

        @Option(names = "--rpc-port", defaultValue = "6123", description = "JobManager RPC port (default: 6123)")
        int rpcPort;

        @Option(names = "--slots", defaultValue = "1",
                description = "task slots per TaskManager (default: 1 — one gradient collection per JVM)")
        int slots;

        @Option(names = "--tm-memory", defaultValue = "1728m",
                description = "process memory of each TaskManager, libtorch's native buffers on top (default: 1728m)")
        String tmMemory;

        @Option(names = "--prometheus-port", defaultValue = ClusterConfig.DEFAULT_PROMETHEUS_PORTS,
                description = "port or range of each process's Prometheus metrics on 127.0.0.1, or off (default: "
                        + ClusterConfig.DEFAULT_PROMETHEUS_PORTS + ")")
        String prometheusPorts;

        @Option(names = "--flink-conf", description = "a YAML file of further Flink settings for the cluster's"
                + " config.yaml, e.g. REST TLS (security.ssl.rest.*); status and stop read REST TLS from the running"
                + " cluster's config.yaml when this is not given")
        Path flinkConf;

        SessionCluster cluster(int taskManagers) throws java.io.IOException {
            return cluster(taskManagers, true, false);
        }

        /** @param starting whether this starts the cluster (then only --flink-conf counts, not the last config.yaml) */
        SessionCluster cluster(int taskManagers, boolean webSubmit, boolean starting) throws java.io.IOException {
            Path dist = ClusterLayout.defaultDistribution();
            ClusterLayout layout = ClusterLayout.of(dist, home != null ? home : dist.resolve("cluster"));
            int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, taskManagers));
            Map<String, String> extra = new java.util.LinkedHashMap<>();
            if (flinkConf != null) {
                extra.putAll(yaml(flinkConf));
            } else if (!starting && java.nio.file.Files.exists(layout.conf().resolve("config.yaml"))) {
                extra.putAll(ClusterConfig.restSecurity(yaml(layout.conf().resolve("config.yaml"))));
            }
            return new SessionCluster(layout, new ClusterConfig(restPort, rpcPort, slots, tmMemory, webSubmit,
                    prometheusPorts, extra), threads);
        }

        /** A flat YAML map of Flink settings (values as text). */
        static Map<String, String> yaml(Path file) throws java.io.IOException {
            Map<String, String> out = new java.util.LinkedHashMap<>();
            com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper(
                    new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(file.toFile());
            if (root != null) {
                root.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            }
            return out;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a JobManager and N TaskManagers.")
    static final class Start implements Callable<Integer> {
        @Mixin
        Where where;

        @Option(names = "--taskmanagers", defaultValue = "2", description = "TaskManager processes (default: 2)")
        int taskManagers;

        @Option(names = "--web-submit", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "allow jar upload and run over REST, which `contrastream submit` uses; REST listens on"
                        + " 127.0.0.1 only (default: on; --no-web-submit turns it off)")
        boolean webSubmit;

        @Override
        public Integer call() throws Exception {
            SessionCluster c = where.cluster(taskManagers, webSubmit, true);
            long t0 = System.nanoTime();
            c.start(taskManagers);
            JsonNode o = c.rest().overview();
            System.out.printf("cluster: started in %.1f s: flink %s, %d taskmanagers, %d slots, web UI %s (jar submission"
                    + " %s), home %s%n", (System.nanoTime() - t0) / 1e9, o.path("flink-version").asText(),
                    o.path("taskmanagers").asInt(), o.path("slots-total").asInt(), c.rest().address(),
                    webSubmit ? "on, this machine only" : "off", c.layout().home());
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop every process of the cluster.")
    static final class Stop implements Callable<Integer> {
        @Mixin
        Where where;

        @Override
        public Integer call() throws Exception {
            var stopped = where.cluster(1).stop();
            System.out.println("cluster: stopped " + (stopped.isEmpty() ? "nothing (no process running)" : stopped));
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Processes, slots and jobs of the cluster.")
    static final class Status implements Callable<Integer> {
        @Mixin
        Where where;

        @Override
        public Integer call() throws Exception {
            SessionCluster c = where.cluster(1);
            int alive = 0;
            for (Map.Entry<String, Long> p : c.processes().entrySet()) {
                boolean up = c.alive(p.getKey());
                alive += up ? 1 : 0;
                System.out.printf("%-16s pid %-8d %s%n", p.getKey(), p.getValue(), up ? "running" : "gone");
            }
            if (alive == 0) {
                System.out.println("cluster: not running (home " + c.layout().home() + ")");
                return 1;
            }
            try {
                JsonNode o = c.rest().overview();
                System.out.printf("cluster: %d taskmanagers, %d/%d slots free, %d jobs running, web UI %s%n",
                        o.path("taskmanagers").asInt(), o.path("slots-available").asInt(), o.path("slots-total").asInt(),
                        o.path("jobs-running").asInt(), c.rest().address());
                for (org.apache.flink.runtime.client.JobStatusMessage j : c.rest().jobs()) {
                    System.out.printf("job %s %-10s %s%n", j.getJobId(), j.getJobState(), j.getJobName());
                }
                return 0;
            } catch (java.io.IOException e) {
                System.out.println("cluster: processes run but the REST API does not answer: " + e.getMessage());
                return 1;
            }
        }
    }
}
