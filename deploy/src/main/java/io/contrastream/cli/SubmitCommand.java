package io.contrastream.cli;

import io.contrastream.cluster.ClusterLayout;
import io.contrastream.cluster.FlinkRest;
import io.contrastream.flink.job.JobConfig;
import io.contrastream.flink.job.JobParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream submit}: uploads the job jar to any Flink cluster's REST address and starts the
 * job with the given settings, optionally from a savepoint.
 *
 * <pre>{@code
 * contrastream submit --config job.yaml --set lr=0.03
 * contrastream submit --rest http://flink:8081 --config job.yaml --from-savepoint file:///ckpt/savepoint-ab12
 * }</pre>
 *
 * <p>The settings are checked here, then sent as program arguments ({@code --KEY VALUE}), so the
 * JobManager needs no copy of the file.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Submit the pretraining job to a Flink cluster through its REST API.")
final class SubmitCommand implements Callable<Integer> {
    static final String ENTRY_CLASS = "io.contrastream.flink.job.PretrainJobMain";

    @Option(names = "--rest", defaultValue = "http://127.0.0.1:8081", description = "the cluster's REST address"
            + " (default: http://127.0.0.1:8081)")
    String rest;

    @Option(names = "--config", description = "YAML file of job and recipe settings")
    Path config;

    @Option(names = "--set", description = "setting KEY=VALUE (repeatable; wins over the file)", mapFallbackValue = "")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--from-savepoint", description = "start from this savepoint (or retained checkpoint)")
    String savepoint;

    @Option(names = "--jar", description = "the job jar (default: DIST/contrastream-job.jar)")
    Path jar;

    @Override
    public Integer call() throws Exception {
        JobConfig cfg = JobConfig.load(config, overrides);
        cfg.recipeParams(); // every key checked before anything is sent
        Path jobJar = jar != null ? jar : ClusterLayout.of(ClusterLayout.defaultDistribution(), Path.of(".")).jobJar();
        FlinkRest r = new FlinkRest(rest);
        String jarId = r.uploadJar(jobJar);
        String job = r.runJar(jarId, ENTRY_CLASS, programArgs(cfg), savepoint);
        System.out.println("submit: job " + job + " (" + cfg.method() + ", model " + cfg.get(JobParams.MODEL_ID) + ")"
                + (savepoint == null ? "" : " from " + savepoint) + " on " + rest);
        return 0;
    }

    /** {@code --KEY VALUE} for every setting given explicitly. */
    static List<String> programArgs(JobConfig cfg) {
        List<String> args = new ArrayList<>();
        cfg.asMap().forEach((k, v) -> {
            args.add("--" + k);
            args.add(v);
        });
        return args;
    }
}
