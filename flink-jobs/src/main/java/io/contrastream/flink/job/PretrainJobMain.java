package io.contrastream.flink.job;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry point for running the job on any Flink cluster against an existing Kafka:
 * {@code --config job.yaml} plus {@code --KEY VALUE} flags (any key of {@link JobParams} or the
 * recipe's), e.g. {@code --bootstrap-servers kafka:9092 --method simclr}.
 *
 * <pre>{@code
 * flink run -c io.contrastream.flink.job.PretrainJobMain job.jar --config job.yaml --batch 256
 * }</pre>
 */
public final class PretrainJobMain {
    private PretrainJobMain() {}

    public static void main(String[] args) throws Exception {
        Path config = null;
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("arguments are --config FILE and --KEY VALUE pairs; '" + a
                        + "' has no value");
            }
            String key = a.substring(2);
            String value = args[++i];
            if (key.equals("config")) {
                config = Path.of(value);
            } else {
                flags.put(key, value);
            }
        }
        JobConfig cfg = JobConfig.load(config, flags);
        StreamExecutionEnvironment env = PretrainJob.environment(cfg);
        StreamingJob.buildFromKafka(env, cfg);
        env.execute("contrastream-pretrain-" + cfg.get(JobParams.MODEL_ID));
    }
}
