package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a job committed to a topic, read as a read_committed consumer would, for the end-to-end tests.
 *
 * <pre>{@code
 * List<ConsumerRecord<byte[], byte[]>> out = CommittedTopics.read(bootstrap, "embeddings", 160, job);
 * }</pre>
 */
final class CommittedTopics {
    private CommittedTopics() {}

    /** Cancels the job unless it already ended (a failed job's MiniCluster is gone: the assertion's error stays). */
    static void cancelIfRunning(JobClient job) {
        try {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        } catch (Exception | AssertionError ignored) {
            // already ended
        }
    }

    /** Committed records of {@code topic} until {@code expected} arrived (then 2 s more), failing fast if the job ends. */
    static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, int expected, JobClient job)
            throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(2 << 20));
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                c.poll(Duration.ofMillis(300)).forEach(out::add);
                JobStatus status = job.getJobStatus().get();
                // a failed job ends the wait at once (a test without a restart strategy: one failure fails it)
                assertThat(status.isGloballyTerminalState()).as("the job ended: %s", status).isFalse();
                if (out.size() >= expected && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos(); // late duplicates would show
                }
            }
        }
        return out;
    }
}
