package io.contrastream.flink.kafka;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.lineage.LineageVertex;
import org.apache.flink.streaming.api.lineage.LineageVertexProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KafkaSink} whose lost transactions are loud. The connector's committer drops a transaction
 * it cannot commit because the broker already aborted it (a fenced or unknown producer, an invalid
 * transaction state: the transaction stayed open longer than {@code transaction.timeout.ms}, for instance
 * through a recovery that took longer, or another job uses the same transactional ids) with a log line
 * and nothing else — that checkpoint's output is gone from the topic while the job goes on. Here each such
 * drop is counted in the committer's metric {@code lostTransactions} and logged at ERROR with what was lost
 * and what to do. The job keeps running: failing it would not bring the records back, and the records
 * after the loss are still written exactly once.
 *
 * <pre>{@code
 * stream.sinkTo(new LossAlarmSink<>(KafkaSink.<KafkaBytes>builder()...build(), "embeddings", 900_000L));
 * }</pre>
 *
 * @param <IN> the records written
 */
public final class LossAlarmSink<IN> implements TwoPhaseCommittingStatefulSink<IN, KafkaWriterState, KafkaCommittable>,
        SupportsPostCommitTopology<KafkaCommittable>, LineageVertexProvider {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LossAlarmSink.class);

    private final KafkaSink<IN> inner;
    private final String topic;
    private final long transactionTimeoutMs;

    public LossAlarmSink(KafkaSink<IN> inner, String topic, long transactionTimeoutMs) {
        this.inner = inner;
        this.topic = topic;
        this.transactionTimeoutMs = transactionTimeoutMs;
    }

    @Override
    public PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> createWriter(WriterInitContext c)
            throws IOException {
        return inner.createWriter(c);
    }

    @Override
    public PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> restoreWriter(WriterInitContext c,
            Collection<KafkaWriterState> states) throws IOException {
        return inner.restoreWriter(c, states);
    }

    @Override
    public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
        return inner.getWriterStateSerializer();
    }

    @Override
    public Committer<KafkaCommittable> createCommitter(CommitterInitContext c) throws IOException {
        return new AlarmCommitter(inner.createCommitter(c), c.metricGroup().counter("lostTransactions"), topic,
                transactionTimeoutMs);
    }

    @Override
    public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
        return inner.getCommittableSerializer();
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<KafkaCommittable>> committables) {
        inner.addPostCommitTopology(committables);
    }

    @Override
    public LineageVertex getLineageVertex() {
        return inner.getLineageVertex();
    }

    /** Wraps each commit request so a drop (failure with a known reason) is counted and logged. */
    static final class AlarmCommitter implements Committer<KafkaCommittable> {
        private final Committer<KafkaCommittable> inner;
        private final Counter lost;
        private final String topic;
        private final long timeoutMs;

        AlarmCommitter(Committer<KafkaCommittable> inner, Counter lost, String topic, long timeoutMs) {
            this.inner = inner;
            this.lost = lost;
            this.topic = topic;
            this.timeoutMs = timeoutMs;
        }

        @Override
        public void commit(Collection<CommitRequest<KafkaCommittable>> requests) throws IOException, InterruptedException {
            List<CommitRequest<KafkaCommittable>> wrapped = new ArrayList<>(requests.size());
            for (CommitRequest<KafkaCommittable> r : requests) {
                wrapped.add(new Alarmed(r));
            }
            inner.commit(wrapped);
        }

        @Override
        public void close() throws Exception {
            inner.close();
        }

        private final class Alarmed implements CommitRequest<KafkaCommittable> {
            private final CommitRequest<KafkaCommittable> r;

            Alarmed(CommitRequest<KafkaCommittable> r) {
                this.r = r;
            }

            @Override
            public KafkaCommittable getCommittable() {
                return r.getCommittable();
            }

            @Override
            public int getNumberOfRetries() {
                return r.getNumberOfRetries();
            }

            @Override
            public void signalFailedWithKnownReason(Throwable t) {
                lost.inc();
                LOG.error("OUTPUT LOST on topic {}: Kafka transaction {} could not be committed ({}): the broker had"
                        + " already aborted it. It stayed open longer than transaction-timeout-ms ({} ms) — a recovery"
                        + " or a stall that long — or another job writes with the same transactional ids (group-id and"
                        + " model-id). The records of that checkpoint are not in the topic; the job goes on. To get them"
                        + " back, replay their input (a savepoint or offsets from before the loss). Metric:"
                        + " lostTransactions", topic, r.getCommittable().getTransactionalId(),
                        t.getClass().getSimpleName(), timeoutMs);
                r.signalFailedWithKnownReason(t);
            }

            @Override
            public void signalFailedWithUnknownReason(Throwable t) {
                r.signalFailedWithUnknownReason(t);
            }

            @Override
            public void retryLater() {
                r.retryLater();
            }

            @Override
            public void updateAndRetryLater(KafkaCommittable committable) {
                r.updateAndRetryLater(committable);
            }

            @Override
            public void signalAlreadyCommitted() {
                r.signalAlreadyCommitted();
            }
        }
    }
}
