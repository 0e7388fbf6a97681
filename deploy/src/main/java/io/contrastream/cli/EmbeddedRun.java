package io.contrastream.cli;

import io.contrastream.connectors.kafka.EmbeddedKafka;
import io.contrastream.flink.job.JobConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the demo and the job benchmarks share around an embedded broker: the job's configuration
 * pointed at the broker and a working directory, and a consumer that reads a topic from its start.
 *
 * <pre>{@code
 * JobConfig cfg = EmbeddedRun.config(Map.of("method", "moco-v2"), kafka, work, "demo");
 * try (KafkaConsumer<byte[], byte[]> c = EmbeddedRun.fromStart(kafka.bootstrapServers(), "embeddings", "read_committed")) { ... }
 * }</pre>
 */
final class EmbeddedRun {
    private EmbeddedRun() {}

    /** Broker address, model store, checkpoints and group id for an embedded run; {@code settings} win. */
    static JobConfig config(Map<String, String> settings, EmbeddedKafka kafka, Path work, String group) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("bootstrap-servers", kafka.bootstrapServers());
        s.put("model-store", work.resolve("models").toUri().toString());
        s.put("checkpoint-dir", work.resolve("checkpoints").toUri().toString());
        s.put("group-id", "contrastream-" + group);
        s.putAll(settings);
        return JobConfig.of(s);
    }

    /**
     * Starts the job between Kafka topics on a local MiniCluster with its web UI on 127.0.0.1:{@code webPort}
     * (0 = a free port) and returns at once.
     */
    static org.apache.flink.core.execution.JobClient startWithWebUi(JobConfig cfg, int webPort, String name)
            throws Exception {
        org.apache.flink.configuration.Configuration conf = io.contrastream.flink.job.PretrainJob.flinkConfiguration(cfg);
        conf.set(org.apache.flink.configuration.RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(org.apache.flink.configuration.RestOptions.ADDRESS, "127.0.0.1");
        conf.set(org.apache.flink.configuration.RestOptions.PORT, webPort);
        return start(org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
                .createLocalEnvironmentWithWebUI(conf), cfg, name);
    }

    /** Configures {@code env} for the job between Kafka topics and starts it, returning at once. */
    static org.apache.flink.core.execution.JobClient start(
            org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env, JobConfig cfg, String name)
            throws Exception {
        io.contrastream.flink.job.PretrainJob.configure(env, cfg);
        io.contrastream.flink.job.PretrainJob.buildFromKafka(env, cfg);
        return env.executeAsync(name);
    }

    /** A consumer assigned every partition of {@code topic}, positioned at the beginning. */
    static KafkaConsumer<byte[], byte[]> fromStart(String bootstrap, String topic, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        c.partitionsFor(topic).forEach(info -> parts.add(new TopicPartition(topic, info.partition())));
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }
}
