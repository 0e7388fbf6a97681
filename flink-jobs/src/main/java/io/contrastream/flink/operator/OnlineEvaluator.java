package io.contrastream.flink.operator;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.QualityRecord;
import io.contrastream.model.eval.CollapseMonitor;
import io.contrastream.model.eval.KnnClassifier;
import io.contrastream.model.util.Rng;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Online, prequential evaluation of every model version in the embeddings stream: each labelled
 * embedding is first scored against what its version has seen, then learnt from.
 *
 * <pre>{@code
 * DataStream<QualityRecord> quality = embeddings
 *         .transform("online-eval", TypeInformation.of(QualityRecord.class), new OnlineEvaluator(cfg))
 *         .uid("online-eval").setParallelism(1);
 * }</pre>
 *
 * <p>Per (model id, model version) it keeps a ring of the last {@code eval-memory} labelled embeddings
 * of that version. A labelled record (label &gt;= 0; unlabelled ones are ignored) is scored before it is
 * added: by the weighted kNN of the project's eval protocol ({@link KnnClassifier}: cosine, τ = 0.07,
 * k = {@code eval-k}, fewer while the memory is smaller) against the ring in arrival order, and by an
 * online linear probe (softmax regression over the L2-normalised h with a bias, one SGD step of
 * {@code eval-probe-lr} after scoring; initial weights drawn from {@code eval-seed}). The first record
 * of a version (empty memory) is learnt from but not scored. Every {@code quality-interval} scored
 * records of a version it emits a {@link QualityRecord}: both prequential accuracies, and the collapse
 * figures ({@link CollapseMonitor}) over the memory. Once a version has {@code eval-min-records} scored
 * records the memories of that model's older versions are dropped, and their late records ignored,
 * so the state holds about two versions' rings.
 *
 * <p>State: operator state at parallelism 1, not keyed RocksDB state. Why: a job trains one model id,
 * so keying by it would put every record on one subtask anyway; and each record's kNN reads the whole
 * ring, which on RocksDB would deserialize {@code eval-memory} rows per record. The rings live on the
 * heap and are written whole at each checkpoint (one list entry; 2,048 x 128 floats ≈ 1 MiB a version),
 * which makes a restored operator continue bit-exactly (a ring keeps the {@code eval-memory} it was
 * created with). The cost: one subtask scores every labelled record (a kNN over the ring, one DJL matrix
 * product); if it falls behind, its back-pressure slows the embedders that feed it and their sink too.
 *
 * <p>A bad record never fails the task: a missing or empty vector, a non-finite value, a vector of
 * another length than its version's memory, or a label at or above {@code eval-max-classes} is
 * skipped and counted ({@code evalSkipped}). Gauges {@code onlineKnn} and {@code onlineProbe}: the
 * prequential accuracies of the newest version seen (NaN before it has a scored record).
 */
