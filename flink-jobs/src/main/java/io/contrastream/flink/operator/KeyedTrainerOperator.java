package io.contrastream.flink.operator;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.store.ModelStore;
import io.contrastream.model.method.StepResult;
import io.contrastream.model.optim.OptimizerParams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every online trainer does, keyed by model id: collect the inputs of a batch, step the model
 * when {@code batch} of them are there (the first {@code drill-nan-batches} batches after a start
 * filled with NaN), publish a version to the model store and downstream every {@code publish-every}
 * applied steps, and keep the model in memory between checkpoints, writing its state, the unfinished
 * batch and the version counter to keyed state at each checkpoint so a restore resumes bit-exact.
 * Subclasses say how a batch is stepped and how the model's state is written and read.
 *
 * <pre>{@code
 * class MyTrainer extends KeyedTrainerOperator<Window, float[], Cpc> { ... }   // see CpcTrainerOperator
 * }</pre>
 *
 * <p>Gauges {@code modelVersion}, {@code trainingStep}, {@code loss}, {@code storeHealthy} (1/0),
 * {@code lastPublishedVersion}; counters {@code skippedSteps}, {@code publishFailures}.
 * Each checkpoint and restore logs {@code <name> snapshot|restore: ... state_sha256=...}.
 *
 * <p>Model store faults never stop training: a failed publish is counted, logged once per outage, no
 * {@link ModelUpdate} goes out for it (the embedders keep the last stored version), and the next publish
 * point tries again. A version takes the next number free in the store ({@link ModelStore#publish}; a replay
 * after a restore that finds its very bytes stored keeps their number), so a number never names other
 * weights; after each publish the store keeps the newest {@code keep-versions} versions plus
 * the one announced at the last completed checkpoint. Refused without restarts
 * ({@link SuppressRestartsException}): a model folder holding another method's versions (at open) and a
 * savepoint taken with other state-shaping settings ({@link #stateSettings}, at restore).
 *
 * @param <IN> the input records
 * @param <P> what one input leaves in the unfinished batch (kept in keyed list state)
 * @param <M> the model
 */
abstract class KeyedTrainerOperator<IN, P, M extends AutoCloseable> extends AbstractStreamOperator<ModelUpdate>
        implements OneInputStreamOperator<IN, ModelUpdate> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(KeyedTrainerOperator.class);

    protected final JobConfig cfg;
    private final String name;
    private final String stateName;
    private final String pendingName;
    private transient ValueState<byte[]> modelState;
    private transient ValueState<Long> versionState;
    private transient ListState<P> pendingState;
    private transient Map<String, Live<P, M>> live;
    private transient int drillNanBatches;
    private transient int batchSize;
    private transient long publishEvery;
    private transient volatile long latestVersion;
    private transient volatile long latestStep;
    private transient volatile double latestLoss;
    private transient Counter skipped;
    private transient Counter publishFailures;
    private transient String store;
    private transient int keepVersions;
    private transient volatile boolean storeHealthy;
    private transient volatile long lastPublishedVersion;
    private transient long outageFailures;
    /** Model ids whose store folder was checked (method, stale temporary folders) by this instance. */
    private transient Set<String> storeChecked;
    /** Versions per model at each checkpoint not yet complete, and at the last complete one (still serving). */
    private transient TreeMap<Long, Map<String, Long>> checkpointVersions;
    private transient Map<String, Long> committedVersions;
    private transient long servingVersion;
    private transient ListState<String> settingsState;

    /** One model being trained by this subtask. */
    /** History kept for one version at the most (about 20,000 steps' lines). */
    static final int MAX_HISTORY_CHARS = 2_000_000;

    static final class Live<P, M> {
        final M model;
        final List<P> pending = new ArrayList<>();
        long version;
        /** JSON lines of the steps since the last published version: written next to the next one. */
        final StringBuilder history = new StringBuilder();
        long lastStepNanos;

        Live(M model) {
            this.model = model;
        }
    }

    /**
     * @param name the log name ({@code trainer}, {@code cpc trainer})
     * @param stateName the keyed value holding the model's state
     * @param pendingName the keyed list holding the unfinished batch
     */
    protected KeyedTrainerOperator(JobConfig cfg, String name, String stateName, String pendingName) {
        this.cfg = cfg;
        this.name = name;
        this.stateName = stateName;
        this.pendingName = pendingName;
    }

    protected abstract String modelId(IN in);

    protected abstract P pending(IN in);

    protected abstract TypeInformation<P> pendingType();

    /** A fresh model of the current key (its keyed state, if any, is read afterwards by {@link #importState}). */
    protected abstract M create() throws Exception;

    protected abstract long stepCount(M model);

    /** One step on a full batch; {@code nan}: fill its input with NaN first (the numerics guard's drill). */
    protected abstract StepResult step(M model, List<P> batch, boolean nan);

    protected abstract byte[] exportEncoder(M model);

    /** What every version's encoder is, for other tools (the model store's safetensors and version.json metadata). */
    protected abstract java.util.Map<String, String> encoderMetadata();

    /** The model's state as checkpointed in the keyed value (the current key is the model's). */
    protected abstract byte[] exportState(M model) throws Exception;

    /** Restores the model from its checkpointed value (and any keyed state of its own). */
    protected abstract void importState(M model, byte[] saved) throws Exception;

    /** After the value is written at a checkpoint: state the subclass keeps elsewhere (a queue's rows). */
    protected void afterSnapshot(M model) throws Exception {}

    /** After a version is published (the collapse monitor). */
    protected void afterPublish(String modelId, Live<P, M> m) {}

    /**
     * The settings that shape the checkpointed state (tensor shapes, the optimizer's buffers, the queue),
     * as key → value; kept in operator state and compared at restore. Subclasses add their keys.
     */
    protected Map<String, String> stateSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("method", cfg.method());
        return out;
    }

    /** Adds the recipe settings {@code keys} (those the method declares) to {@code out}. */
    protected final void putRecipeSettings(Map<String, String> out, String... keys) {
        Map<String, Object> recipe = cfg.recipeParams().asMap();
        for (String k : keys) {
            if (recipe.containsKey(k)) {
                out.put(k, String.valueOf(recipe.get(k)));
            }
        }
    }

    /** Text appended to the restore log line (e.g. {@code " lr=..."}). */
    protected String restoreDetail(M model) {
        return "";
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // union: every subtask sees the settings of the whole savepoint, whatever the new parallelism
        settingsState = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("trainer-settings", Types.STRING));
        if (context.isRestored()) { // a savepoint of an older build has no settings: restored as before
            Map<String, String> now = stateSettings();
            for (String saved : settingsState.get()) {
                String diff = settingsMismatch(decodeSettings(saved), now);
                if (diff != null) {
                    throw new SuppressRestartsException(new IllegalStateException(name + ": cannot restore: " + diff
                            + ". The trainer's state (weights, optimizer, queue) fits only the settings it was taken"
                            + " with: run with the savepoint's settings to resume it, or start without the savepoint"
                            + " (and a new model-id) to train a new model"));
                }
            }
        }
    }

    /**
     * Null when equal on every key both have, else e.g. "savepoint was taken with queue-size 4096, this job has
     * 1024" (a key only one side has is skipped: settings added later do not refuse older savepoints).
     */
    static String settingsMismatch(Map<String, String> saved, Map<String, String> now) {
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, String> e : now.entrySet()) {
            String was = saved.get(e.getKey());
            if (was != null && !was.equals(e.getValue())) {
                diffs.add(e.getKey() + " " + was + ", this job has " + e.getValue());
            }
        }
        return diffs.isEmpty() ? null : "savepoint was taken with " + String.join("; with ", diffs);
    }

    static String encodeSettings(Map<String, String> settings) {
        StringBuilder b = new StringBuilder();
        settings.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        return b.toString();
    }

    static Map<String, String> decodeSettings(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    @Override
    public void open() throws Exception {
        super.open();
        modelState = getRuntimeContext().getState(
                new ValueStateDescriptor<>(stateName, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        versionState = getRuntimeContext().getState(new ValueStateDescriptor<>("model-version", Types.LONG));
        pendingState = getRuntimeContext().getListState(new ListStateDescriptor<>(pendingName, pendingType()));
        live = new HashMap<>();
        drillNanBatches = cfg.get(JobParams.DRILL_NAN_BATCHES);
        batchSize = cfg.get(OptimizerParams.BATCH);
        publishEvery = cfg.get(JobParams.PUBLISH_EVERY);
        getMetricGroup().gauge("modelVersion", (Gauge<Long>) () -> latestVersion);
        getMetricGroup().gauge("trainingStep", (Gauge<Long>) () -> latestStep);
        getMetricGroup().gauge("loss", (Gauge<Double>) () -> latestLoss);
        skipped = getMetricGroup().counter("skippedSteps");
        publishFailures = getMetricGroup().counter("publishFailures");
        getMetricGroup().gauge("storeHealthy", (Gauge<Integer>) () -> storeHealthy ? 1 : 0);
        getMetricGroup().gauge("lastPublishedVersion", (Gauge<Long>) () -> lastPublishedVersion);
        store = cfg.get(JobParams.MODEL_STORE);
        keepVersions = cfg.get(JobParams.KEEP_VERSIONS);
        servingVersion = JobParams.pinnedVersion(cfg);
        storeHealthy = true;
        storeChecked = new HashSet<>();
        checkpointVersions = new TreeMap<>();
        committedVersions = new HashMap<>();
        try { // the configured model's folder now; any other key's at its first record
            checkStore(cfg.get(JobParams.MODEL_ID));
        } catch (IOException | UncheckedIOException e) { // an unreachable store must not stop training
            LOG.warn("{}: model store {} not readable at open ({}); checked again at the first publish", name, store,
                    e.toString());
        }
    }

    /**
     * Once per model id: refuses a folder holding another method's versions (without restarts: a restart
     * cannot fix a configuration) and removes stale temporary folders of writes that never finished.
     */
    private void checkStore(String modelId) throws IOException {
        if (storeChecked.contains(modelId)) {
            return;
        }
        String foreign = ModelStore.foreignVersions(store, modelId, cfg.method());
        if (foreign != null) {
            throw new SuppressRestartsException(new IllegalStateException(name + ": model-store " + store
                    + " already holds " + foreign + " under model-id '" + modelId + "' (" + store + "/" + modelId
                    + "/), and this job trains " + cfg.method() + ": its versions would mix with another method's."
                    + " Set model-id to a new name (or model-store to another directory) for this job"));
        }
        storeChecked.add(modelId);
        try {
            int n = ModelStore.cleanStaleTemps(store, modelId, ModelStore.STALE_TEMP_AGE);
            if (n > 0) {
                LOG.info("{} {}: removed {} stale temporary folder(s) of unfinished writes from {}", name, modelId, n,
                        store);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("{} {}: stale temporary folders in {} not cleaned: {}", name, modelId, store, e.toString());
        }
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        IN in = element.getValue();
        String modelId = modelId(in);
        Live<P, M> m = live(modelId);
        m.pending.add(pending(in));
        if (m.pending.size() < batchSize) {
            return;
        }
        boolean nan = drillNanBatches > 0;
        if (nan) {
            drillNanBatches--;
            LOG.warn("{}: drill: batch of step {} filled with NaN ({} more to come)", modelId, stepCount(m.model),
                    drillNanBatches);
        }
        int records = m.pending.size();
        StepResult r = step(m.model, m.pending, nan);
        m.pending.clear();
        latestStep = stepCount(m.model);
        latestLoss = r.loss();
        long now = System.nanoTime();
        double rate = m.lastStepNanos == 0 ? Double.NaN : records / ((now - m.lastStepNanos) / 1e9);
        m.lastStepNanos = now;
        historyLine(m, String.format(java.util.Locale.ROOT,
                "{\"step\":%d,\"loss\":%s,\"lr\":%s,\"skipped\":%b,\"records_per_s\":%s,\"time_ms\":%d}",
                r.step(), json(r.loss()), json(r.lr()), r.skipped(), json(rate), System.currentTimeMillis()));
        if (r.skipped()) {
            skipped.inc();
            return;
        }
        if (stepCount(m.model) % publishEvery == 0) {
            publish(modelId, m, r);
            afterPublish(modelId, m);
        }
    }

    /**
     * Stores the next version and sends it downstream; a store failure is counted and logged once per outage,
     * and nothing goes downstream (the embedders keep the last stored version). The next publish tries again.
     */
    /** Adds a JSON line to the history the next published version carries (bounded: the newest lines stay). */
    protected static void historyLine(Live<?, ?> m, String line) {
        m.history.append(line).append('\n');
        if (m.history.length() > MAX_HISTORY_CHARS) { // publish-every large or a store outage: keep the newest
            m.history.delete(0, m.history.indexOf("\n", m.history.length() - MAX_HISTORY_CHARS) + 1);
        }
    }

    /** A JSON number, or null for NaN and infinities (JSON has neither). */
    protected static String json(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    private void publish(String modelId, Live<P, M> m, StepResult r) throws Exception {
        ModelUpdate u = new ModelUpdate();
        u.modelId = modelId;
        u.step = stepCount(m.model);
        u.loss = r.loss();
        u.encoder = exportEncoder(m.model);
        ModelStore.Published p;
        try {
            checkStore(modelId);
            p = ModelStore.publish(store, modelId, m.version + 1, u.step, u.loss, u.encoder, encoderMetadata(),
                    m.history.toString());
        } catch (IOException | UncheckedIOException e) {
            publishFailures.inc();
            outageFailures++;
            if (storeHealthy) {
                storeHealthy = false;
                LOG.error("{} {}: model store failed, version of step {} not published: {}. Training goes on and the"
                        + " embedders keep version {}; every publish (each {} steps) retries, and one line says when"
                        + " the store is back. Check that {} is writable and has space", name, modelId, u.step,
                        e.toString(), m.version, publishEvery, store);
            } else {
                LOG.debug("{} {}: model store still failing: {}", name, modelId, e.toString());
            }
            return;
        }
        if (!storeHealthy) {
            LOG.info("{} {}: model store is back: version {} published after {} failed publish(es)", name, modelId,
                    p.version(), outageFailures);
        }
        storeHealthy = true;
        outageFailures = 0;
        if (p.replayed()) {
            LOG.info("{} {}: version {} already in the store with these very weights (replayed after a restore):"
                    + " announced again, not rewritten", name, modelId, p.version());
        } else if (p.version() != m.version + 1) {
            LOG.info("{} {}: the store already holds versions up to {}: publishing as version {} (never reused)", name,
                    modelId, p.version() - 1, p.version());
        }
        m.version = p.version();
        m.history.setLength(0);
        u.version = p.version();
        u.uri = p.uri();
        u.publishedAt = System.currentTimeMillis();
        lastPublishedVersion = p.version();
        latestVersion = Math.max(latestVersion, m.version);
        output.collect(new StreamRecord<>(u));
        retain(modelId, p.version());
    }

    /** keep-versions, never deleting the version just published or the one of the last complete checkpoint. */
    private void retain(String modelId, long published) {
        Set<Long> pinned = new HashSet<>();
        pinned.add(published);
        Long committed = committedVersions.get(modelId);
        if (committed != null) {
            pinned.add(committed);
        }
        if (servingVersion > 0) {
            pinned.add(servingVersion); // the embedders serve it: never deleted while it is pinned
        }
        try {
            List<Long> deleted = ModelStore.retain(store, modelId, keepVersions, pinned);
            if (!deleted.isEmpty()) {
                LOG.info("{} {}: keep-versions {}: deleted versions {}", name, modelId, keepVersions, deleted);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("{} {}: old versions not deleted from {}: {}", name, modelId, store, e.toString());
        }
    }

    /** The live model of the current key, restored from keyed state when the job was restored. */
    private Live<P, M> live(String modelId) throws Exception {
        Live<P, M> m = live.get(modelId);
        if (m != null) {
            return m;
        }
        try {
            checkStore(modelId);
        } catch (IOException | UncheckedIOException e) { // checked again at publish
            LOG.warn("{} {}: model store {} not readable: {}", name, modelId, store, e.toString());
        }
        m = new Live<>(create());
        byte[] saved = modelState.value();
        if (saved != null) {
            importState(m.model, saved);
            Long v = versionState.value();
            m.version = v == null ? 0 : v;
            for (P p : pendingState.get()) {
                m.pending.add(p);
            }
            latestVersion = Math.max(latestVersion, m.version);
            committedVersions.put(modelId, m.version); // restored from a complete checkpoint: what it announced
            latestStep = stepCount(m.model);
            // the state as the restored model exports it again: equal to the checkpoint's hash when nothing was lost
            LOG.info("{} restore: model={} step={} version={} state_sha256={}{}", name, modelId, stepCount(m.model),
                    m.version, sha256(exportState(m.model)), restoreDetail(m.model));
        }
        live.put(modelId, m);
        return m;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        settingsState.update(List.of(encodeSettings(stateSettings())));
        Map<String, Long> versions = new HashMap<>();
        Object current = getCurrentKey();
        for (Map.Entry<String, Live<P, M>> e : live.entrySet()) {
            versions.put(e.getKey(), e.getValue().version);
            setCurrentKey(e.getKey());
            Live<P, M> m = e.getValue();
            byte[] state = exportState(m.model);
            modelState.update(state);
            LOG.info("{} snapshot: checkpoint={} model={} step={} version={} state_sha256={}", name,
                    context.getCheckpointId(), e.getKey(), stepCount(m.model), m.version, sha256(state));
            afterSnapshot(m.model);
            versionState.update(m.version);
            pendingState.update(new ArrayList<>(m.pending));
        }
        if (current != null) {
            setCurrentKey(current);
        }
        checkpointVersions.put(context.getCheckpointId(), versions);
        super.snapshotState(context);
    }

    /** The versions of a complete checkpoint are the ones its committed output announced: still serving. */
    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        Map<Long, Map<String, Long>> done = checkpointVersions.headMap(checkpointId, true);
        done.values().forEach(committedVersions::putAll);
        done.clear();
        super.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        checkpointVersions.remove(checkpointId);
        super.notifyCheckpointAborted(checkpointId);
    }

    static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Test access: publishes that failed since open. */
    long publishFailureCount() {
        return publishFailures.getCount();
    }

    /** Test access: false from a failed publish to the next one that lands. */
    boolean storeHealthyNow() {
        return storeHealthy;
    }

    /** Test access: the live model of a model id, or null. */
    M model(String modelId) {
        Live<P, M> m = live == null ? null : live.get(modelId);
        return m == null ? null : m.model;
    }

    @Override
    public void close() throws Exception {
        if (live != null) {
            for (Live<P, M> m : live.values()) {
                m.model.close();
            }
            live.clear();
        }
        super.close();
    }
}
