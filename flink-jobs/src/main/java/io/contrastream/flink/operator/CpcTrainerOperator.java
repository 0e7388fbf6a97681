package io.contrastream.flink.operator;

import io.contrastream.flink.job.JobConfig;
import io.contrastream.flink.job.JobParams;
import io.contrastream.flink.job.ModelStore;
import io.contrastream.flink.model.AudioWindow;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.StepResult;
import io.contrastream.model.method.cpc.AudioBatch;
import io.contrastream.model.method.cpc.Cpc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Trains CPC on audio windows, keyed by model id (windows of every stream are batched together),
 * and publishes a version to the model store and downstream every {@code publish-every} steps.
 *
 * <pre>{@code
 * DataStream<ModelUpdate> versions = windows.keyBy(w -> w.modelId)
 *         .transform("cpc-trainer", TypeInformation.of(ModelUpdate.class), new CpcTrainerOperator(cfg));
 * }</pre>
 *
 * <p>The whole training state ({@link Cpc#exportState()}: weights, Adam moments, step, RNG) goes to
 * a keyed value at each checkpoint, with the windows of the unfinished batch and the version counter,
 * so a restore resumes bit-exact. Gauges {@code modelVersion}, {@code trainingStep}, {@code loss};
 * counter {@code skippedSteps} (the numerics guard; {@code drill-nan-batches} exercises it).
 */
public class CpcTrainerOperator extends AbstractStreamOperator<ModelUpdate>
        implements OneInputStreamOperator<AudioWindow, ModelUpdate> {
    private static final long serialVersionUID = 1L;

    private final JobConfig cfg;
    private transient ValueState<byte[]> modelState;
    private transient ValueState<Long> versionState;
    private transient ListState<float[]> pendingState;
    private transient Map<String, Live> live;
    private transient Counter skipped;
    private transient int drillNanBatches;
    private transient int batchSize;
    private transient long publishEvery;
    private transient String modelStore;
    private transient volatile long latestVersion;
    private transient volatile long latestStep;
    private transient volatile double latestLoss;

    private static final class Live {
        final Cpc model;
        final List<float[]> pending = new ArrayList<>();
        long version;

        Live(Cpc model) {
            this.model = model;
        }
    }

    public CpcTrainerOperator(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open() throws Exception {
        super.open();
        modelState = getRuntimeContext().getState(
                new ValueStateDescriptor<>("cpc-state", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        versionState = getRuntimeContext().getState(new ValueStateDescriptor<>("model-version", Types.LONG));
        pendingState = getRuntimeContext().getListState(
                new ListStateDescriptor<>("pending-windows", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        live = new HashMap<>();
        drillNanBatches = cfg.get(JobParams.DRILL_NAN_BATCHES);
        batchSize = cfg.get(RecipeParams.BATCH);
        publishEvery = cfg.get(JobParams.PUBLISH_EVERY);
        modelStore = cfg.get(JobParams.MODEL_STORE);
        getMetricGroup().gauge("modelVersion", (Gauge<Long>) () -> latestVersion);
        getMetricGroup().gauge("trainingStep", (Gauge<Long>) () -> latestStep);
        getMetricGroup().gauge("loss", (Gauge<Double>) () -> latestLoss);
        skipped = getMetricGroup().counter("skippedSteps");
    }

    @Override
    public void processElement(StreamRecord<AudioWindow> element) throws Exception {
        AudioWindow w = element.getValue();
        Live m = live(w.modelId);
        m.pending.add(w.samples);
        if (m.pending.size() < batchSize) {
            return;
        }
        AudioBatch batch = AudioBatch.of(m.pending.toArray(float[][]::new));
        if (drillNanBatches > 0) { // the numerics guard's fire drill
            drillNanBatches--;
            Arrays.fill(batch.samples(), Float.NaN);
            LOG.warn("{}: drill: batch of step {} filled with NaN", w.modelId, m.model.stepCount());
        }
        StepResult r = m.model.step(batch);
        m.pending.clear();
        latestStep = m.model.stepCount();
        latestLoss = r.loss();
        if (r.skipped()) {
            skipped.inc();
            return;
        }
        if (m.model.stepCount() % publishEvery == 0) {
            m.version++;
            ModelUpdate u = new ModelUpdate();
            u.modelId = w.modelId;
            u.version = m.version;
            u.step = m.model.stepCount();
            u.loss = r.loss();
            u.encoder = m.model.exportEncoder();
            u.uri = ModelStore.write(modelStore, w.modelId, u.version, u.step, u.loss, u.encoder,
                    Cpc.NAME);
            latestVersion = Math.max(latestVersion, m.version);
            output.collect(new StreamRecord<>(u));
        }
    }

    /** The live model of the current key, restored from keyed state when the job was restored. */
    private Live live(String modelId) throws Exception {
        Live m = live.get(modelId);
        if (m != null) {
            return m;
        }
        m = new Live(new Cpc(cfg.recipeParams(), cfg.device()));
        byte[] saved = modelState.value();
        if (saved != null) {
            m.model.importState(saved);
            Long v = versionState.value();
            m.version = v == null ? 0 : v;
            for (float[] w : pendingState.get()) {
                m.pending.add(w);
            }
            latestVersion = Math.max(latestVersion, m.version);
            latestStep = m.model.stepCount();
            LOG.info("cpc trainer restore: model={} step={} version={} state_sha256={}", modelId,
                    m.model.stepCount(), m.version, TrainerOperator.sha256(m.model.exportState()));
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
            byte[] state = m.model.exportState();
            modelState.update(state);
            versionState.update(m.version);
            pendingState.update(new ArrayList<>(m.pending));
            LOG.info("cpc trainer snapshot: checkpoint={} model={} step={} version={} state_sha256={}",
                    context.getCheckpointId(), e.getKey(), m.model.stepCount(), m.version, TrainerOperator.sha256(state));
        }
        if (current != null) {
            setCurrentKey(current);
        }
        super.snapshotState(context);
    }

    /** Test access: the live model of a model id, or null. */
    Cpc model(String modelId) {
        Live m = live.get(modelId);
        return m == null ? null : m.model;
    }

    @Override
    public void close() throws Exception {
        if (live != null) {
            for (Live m : live.values()) {
                m.model.close();
            }
            live.clear();
        }
        super.close();
    }
}
