package io.contrastream.flink.operator;

import io.contrastream.flink.job.JobConfig;
import io.contrastream.flink.job.JobParams;
import io.contrastream.flink.job.ModelStore;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.TrainingExample;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.eval.CollapseMonitor;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.instdisc.InstDisc;
import io.contrastream.model.method.Recipes;
import io.contrastream.model.method.StepResult;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.method.KeyQueue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
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

/**
 * The online trainer, keyed by model id: assembles batches of augmented examples, runs recipe
 * steps, and every {@code publish-every} steps publishes a model version (to the model store and,
 * as a {@link ModelUpdate}, downstream to the embedders).
 *
 * <pre>{@code
 * DataStream<ModelUpdate> versions = examples.keyBy(e -> e.modelId)
 *     .transform("trainer", TypeInformation.of(ModelUpdate.class), new TrainerOperator(cfg));
 * }</pre>
 *
 * <p>State: the live recipe stays in memory between checkpoints; at each checkpoint its state
 * (weights, optimizer buffers, momentum encoder, step counter, RNG) goes to a keyed value, the
 * queue of negatives to a keyed MapState ring buffer (row → key, plus the pointer; only the rows
 * enqueued since the previous checkpoint are written, so incremental RocksDB checkpoints stay
 * small), with the examples of the unfinished batch and the version counter, so a restore resumes
 * training bit-exact. Nothing is serialised per step. Gauges
 * {@code modelVersion}, {@code trainingStep}, {@code loss}; counter {@code skippedSteps}.
 */
