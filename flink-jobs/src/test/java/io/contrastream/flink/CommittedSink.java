package io.contrastream.flink;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * An exactly-once collecting sink for MiniCluster tests (same JVM): what a writer receives is only
 * "written"; it becomes a result when the checkpoint (or savepoint) that covers it completes and
 * the committer commits it, the way a Kafka transaction becomes visible to read_committed readers.
 *
 * <pre>{@code
 * out.embeddings().sinkTo(new CommittedSink<>("run1-emb")).uid("emb-sink");
 * ... job runs, stops with a savepoint ...
 * List<EmbeddingRecord> committed = CommittedSink.committed("run1-emb");
 * }</pre>
 *
 * <p>A committable is the id of a batch parked in this JVM. Committing is idempotent (the batch is
 * taken out once): a restored committer re-commits the committables of the checkpoint it restored
 * from, which the previous run already committed, and must not count them twice. Records written
 * after the last completed checkpoint are never committed, as a real transactional sink would drop
 * them; a replay then writes them again under a new batch.
 */
final class CommittedSink<T> implements Sink<T>, SupportsCommitter<String> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, List<Object>> COMMITTED = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> WRITTEN = new ConcurrentHashMap<>();
    /** batch id → (sink name, records) until committed. */
    private static final Map<String, Map.Entry<String, List<Object>>> PARKED = new ConcurrentHashMap<>();
    private final String name;

    CommittedSink(String name) {
        this.name = name;
        COMMITTED.put(name, new CopyOnWriteArrayList<>());
        WRITTEN.put(name, new AtomicLong());
    }

    /** What the committer has committed so far, in commit order. */
    @SuppressWarnings("unchecked")
    static <T> List<T> committed(String name) {
        return List.copyOf((List<T>) (List<?>) COMMITTED.get(name));
    }

    /** Records the writers have received (committed or not): for waiting on progress. */
    static long written(String name) {
        return WRITTEN.get(name).get();
    }

    @Override
    public CommittingSinkWriter<T, String> createWriter(WriterInitContext context) {
        return new CommittingSinkWriter<>() {
            private List<Object> batch = new ArrayList<>();

            @Override
            public void write(T element, Context ctx) {
                batch.add(element);
                WRITTEN.get(name).incrementAndGet();
            }

            @Override
            public Collection<String> prepareCommit() {
                if (batch.isEmpty()) {
                    return List.of();
                }
                String id = UUID.randomUUID().toString();
                PARKED.put(id, Map.entry(name, batch));
                batch = new ArrayList<>();
                return List.of(id);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }

    @Override
    public Committer<String> createCommitter(CommitterInitContext context) {
        return new Committer<>() {
            @Override
            public void commit(Collection<CommitRequest<String>> requests) {
                for (CommitRequest<String> r : requests) {
                    Map.Entry<String, List<Object>> parked = PARKED.remove(r.getCommittable());
                    if (parked != null) { // null: committed before (a restored committer's retry)
                        COMMITTED.get(parked.getKey()).addAll(parked.getValue());
                    }
                }
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public SimpleVersionedSerializer<String> getCommittableSerializer() {
        return new SimpleVersionedSerializer<>() {
            @Override
            public int getVersion() {
                return 1;
            }

            @Override
            public byte[] serialize(String id) {
                return id.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String deserialize(int version, byte[] bytes) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
        };
    }
}
