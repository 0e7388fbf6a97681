package io.contrastream.cli;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.job.StreamingJob;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code contrastream run}: the streaming job in this JVM (a MiniCluster) against an existing Kafka. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the online pretraining job locally against an existing Kafka (topics must exist).")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", description = "YAML file of job and recipe settings")
    Path config;

    @Option(names = "--set", description = "setting KEY=VALUE (repeatable; wins over the file)", mapFallbackValue = "")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--verbose", description = "also print Kafka's, Flink's, DJL's and libtorch's warnings (default:"
            + " the job's own log and errors; or set CONTRASTREAM_VERBOSE=1; CONTRASTREAM_LOG_LEVEL=info for their"
            + " INFO lines too)")
    boolean verbose;

    @Option(names = "--prometheus-port", description = "serve the job's metrics for Prometheus on 127.0.0.1 at this port"
            + " or range, e.g. 9249 (default: off)")
    String prometheusPort;

    @Override
    public Integer call() throws Exception {
        // the job's own log (trainer snapshots, lost-transaction alarms) stays; third-party chatter behind --verbose
        EmbeddedRun.console(verbose, org.apache.logging.log4j.Level.INFO);
        JobConfig cfg = JobConfig.load(config, overrides);
        System.err.println("run: " + cfg.method() + " from " + cfg.get(JobParams.BOOTSTRAP_SERVERS) + " topic "
                + cfg.get(JobParams.IMAGES_TOPIC));
        StreamExecutionEnvironment env = PretrainJob.environment(cfg, EmbeddedRun.prometheus(prometheusPort));
        StreamingJob.buildFromKafka(env, cfg);
        env.execute("contrastream-pretrain-" + cfg.get(JobParams.MODEL_ID));
        return 0;
    }
}