public class OnlineEvaluator extends AbstractStreamOperator<QualityRecord>
        implements OneInputStreamOperator<EmbeddingRecord, QualityRecord> {
    private static final long serialVersionUID = 1L;
    static final String STATE = "online-eval";
    private static final int FORMAT = 1;

    private final int capacity;
    private final int k;
    private final long minRecords;
    private final long interval;
    private final float lr;
    private final int maxClasses;
    private final long seed;

    /** model id → version → its evaluation; sorted, so iteration (drops, snapshots) is deterministic. */
    private transient Map<String, TreeMap<Long, VersionEval>> models;
    /** model id → lowest version still evaluated (older ones were dropped). */
    private transient Map<String, Long> floors;
    private transient ListState<byte[]> state;
    private transient Counter skipped;
    private transient volatile VersionEval newest;

    public OnlineEvaluator(JobConfig cfg) {
        this.capacity = cfg.get(JobParams.EVAL_MEMORY);
        this.k = cfg.get(JobParams.EVAL_K);
        this.minRecords = cfg.get(JobParams.EVAL_MIN_RECORDS);
        this.interval = cfg.get(JobParams.QUALITY_INTERVAL);
        this.lr = cfg.get(JobParams.EVAL_PROBE_LR).floatValue();
        this.maxClasses = cfg.get(JobParams.EVAL_MAX_CLASSES);
        this.seed = cfg.get(JobParams.EVAL_SEED);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        models = new TreeMap<>();
        floors = new TreeMap<>();
        state = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>(STATE, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        for (byte[] bytes : state.get()) {
            read(bytes);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        skipped = getMetricGroup().counter("evalSkipped");
        getMetricGroup().gauge("onlineKnn", (Gauge<Double>) () -> {
            VersionEval v = newest;
            return v == null || v.scored == 0 ? Double.NaN : (double) v.knnCorrect / v.scored;
        });
        getMetricGroup().gauge("onlineProbe", (Gauge<Double>) () -> {
            VersionEval v = newest;
            return v == null || v.scored == 0 ? Double.NaN : (double) v.probeCorrect / v.scored;
        });
    }

    @Override
    public void processElement(StreamRecord<EmbeddingRecord> element) {
        EmbeddingRecord e = element.getValue();
        if (e.label < 0) {
            return; // nothing to score it against
        }
        if (e.modelId == null || e.label >= maxClasses || !finite(e.vector)) {
            skipped.inc();
            return;
        }
        Long floor = floors.get(e.modelId);
        if (floor != null && e.modelVersion < floor) {
            skipped.inc(); // a late record of a version whose memory is gone
            return;
        }
        TreeMap<Long, VersionEval> versions = models.computeIfAbsent(e.modelId, id -> new TreeMap<>());
        VersionEval v = versions.get(e.modelVersion);
        if (v == null) {
            v = new VersionEval(e.modelId, e.modelVersion, e.vector.length, capacity);
            versions.put(e.modelVersion, v);
        }
        if (e.vector.length != v.dim) {
            skipped.inc();
            return;
        }
        if (newest == null || e.modelVersion >= newest.version) {
            newest = v;
        }
        v.eventTime = Math.max(v.eventTime, e.eventTime);
        if (v.learn(e.vector, e.label, k, lr, seed)) {
            if (v.scored % interval == 0) {
                output.collect(new StreamRecord<>(v.quality()));
            }
            if (v.scored == minRecords) { // the newer version stands on its own: forget the older ones
                versions.headMap(v.version).clear();
                floors.merge(e.modelId, v.version, Math::max);
            }
        }
    }

    private static boolean finite(float[] x) {
        if (x == null || x.length == 0) {
            return false;
        }
        for (float f : x) {
            if (!Float.isFinite(f)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        state.update(List.of(write()));
    }

    private byte[] write() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeInt(floors.size());
            for (Map.Entry<String, Long> f : floors.entrySet()) {
                out.writeUTF(f.getKey());
                out.writeLong(f.getValue());
            }
            int n = models.values().stream().mapToInt(Map::size).sum();
            out.writeInt(n);
            for (TreeMap<Long, VersionEval> versions : models.values()) {
                for (VersionEval v : versions.values()) {
                    v.write(out);
                }
            }
        }
        return bytes.toByteArray();
    }

    private void read(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IOException("online-eval state of format " + format + ", this build reads " + FORMAT);
            }
            for (int i = in.readInt(); i > 0; i--) {
                floors.merge(in.readUTF(), in.readLong(), Math::max);
            }
            for (int i = in.readInt(); i > 0; i--) {
                VersionEval v = VersionEval.read(in);
                models.computeIfAbsent(v.modelId, id -> new TreeMap<>()).put(v.version, v);
                if (newest == null || v.version >= newest.version) {
                    newest = v;
                }
            }
        }
    }

    /** The latest figures of the newest version seen: {@code {knn, probe}}, NaN before a scored record (for tests). */
    public double[] newestAccuracy() {
        VersionEval v = newest;
        return v == null || v.scored == 0 ? new double[] {Double.NaN, Double.NaN}
                : new double[] {(double) v.knnCorrect / v.scored, (double) v.probeCorrect / v.scored};
    }

    /** The versions whose memories are kept, per model id (for tests). */
    public Map<String, List<Long>> versionsKept() {
        Map<String, List<Long>> out = new TreeMap<>();
        models.forEach((id, vs) -> out.put(id, List.copyOf(vs.keySet())));
        return out;
    }

    /**
     * The initial probe weights of one class: {@code width} values uniform in [-0.01, 0.01) from
     * {@code Rng.of(seed, version, label)}, so every version's probe starts the same way after a restore
     * or on a rerun.
     */
    static float[] initialWeights(long seed, long version, int label, int width) {
        Rng rng = Rng.of(seed, version, label);
        float[] w = new float[width];
        for (int c = 0; c < width; c++) {
            w[c] = (rng.nextFloat() - 0.5f) * 0.02f;
        }
        return w;
    }

    /** One version's memory ring, probe and counts. */
    static final class VersionEval {
        final String modelId;
        final long version;
        final int dim;
        final float[][] rows;
        final int[] labels;
        int size;
        int next;
        long scored;
        long knnCorrect;
        long probeCorrect;
        long eventTime;
        /** class-major probe weights, {@code dim + 1} per class (the last: the bias); grown as labels appear. */
        float[][] probe = new float[0][];

        VersionEval(String modelId, long version, int dim, int capacity) {
            this.modelId = modelId;
            this.version = version;
            this.dim = dim;
            this.rows = new float[capacity][];
            this.labels = new int[capacity];
        }

        /** Scores {@code h} (if the memory has anything), then learns from it; true when it was scored. */
        boolean learn(float[] h, int label, int k, float lr, long seed) {
            while (probe.length <= label) { // a new class: its weights join before scoring, as offline
                float[][] grown = java.util.Arrays.copyOf(probe, probe.length + 1);
                grown[probe.length] = initialWeights(seed, version, probe.length, dim + 1);
                probe = grown;
            }
            float[] x = probeInput(h);
            float[] p = softmax(x);
            boolean scoring = size > 0;
            if (scoring) {
                float[][] train = new float[size][];
                int[] y = new int[size];
                int oldest = size < rows.length ? 0 : next;
                for (int i = 0; i < size; i++) { // arrival order: KnnClassifier breaks ties by index
                    int slot = (oldest + i) % rows.length;
                    train[i] = rows[slot];
                    y[i] = labels[slot];
                }
                int knn = KnnClassifier.predict(train, y, new float[][] {h}, new int[] {k},
                        KnnClassifier.DEFAULT_TAU, probe.length)[0][0];
                scored++;
                knnCorrect += knn == label ? 1 : 0;
                probeCorrect += argmax(p) == label ? 1 : 0;
            }
            // one SGD step on the cross-entropy: w_c -= lr (p_c - [c = label]) x
            for (int c = 0; c < probe.length; c++) {
                float g = (p[c] - (c == label ? 1f : 0f)) * lr;
                float[] w = probe[c];
                for (int j = 0; j < x.length; j++) {
                    w[j] -= g * x[j];
                }
            }
            rows[next] = h.clone();
            labels[next] = label;
            next = (next + 1) % rows.length;
            size = Math.min(size + 1, rows.length);
            return scoring;
        }

        /** h L2-normalised (norm clamped at 1e-12, as KnnClassifier), then a constant 1 for the bias. */
        private float[] probeInput(float[] h) {
            double sq = 0;
            for (float v : h) {
                sq += (double) v * v;
            }
            float inv = (float) (1.0 / Math.max(Math.sqrt(sq), 1e-12));
            float[] x = new float[h.length + 1];
            for (int j = 0; j < h.length; j++) {
                x[j] = h[j] * inv;
            }
            x[h.length] = 1f;
            return x;
        }

        private float[] softmax(float[] x) {
            float[] z = new float[probe.length];
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < z.length; c++) {
                float s = 0f;
                for (int j = 0; j < x.length; j++) {
                    s += probe[c][j] * x[j];
                }
                z[c] = s;
                max = Math.max(max, s);
            }
            float sum = 0f;
            for (int c = 0; c < z.length; c++) {
                z[c] = (float) Math.exp(z[c] - max);
                sum += z[c];
            }
            for (int c = 0; c < z.length; c++) {
                z[c] /= sum;
            }
            return z;
        }

        private static int argmax(float[] p) {
            int arg = 0;
            for (int c = 1; c < p.length; c++) {
                if (p[c] > p[arg]) {
                    arg = c;
                }
            }
            return arg;
        }

        QualityRecord quality() {
            float[][] memory = new float[size][];
            for (int i = 0; i < size; i++) {
                memory[i] = rows[i];
            }
            CollapseMonitor.Report collapse = CollapseMonitor.report(memory);
            QualityRecord q = new QualityRecord();
            q.modelId = modelId;
            q.modelVersion = version;
            q.records = scored;
            q.knnTop1 = (double) knnCorrect / scored;
            q.probeTop1 = (double) probeCorrect / scored;
            q.channelStd = collapse.channelStd();
            q.effectiveRank = collapse.effectiveRank();
            q.eventTime = eventTime;
            return q;
        }

        void write(DataOutputStream out) throws IOException {
            out.writeUTF(modelId);
            out.writeLong(version);
            out.writeInt(dim);
            out.writeInt(rows.length);
            out.writeInt(size);
            out.writeInt(next);
            out.writeLong(scored);
            out.writeLong(knnCorrect);
            out.writeLong(probeCorrect);
            out.writeLong(eventTime);
            int oldest = size < rows.length ? 0 : next;
            for (int i = 0; i < size; i++) { // slots as they are, so the ring resumes where it stood
                int slot = (oldest + i) % rows.length;
                out.writeInt(slot);
                out.writeInt(labels[slot]);
                for (float f : rows[slot]) {
                    out.writeFloat(f);
                }
            }
            out.writeInt(probe.length);
            for (float[] w : probe) {
                for (float f : w) {
                    out.writeFloat(f);
                }
            }
        }

        static VersionEval read(DataInputStream in) throws IOException {
            String modelId = in.readUTF();
            long version = in.readLong();
            int dim = in.readInt();
            int capacity = in.readInt();
            VersionEval v = new VersionEval(modelId, version, dim, capacity);
            v.size = in.readInt();
            v.next = in.readInt();
            v.scored = in.readLong();
            v.knnCorrect = in.readLong();
            v.probeCorrect = in.readLong();
            v.eventTime = in.readLong();
            for (int i = 0; i < v.size; i++) {
                int slot = in.readInt();
                v.labels[slot] = in.readInt();
                float[] row = new float[dim];
                for (int j = 0; j < dim; j++) {
                    row[j] = in.readFloat();
                }
                v.rows[slot] = row;
            }
            v.probe = new float[in.readInt()][dim + 1];
            for (float[] w : v.probe) {
                for (int j = 0; j < w.length; j++) {
                    w[j] = in.readFloat();
                }
            }
            return v;
        }
    }
}