public class TrainerOperator extends AbstractStreamOperator<ModelUpdate>
        implements OneInputStreamOperator<TrainingExample, ModelUpdate> {
    private static final long serialVersionUID = 1L;

    private final JobConfig cfg;
    private transient ValueState<byte[]> recipeState;
    private transient ValueState<Long> versionState;
    private transient ListState<TrainingExample> pendingState;
    private transient MapState<Integer, float[]> queueRows;
    private transient ValueState<Integer> queuePointer;
    private transient Map<String, Live> live;
    private transient int drillNanBatches;
    private transient volatile long latestVersion;
    private transient volatile long latestStep;
    private transient volatile double latestLoss;
    private transient volatile double latestChannelStd;
    private transient volatile double latestEffectiveRank;
    private transient Counter skipped;

    /** One model being trained by this subtask. */
    private static final class Live {
        final AbstractRecipe recipe;
        final List<TrainingExample> pending = new ArrayList<>();
        long version;

        Live(AbstractRecipe recipe) {
            this.recipe = recipe;
        }
    }

    public TrainerOperator(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open() throws Exception {
        super.open();
        recipeState = getRuntimeContext().getState(
                new ValueStateDescriptor<>("recipe-state", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        versionState = getRuntimeContext().getState(new ValueStateDescriptor<>("model-version", Types.LONG));
        pendingState = getRuntimeContext().getListState(
                new ListStateDescriptor<>("pending-examples", TypeInformation.of(TrainingExample.class)));
        queueRows = getRuntimeContext().getMapState(new MapStateDescriptor<>("queue-rows", Types.INT,
                PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        queuePointer = getRuntimeContext().getState(new ValueStateDescriptor<>("queue-pointer", Types.INT));
        drillNanBatches = cfg.get(JobParams.DRILL_NAN_BATCHES);
        live = new HashMap<>();
        getMetricGroup().gauge("modelVersion", (Gauge<Long>) () -> latestVersion);
        getMetricGroup().gauge("trainingStep", (Gauge<Long>) () -> latestStep);
        getMetricGroup().gauge("loss", (Gauge<Double>) () -> latestLoss);
        // collapse monitor on the representations of each published version's last batch (view 0)
        getMetricGroup().gauge("channelStd", (Gauge<Double>) () -> latestChannelStd);
        getMetricGroup().gauge("effectiveRank", (Gauge<Double>) () -> latestEffectiveRank);
        skipped = getMetricGroup().counter("skippedSteps");
    }

    @Override
    public void processElement(StreamRecord<TrainingExample> element) throws Exception {
        TrainingExample ex = element.getValue();
        Live m = live(ex.modelId);
        m.pending.add(ex);
        int batch = cfg.get(RecipeParams.BATCH);
        if (m.pending.size() < batch) {
            return;
        }
        ViewBatch stepped = toBatch(m.pending, m.recipe.viewsPerRecord());
        if (drillNanBatches > 0) { // the numerics guard's fire drill (drill-nan-batches)
            drillNanBatches--;
            stepped.views().forEach(v -> Arrays.fill(v, Float.NaN));
            LOG.warn("{}: drill: batch of step {} filled with NaN ({} more to come)", ex.modelId,
                    m.recipe.stepCount(), drillNanBatches);
        }
        StepResult r = m.recipe.step(stepped);
        m.pending.clear();
        latestStep = m.recipe.stepCount();
        latestLoss = r.loss();
        if (r.skipped()) {
            skipped.inc();
            return;
        }
        if (m.recipe.stepCount() % cfg.get(JobParams.PUBLISH_EVERY) == 0) {
            publish(ex.modelId, m, r);
            float[][] h = m.recipe.embed(stepped.views().get(0), stepped.size()); // h: N x D
            CollapseMonitor.Report health = CollapseMonitor.report(h);
            latestChannelStd = health.channelStd();
            latestEffectiveRank = health.effectiveRank();
            if (health.collapsed()) {
                LOG.warn("{} version {}: representations look collapsed: {}", ex.modelId, m.version,
                        health.describe());
            }
        }
    }

    private void publish(String modelId, Live m, StepResult r) throws Exception {
        m.version++;
        ModelUpdate u = new ModelUpdate();
        u.modelId = modelId;
        u.version = m.version;
        u.step = m.recipe.stepCount();
        u.loss = r.loss();
        u.encoder = m.recipe.exportEncoder();
        u.uri = ModelStore.write(cfg.get(JobParams.MODEL_STORE), modelId, u.version, u.step, u.loss, u.encoder,
                cfg.method());
        latestVersion = Math.max(latestVersion, m.version);
        output.collect(new StreamRecord<>(u));
    }

    /** The live model of the current key, restored from keyed state when the job was restored. */
    private Live live(String modelId) throws Exception {
        Live m = live.get(modelId);
        if (m != null) {
            return m;
        }
        m = new Live(Recipes.create(cfg.method(), cfg.recipeParams(), cfg.encoderConfig(), cfg.device()));
        if (m.recipe instanceof InstDisc instDisc) {
            // the bank lives in keyed state (written row by row as it changes), not in the recipe's bytes
            instDisc.useBank(new StateBackedBank(getRuntimeContext(), instDisc.bank().capacity(), instDisc.bank().dim(),
                    cfg.get(RecipeParams.SEED)));
        }
        byte[] saved = recipeState.value();
        if (saved != null) {
            Optional<KeyQueue> queue = m.recipe.queue();
            m.recipe.importState(saved, queue.isEmpty());
            if (queue.isPresent()) {
                restoreQueue(queue.get());
            }
            Long v = versionState.value();
            m.version = v == null ? 0 : v;
            for (TrainingExample e : pendingState.get()) {
                m.pending.add(e);
            }
            latestVersion = Math.max(latestVersion, m.version);
            latestStep = m.recipe.stepCount();
            // the state as the restored recipe exports it again: equal to the checkpoint's hash when nothing was lost
            LOG.info("trainer restore: model={} step={} version={} state_sha256={} lr={}", modelId,
                    m.recipe.stepCount(), m.version, sha256(m.recipe.exportState(queue.isEmpty())), m.recipe.currentLr());
        }
        live.put(modelId, m);
        return m;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        Object current = getCurrentKey();
        for (Map.Entry<String, Live> e : live.entrySet()) {
            setCurrentKey(e.getKey());
            Live m = e.getValue();
            Optional<KeyQueue> queue = m.recipe.queue();
            byte[] state = m.recipe.exportState(queue.isEmpty());
            recipeState.update(state);
            LOG.info("trainer snapshot: checkpoint={} model={} step={} version={} state_sha256={}",
                    context.getCheckpointId(), e.getKey(), m.recipe.stepCount(), m.version, sha256(state));
            if (queue.isPresent()) {
                flushQueue(queue.get());
            }
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

    /** Writes the rows enqueued since the last checkpoint (all rows the first time) and the pointer. */
    private void flushQueue(KeyQueue q) throws Exception {
        int[] rows = q.dirtyRows();
        if (rows.length > 0) {
            float[] all = q.toArray();
            int d = q.dim();
            for (int row : rows) {
                queueRows.put(row, Arrays.copyOfRange(all, row * d, (row + 1) * d));
            }
        }
        queuePointer.update(q.pointer());
        q.markClean();
    }

    private void restoreQueue(KeyQueue q) throws Exception {
        Integer pointer = queuePointer.value();
        int d = q.dim();
        float[] all = new float[q.capacity() * d];
        int rows = 0;
        for (Map.Entry<Integer, float[]> e : queueRows.entries()) {
            if (e.getKey() < 0 || e.getKey() >= q.capacity() || e.getValue().length != d) {
                throw new IllegalStateException("checkpointed queue row " + e.getKey() + " of " + e.getValue().length
                        + " values does not fit queue-size " + q.capacity() + " x proj-dim " + d
                        + ": restore with the settings the checkpoint was taken with");
            }
            System.arraycopy(e.getValue(), 0, all, e.getKey() * d, d);
            rows++;
        }
        if (pointer == null || rows != q.capacity()) {
            throw new IllegalStateException("checkpointed queue holds " + rows + " of " + q.capacity()
                    + " rows: the state does not match queue-size " + q.capacity());
        }
        q.load(all, pointer);
    }

    static ViewBatch toBatch(List<TrainingExample> examples, int views) {
        TrainingExample first = examples.get(0);
        int n = examples.size();
        List<float[]> out = new ArrayList<>(views);
        List<int[]> shapes = new ArrayList<>(views);
        long[] ids = new long[n];
        for (int v = 0; v < views; v++) {
            int[] shape = first.shape(v);
            int size = shape[0] * shape[1] * shape[2];
            int offset = first.offset(v);
            float[] flat = new float[n * size];
            for (int i = 0; i < n; i++) {
                System.arraycopy(examples.get(i).views, offset, flat, i * size, size);
            }
            out.add(flat);
            shapes.add(shape);
        }
        for (int i = 0; i < n; i++) {
            ids[i] = examples.get(i).instanceId;
        }
        return ViewBatch.of(n, out, shapes, ids);
    }

    /** Test access: the live recipe of a model, or null. */
    AbstractRecipe recipe(String modelId) {
        Live m = live.get(modelId);
        return m == null ? null : m.recipe;
    }

    @Override
    public void close() throws Exception {
        if (live != null) {
            for (Live m : live.values()) {
                m.recipe.close();
            }
            live.clear();
        }
        super.close();
    }
}
