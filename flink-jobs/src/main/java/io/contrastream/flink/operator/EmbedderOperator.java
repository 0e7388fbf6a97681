package io.contrastream.flink.operator;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.store.ModelStore;
import io.contrastream.model.serving.EncoderModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeds decoded records in micro-batches with the latest model version it has received, and
 * stamps that version on every output. Input 1: images; input 2: model versions (broadcast).
 *
 * <pre>{@code
 * DataStream<EmbeddingRecord> out = images.connect(updates.broadcast())
 *         .transform("embed", TypeInformation.of(EmbeddingRecord.class), new EmbedderOperator(cfg));
 * }</pre>
 *
 * <p>Records wait in memory until {@code embed-batch} of them are buffered or the oldest has waited
 * {@code embed-max-delay-ms}; then one forward pass embeds them all. The buffer is emptied before
 * every checkpoint barrier ({@link #prepareSnapshotPreBarrier}) and at the end of input, so no
 * record is ever inside a snapshot and exactly-once output needs no extra state. Before the first
 * version it uses version 0, the seeded initial weights every embedder rebuilds identically.
 * Inference runs with gradient recording off (eval mode).
 *
 * <p>State: only a {@link VersionRef reference} to the latest version (model id, version, the
 * model-store uri the trainer published it to), in union operator state, so a restored or rescaled
 * embedder resumes with the newest version any subtask had. The weights themselves are read back
 * from the model store at restore ({@link ModelStore#readEncoder}): union state is written by every
 * subtask and read by every subtask, so keeping the encoder there cost P copies per checkpoint and
 * P² bytes read per restore. If the referenced version cannot be read at restore, the task fails
 * loudly instead of embedding with other weights; its restarts retry the read (why: see
 * {@code restoreEncoder}). A savepoint from before this change (encoder bytes in state
 * {@code model-version}) still restores: its bytes are used once and that state is emptied.
 *
 * <p>Gauges {@code modelVersion}, {@code embedBatchSize} (size of the last forward pass) and {@code modelAgeMs}
 * (since the trainer published the version in use; -1 when unknown), the histogram {@code embedLatencyMs}
 * (record event time to emit, over the last 1,024 embeddings) and {@code embeddedPerSecond}. The version lag
 * behind the trainer is the trainer's {@code lastPublishedVersion} minus this {@code modelVersion} (the
 * Grafana dashboard computes it). Each
 * restore logs {@code embedder restore: model=... version=... uri=...}.
 */
public class EmbedderOperator extends AbstractStreamOperator<EmbeddingRecord>
        implements TwoInputStreamOperator<DecodedImage, ModelUpdate, EmbeddingRecord>, BoundedMultiInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EmbedderOperator.class);
    static final String STATE = "model-version-ref";
    /** The union state that held whole {@link ModelUpdate}s, encoder bytes included, before references. */
    static final String LEGACY_STATE = "model-version";
    /** Embeddings the latency histogram's quantiles are computed over (the most recent ones). */
    static final int LATENCY_WINDOW = 1024;

    private final JobConfig cfg;
    private final int maxBatch;
    private final long maxDelayMs;
    /** The pinned serving version, 0 for latest. */
    private final long pinned;
    private transient EncoderModel model;
    private transient ListState<VersionRef> versionState;
    private transient VersionRef latest;
    private transient byte[] legacyEncoder; // from a pre-reference savepoint, until open() applies it
    private transient volatile long loadedVersion;
    private transient volatile int lastBatch;
    /** Publication time of the version in use (epoch ms; 0: the seeded version 0 or one restored from state). */
    private transient volatile long loadedAt;
    private transient org.apache.flink.metrics.Histogram latency;
    private transient org.apache.flink.metrics.Counter embedded;
    private transient List<DecodedImage> buffer;
    private transient boolean timerSet;

    public EmbedderOperator(JobConfig cfg) {
        this.cfg = cfg;
        this.maxBatch = cfg.get(JobParams.EMBED_BATCH);
        this.maxDelayMs = cfg.get(JobParams.EMBED_MAX_DELAY_MS);
        this.pinned = JobParams.pinnedVersion(cfg);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        OperatorStateStore store = context.getOperatorStateStore();
        versionState = store.getUnionListState(
                new ListStateDescriptor<>(STATE, TypeInformation.of(VersionRef.class)));
        String modelId = cfg.get(JobParams.MODEL_ID);
        for (VersionRef r : versionState.get()) { // union: every subtask's reference; the newest wins
            if (modelId.equals(r.modelId) && (latest == null || r.version > latest.version)) {
                latest = r;
            }
        }
        // restored state is registered before anyone asks for it: only an old savepoint has this name
        if (store.getRegisteredStateNames().contains(LEGACY_STATE)) {
            ListState<ModelUpdate> legacy = store.getUnionListState(
                    new ListStateDescriptor<>(LEGACY_STATE, TypeInformation.of(ModelUpdate.class)));
            for (ModelUpdate u : legacy.get()) {
                if (modelId.equals(u.modelId) && (latest == null || u.version > latest.version)) {
                    latest = VersionRef.of(u);
                    legacyEncoder = u.encoder;
                }
            }
            legacy.clear(); // from the next checkpoint on only references are written
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        // the encoder alone: serving needs no heads, optimizer or queue
        model = EncoderModel.forRecipe(cfg.method(), cfg.recipeParams(), cfg.encoderConfig(), cfg.device());
        buffer = new ArrayList<>(maxBatch);
        loadedVersion = 0;
        if (pinned > 0) {
            pin();
        } else if (latest != null) {
            restoreEncoder();
        }
        getMetricGroup().gauge("modelVersion", (Gauge<Long>) () -> loadedVersion);
        getMetricGroup().gauge("embedBatchSize", (Gauge<Integer>) () -> lastBatch);
        // the feed's figures: how old an embedding is when it leaves (event time to emit), how old the version
        // that made it is, and how many leave per second
        latency = getMetricGroup().histogram("embedLatencyMs",
                new org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram(LATENCY_WINDOW));
        getMetricGroup().gauge("modelAgeMs", (Gauge<Long>) () -> loadedAt == 0 ? -1L
                : System.currentTimeMillis() - loadedAt);
        embedded = getMetricGroup().counter("embedded");
        getMetricGroup().meter("embeddedPerSecond", new org.apache.flink.metrics.MeterView(embedded));
    }

    /**
     * Loads the restored version's weights from the model store, or fails the task.
     *
     * <p>Why fail rather than fall back: embedding with the seeded version 0 (or any other weights)
     * would put vectors of another embedding space into the output, stamped with a version older
     * than ones already emitted, and nothing downstream could tell them apart from good ones.
     * Failing loses nothing: the restart strategy (exponential delay, never giving up) restores the
     * same checkpoint again, the source replays from its position, and the read is retried at each
     * attempt, so a store that was briefly unreachable heals by itself; a version that is gone for
     * good shows as an ERROR naming the uri, in the job's exception history and in its restart count,
     * until the file is put back (or the job is deliberately restored without the embedder's state).
     */
    /**
     * Loads the pinned serving version from the model store (a fresh start, a restore or a changed pin alike), or
     * fails the task naming what the store holds: serving another version under this setting would be wrong.
     */
    private void pin() throws IOException {
        String modelId = cfg.get(JobParams.MODEL_ID);
        String uri = ModelStore.versionUri(cfg.get(JobParams.MODEL_STORE), modelId, pinned);
        try {
            model.importEncoder(ModelStore.readEncoder(uri));
        } catch (IOException | RuntimeException e) {
            java.util.List<Long> held;
            try {
                held = ModelStore.versions(cfg.get(JobParams.MODEL_STORE), modelId);
            } catch (IOException | RuntimeException e2) {
                held = java.util.List.of();
            }
            String msg = "serving-version " + pinned + ": cannot load model " + modelId + " version " + pinned
                    + " from " + uri + " (the store holds versions " + held + "); set serving-version to one of them or"
                    + " to latest";
            LOG.error(msg, e);
            throw new IOException(msg, e);
        }
        VersionRef ref = new VersionRef();
        ref.modelId = modelId;
        ref.version = pinned;
        ref.uri = uri;
        latest = ref;
        loadedVersion = pinned;
        LOG.info("embedder: serving pinned model={} version={} uri={}", modelId, pinned, uri);
    }

    private void restoreEncoder() throws IOException {
        byte[] weights = legacyEncoder;
        legacyEncoder = null;
        String from = weights != null ? "the savepoint (legacy state " + LEGACY_STATE + ")" : latest.uri;
        try {
            if (weights == null) {
                if (latest.uri == null) {
                    throw new IOException("the checkpointed reference has no uri");
                }
                weights = ModelStore.readEncoder(latest.uri);
            }
            model.importEncoder(weights);
        } catch (IOException | RuntimeException e) {
            String msg = String.format(Locale.ROOT,
                    "embedder restore: cannot load model %s version %d from %s; failing the task rather than"
                            + " embedding with other weights (the restart retries the read)",
                    latest.modelId, latest.version, from);
            LOG.error(msg, e);
            throw new IOException(msg, e);
        }
        loadedVersion = latest.version;
        LOG.info("embedder restore: model={} version={} uri={} subtask={}", latest.modelId, latest.version, from,
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
    }

    @Override
    public void processElement1(StreamRecord<DecodedImage> element) throws Exception {
        buffer.add(element.getValue());
        if (buffer.size() >= maxBatch) {
            flush();
        } else if (!timerSet) {
            timerSet = true;
            long due = getProcessingTimeService().getCurrentProcessingTime() + maxDelayMs;
            getProcessingTimeService().registerTimer(due, t -> {
                timerSet = false;
                flush();
            });
        }
    }

    @Override
    public void processElement2(StreamRecord<ModelUpdate> element) throws Exception {
        ModelUpdate u = element.getValue();
        if (pinned > 0 || !u.modelId.equals(cfg.get(JobParams.MODEL_ID)) || (latest != null && u.version <= latest.version)) {
            return; // pinned: newer versions are trained and stored, not served
        }
        flush(); // records that arrived before the version are embedded with the version they waited under
        latest = VersionRef.of(u);
        model.importEncoder(u.encoder); // the weights travel with the update; only the reference is kept
        loadedVersion = u.version;
        loadedAt = u.publishedAt;
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        versionState.update(latest == null ? List.of() : List.of(latest));
    }

    @Override
    public void endInput(int inputId) throws Exception {
        if (inputId == 1) {
            flush();
        }
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    /** Embeds every buffered record in one forward pass (records of different sizes: one pass per size). */
    private void flush() {
        if (buffer.isEmpty()) {
            return;
        }
        int i = 0;
        while (i < buffer.size()) {
            DecodedImage first = buffer.get(i);
            int j = i + 1;
            while (j < buffer.size() && sameShape(first, buffer.get(j))) {
                j++;
            }
            embed(buffer.subList(i, j));
            i = j;
        }
        buffer.clear();
    }

    private void embed(List<DecodedImage> batch) {
        int n = batch.size();
        int per = batch.get(0).pixels.length;
        float[] flat = new float[n * per]; // N x C x H x W
        for (int k = 0; k < n; k++) {
            System.arraycopy(batch.get(k).pixels, 0, flat, k * per, per);
        }
        float[][] h = model.embed(flat, n); // h: N x D
        lastBatch = n;
        String modelId = cfg.get(JobParams.MODEL_ID);
        long now = System.currentTimeMillis();
        for (int k = 0; k < n; k++) {
            DecodedImage in = batch.get(k);
            if (in.eventTime > 0) {
                latency.update(Math.max(0, now - in.eventTime));
            }
            EmbeddingRecord e = new EmbeddingRecord();
            e.recordId = in.recordId;
            e.source = in.source;
            e.eventTime = in.eventTime;
            e.modelId = modelId;
            e.modelVersion = loadedVersion;
            e.label = in.label;
            e.vector = h[k];
            output.collect(new StreamRecord<>(e));
        }
        embedded.inc(n);
    }

    private static boolean sameShape(DecodedImage a, DecodedImage b) {
        return a.channels == b.channels && a.height == b.height && a.width == b.width;
    }

    /**
     * What the embedder checkpoints of a version: enough to read it back from the model store
     * (versions there are never overwritten), none of its weights.
     *
     * <pre>{@code
     * VersionRef ref = VersionRef.of(update);
     * byte[] weights = ModelStore.readEncoder(ref.uri);
     * }</pre>
     */
    public static class VersionRef {
        public String modelId;
        public long version;
        public String uri;

        public VersionRef() {}

        public static VersionRef of(ModelUpdate u) {
            VersionRef r = new VersionRef();
            r.modelId = u.modelId;
            r.version = u.version;
            r.uri = u.uri;
            return r;
        }
    }

    /** The version the next embeddings will carry (for tests). */
    public long loadedVersion() {
        return loadedVersion;
    }

    @Override
    public void close() throws Exception {
        try {
            if (model != null) {
                model.close();
            }
        } finally {
            super.close();
        }
    }

}
