package io.contrastream.cli;

import io.contrastream.cluster.FlinkRest;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream stop}: stops a running job with a savepoint and prints its path, the first half
 * of an upgrade (then {@code contrastream submit --from-savepoint PATH} with changed settings).
 *
 * <pre>{@code
 * contrastream stop --job 8f1c... --savepoint-dir file:///data/savepoints
 * }</pre>
 */
@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a job with a savepoint.")
final class StopJobCommand implements Callable<Integer> {
    @Option(names = "--rest", defaultValue = "http://127.0.0.1:8081", description = "the cluster's REST address")
    String rest;

    @Option(names = "--job", required = true, description = "the job id (contrastream cluster status lists them)")
    String job;

    @Option(names = "--savepoint-dir", description = "where to write it (default: the cluster's savepoint dir)")
    String dir;

    @Option(names = "--flink-conf", description = "a Flink config.yaml (or its folder) with the security.ssl.rest.*"
            + " settings of a cluster whose REST speaks TLS (default: $FLINK_CONF_DIR when set)")
    java.nio.file.Path flinkConf;

    @Override
    public Integer call() throws Exception {
        String path;
        try (FlinkRest r = new FlinkRest(rest, SubmitCommand.restSettings(flinkConf))) {
            path = r.stopWithSavepoint(job, dir, Duration.ofMinutes(5));
        }
        System.out.println("stop: job " + job + " stopped with savepoint " + path);
        return 0;
    }
}
