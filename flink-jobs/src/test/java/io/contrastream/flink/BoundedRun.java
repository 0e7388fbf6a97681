package io.contrastream.flink;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.RawRecord;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The image job on the test MiniCluster over a bounded list of records, its three outputs collected.
 *
 * <pre>{@code
 * BoundedRun.Outputs out = BoundedRun.run(cfg, records, "pretrain-test");
 * assertThat(out.embeddings()).hasSize(160);
 * }</pre>
 */
final class BoundedRun {
    private BoundedRun() {}

    /** What the job wrote: one embedding per valid record, the dead letters, the published versions. */
    record Outputs(List<EmbeddingRecord> embeddings, List<DeadLetterRecord> deadLetters, List<ModelUpdate> versions) {}

    /** Runs {@link PretrainJob#build} on {@code input} (one source subtask, in order) to completion. */
    static Outputs run(JobConfig cfg, List<RawRecord> input, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                PretrainJob.flinkConfiguration(cfg));
        PretrainJob.configure(env, cfg);
        PretrainJob.Outputs out = PretrainJob.build(env,
                env.fromData(input, TypeInformation.of(RawRecord.class)).setParallelism(1), cfg);
        out.embeddings().sinkTo(new CollectSink<>(name + "-emb"));
        out.deadLetters().sinkTo(new CollectSink<>(name + "-dlq"));
        out.modelVersions().sinkTo(new CollectSink<>(name + "-ver"));
        env.execute(name);
        return new Outputs(CollectSink.results(name + "-emb"), CollectSink.results(name + "-dlq"),
                CollectSink.results(name + "-ver"));
    }
}
