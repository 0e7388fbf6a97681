package io.contrastream.flink.job;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.model.method.MethodSpec;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The streaming job a configuration runs, chosen by its method's modality ({@link MethodSpec#modality}):
 * images, or images with an audio view, go through {@link PretrainJob}; audio through {@link AudioJob}.
 *
 * <pre>{@code
 * JobConfig cfg = JobConfig.load(Path.of("job.yaml"), Map.of());
 * kafka.createTopics(2, StreamingJob.topics(cfg));   // the topics this job reads and writes
 * StreamingJob.buildFromKafka(PretrainJob.environment(cfg), cfg);
 * }</pre>
 */
public final class StreamingJob {
    private StreamingJob() {}

    /** The whole job between Kafka topics. */
    public static void buildFromKafka(StreamExecutionEnvironment env, JobConfig cfg) {
        if (audio(cfg)) {
            AudioJob.buildFromKafka(env, cfg);
        } else {
            PretrainJob.buildFromKafka(env, cfg);
        }
    }

    /** The topics the job reads and writes. */
    public static String[] topics(JobConfig cfg) {
        return audio(cfg) ? AudioJob.topics(cfg) : PretrainJob.topics(cfg);
    }

    private static boolean audio(JobConfig cfg) {
        return cfg.spec().modality(cfg.recipeParams()) == MethodSpec.Modality.AUDIO;
    }
}
