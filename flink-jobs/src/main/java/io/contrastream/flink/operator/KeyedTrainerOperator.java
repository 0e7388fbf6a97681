package io.contrastream.flink.operator;

import io.contrastream.flink.job.JobConfig;
import io.contrastream.flink.job.JobParams;
import io.contrastream.flink.job.ModelStore;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.StepResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
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
 * <p>Gauges {@code modelVersion}, {@code trainingStep}, {@code loss}; counter {@code skippedSteps}.
 * Each checkpoint and restore logs {@code <name> snapshot|restore: ... state_sha256=...}.
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

    /** One model being trained by this subtask. */
    static final class Live<P, M> {
        final M model;
        final List<P> pending = new ArrayList<>();
        long version;

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

    /** The model's state as checkpointed in the keyed value (the current key is the model's). */
    protected abstract byte[] exportState(M model) throws Exception;

    /** Restores the model from its checkpointed value (and any keyed state of its own). */
    protected abstract void importState(M model, byte[] saved) throws Exception;

    /** After the value is written at a checkpoint: state the subclass keeps elsewhere (a queue's rows). */
    protected void afterSnapshot(M model) throws Exception {}

    /** After a version is published (the collapse monitor). */
    protected void afterPublish(String modelId, Live<P, M> m) {}

    /** Text appended to the restore log line (e.g. {@code " lr=..."}). */
    protected String restoreDetail(M model) {
        return "";
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
        batchSize = cfg.get(RecipeParams.BATCH);
        publishEvery = cfg.get(JobParams.PUBLISH_EVERY);
        getMetricGroup().gauge("modelVersion", (Gauge<Long>) () -> latestVersion);
        getMetricGroup().gauge("trainingStep", (Gauge<Long>) () -> latestStep);
        getMetricGroup().gauge("loss", (Gauge<Double>) () -> latestLoss);
        skipped = getMetricGroup().counter("skippedSteps");
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
        StepResult r = step(m.model, m.pending, nan);
        m.pending.clear();
        latestStep = stepCount(m.model);
        latestLoss = r.loss();
        if (r.skipped()) {
            skipped.inc();
            return;
        }
        if (stepCount(m.model) % publishEvery == 0) {
            publish(modelId, m, r);
            afterPublish(modelId, m);
        }
    }

    private void publish(String modelId, Live<P, M> m, StepResult r) throws Exception {
        m.version++;
        ModelUpdate u = new ModelUpdate();
        u.modelId = modelId;
        u.version = m.version;
        u.step = stepCount(m.model);
        u.loss = r.loss();
        u.encoder = exportEncoder(m.model);
        u.uri = ModelStore.write(cfg.get(JobParams.MODEL_STORE), modelId, u.version, u.step, u.loss, u.encoder,
                cfg.method());
        latestVersion = Math.max(latestVersion, m.version);
        output.collect(new StreamRecord<>(u));
    }

    /** The live model of the current key, restored from keyed state when the job was restored. */
    private Live<P, M> live(String modelId) throws Exception {
        Live<P, M> m = live.get(modelId);
        if (m != null) {
            return m;
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
        Object current = getCurrentKey();
        for (Map.Entry<String, Live<P, M>> e : live.entrySet()) {
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
        super.snapshotState(context);
    }

    static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
