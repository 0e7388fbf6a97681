package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.job.PretrainJob;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's (or the Kubernetes Operator's) parallelism, checkpoint interval, restart strategy and state backend
 * stay when the job config does not set them; an explicit job key wins; the embedded MiniCluster keeps the job's.
 */
class ClusterOwnedSettingsTest {
    @TempDir
    Path dir;

    /** A cluster environment (not a local one) whose configuration is an operator's config.yaml. */
    private static StreamExecutionEnvironment cluster() {
        Configuration conf = new Configuration();
        conf.set(CoreOptions.DEFAULT_PARALLELISM, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(7));
        conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        return new StreamExecutionEnvironment(conf);
    }

    private JobConfig job(Map<String, String> keys) {
        Map<String, String> all = new java.util.HashMap<>(keys);
        all.put("checkpoint-dir", dir.toUri().toString());
        return JobConfig.of(all);
    }

    @Test
    void theClustersSettingsStayWhenTheJobDoesNotSetThem() {
        StreamExecutionEnvironment env = cluster();
        PretrainJob.configure(env, job(Map.of()));
        assertThat(env.getParallelism()).isEqualTo(3);
        assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(7000);
        assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("fixed-delay");
        assertThat(env.getConfiguration().toMap()).doesNotContainKey(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF.key());
        assertThat(env.getConfiguration().get(StateBackendOptions.STATE_BACKEND)).isEqualTo("hashmap");
        // what the cluster left unset still gets the job's default; the embedded-only REST settings never go up
        assertThat(env.getConfiguration().get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(env.getConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo(dir.toUri().toString());
        assertThat(env.getConfiguration().toMap()).doesNotContainKey(RestOptions.BIND_ADDRESS.key());
    }

    @Test
    void anExplicitJobKeyWins() {
        StreamExecutionEnvironment env = cluster();
        PretrainJob.configure(env, job(Map.of("parallelism", "5", "checkpoint-interval-ms", "3000")));
        assertThat(env.getParallelism()).isEqualTo(5);
        assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(3000);
        assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("fixed-delay");
    }

    @Test
    void aClusterWithoutTheseSettingsGetsTheJobsDefaults() {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(new Configuration());
        PretrainJob.configure(env, job(Map.of()));
        assertThat(env.getParallelism()).isEqualTo(2);
        assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(2000);
        assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
        assertThat(env.getConfiguration().get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
    }

    @Test
    void theEmbeddedMiniClusterKeepsTheJobsSettings() {
        // a local environment always has parallelism.default (the core count): the job's parallelism applies there
        JobConfig cfg = job(Map.of());
        Configuration conf = PretrainJob.flinkConfiguration(cfg);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        PretrainJob.configure(env, cfg);
        assertThat(env.getParallelism()).isEqualTo(2);
        assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(2000);
        assertThat(env.getConfiguration().get(RestOptions.BIND_ADDRESS)).isEqualTo("127.0.0.1");
        StreamExecutionEnvironment run = PretrainJob.environment(cfg); // `contrastream run`: no cluster around
        assertThat(run.getParallelism()).isEqualTo(2);
        assertThat(run.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
        assertThat(run.getConfiguration().get(RestOptions.BIND_ADDRESS)).isEqualTo("127.0.0.1");
    }

    @Test
    void aClusterIntervalTooLongForTheTransactionTimeoutIsRefused() {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMinutes(10));
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PretrainJob.configure(env, job(Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("transaction-timeout-ms");
    }
}
