package io.contrastream.flink.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;

/**
 * The committer wrapper counts and logs every transaction the connector's committer drops (fails with a
 * known reason: the broker aborted it), passes every other outcome through unchanged, and still signals
 * the drop to Flink. The inner committer here plays the connector's part: on a fenced producer it calls
 * {@code signalFailedWithKnownReason}, which is what the connector's {@code KafkaCommitter} does.
 */
class LossAlarmSinkTest {
    /** What a commit request was told. */
    static final class Request implements Committer.CommitRequest<KafkaCommittable> {
        final KafkaCommittable c;
        final List<String> calls = new ArrayList<>();

        Request(String txn) {
            this.c = new KafkaCommittable(7L, (short) 1, txn, null);
        }

        @Override
        public KafkaCommittable getCommittable() {
            return c;
        }

        @Override
        public int getNumberOfRetries() {
            return 0;
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            calls.add("known:" + t.getClass().getSimpleName());
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            calls.add("unknown");
        }

        @Override
        public void retryLater() {
            calls.add("retry");
        }

        @Override
        public void updateAndRetryLater(KafkaCommittable committable) {
            calls.add("update");
        }

        @Override
        public void signalAlreadyCommitted() {
            calls.add("committed");
        }
    }

    @Test
    void droppedTransactionsAreCountedAndStillSignalled() throws Exception {
        SimpleCounter lost = new SimpleCounter();
        Committer<KafkaCommittable> connectorLike = new Committer<>() {
            @Override
            public void commit(java.util.Collection<CommitRequest<KafkaCommittable>> requests) {
                for (CommitRequest<KafkaCommittable> r : requests) {
                    if (r.getCommittable().getTransactionalId().endsWith("fenced")) {
                        r.signalFailedWithKnownReason(new ProducerFencedException("fenced"));
                    } else {
                        r.retryLater();
                    }
                }
            }

            @Override
            public void close() {}
        };
        var alarm = new LossAlarmSink.AlarmCommitter(connectorLike, lost, "embeddings", 900_000L);
        Request fenced = new Request("g-m-emb-0-fenced");
        Request retried = new Request("g-m-emb-1");
        alarm.commit(List.of(fenced, retried));
        assertThat(lost.getCount()).isEqualTo(1);
        assertThat(fenced.calls).containsExactly("known:ProducerFencedException");
        assertThat(retried.calls).containsExactly("retry");
    }
}
