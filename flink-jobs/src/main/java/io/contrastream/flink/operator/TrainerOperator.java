package io.contrastream.flink.operator;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.TrainingExample;
import io.contrastream.model.eval.CollapseMonitor;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.KeyQueue;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.StepResult;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.method.instdisc.InstDisc;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.serving.EncoderModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Gauge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * {@code modelVersion}, {@code trainingStep}, {@code loss}, {@code storeHealthy}, {@code lastPublishedVersion};
 * counters {@code skippedSteps}, {@code publishFailures} (store faults: see {@link KeyedTrainerOperator}).
 * A savepoint taken with another encoder, image size, channels or state-shaping recipe setting (queue-size,
 * projector, bank, prototypes, optimizer, ...) is refused at restore, naming the setting.
 */
public class TrainerOperator extends KeyedTrainerOperator<TrainingExample, TrainingExample, AbstractRecipe> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TrainerOperator.class);

    private transient MapState<Integer, float[]> queueRows;
    private transient ValueState<Integer> queuePointer;
    private transient ViewBatch lastBatch; // the last stepped batch, for the collapse monitor
    private transient volatile double latestChannelStd;
    private transient volatile double latestEffectiveRank;

    public TrainerOperator(JobConfig cfg) {
        super(cfg, "trainer", "recipe-state", "pending-examples");
    }

    @Override
    public void open() throws Exception {
        super.open();
        queueRows = getRuntimeContext().getMapState(new MapStateDescriptor<>("queue-rows", Types.INT,
                PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        queuePointer = getRuntimeContext().getState(new ValueStateDescriptor<>("queue-pointer", Types.INT));
        // collapse monitor on the representations of each published version's last batch (view 0)
        getMetricGroup().gauge("channelStd", (Gauge<Double>) () -> latestChannelStd);
        getMetricGroup().gauge("effectiveRank", (Gauge<Double>) () -> latestEffectiveRank);
    }

    @Override
    protected String modelId(TrainingExample in) {
        return in.modelId;
    }

    @Override
    protected TrainingExample pending(TrainingExample in) {
        return in;
    }

    @Override
    protected TypeInformation<TrainingExample> pendingType() {
        return TypeInformation.of(TrainingExample.class);
    }

    @Override
    protected AbstractRecipe create() {
        AbstractRecipe recipe = Recipes.create(cfg.method(), cfg.recipeParams(), cfg.encoderConfig(), cfg.device());
        if (recipe instanceof InstDisc instDisc) {
            // the bank lives in keyed state (written row by row as it changes), not in the recipe's bytes
            instDisc.useBank(new StateBackedBank(getRuntimeContext(), instDisc.bank().capacity(), instDisc.bank().dim(),
                    cfg.get(RecipeParams.SEED)));
        }
        return recipe;
    }

    @Override
    protected long stepCount(AbstractRecipe recipe) {
        return recipe.stepCount();
    }

    @Override
    protected StepResult step(AbstractRecipe recipe, List<TrainingExample> batch, boolean nan) {
        lastBatch = toBatch(batch, recipe.viewsPerRecord());
        if (nan) {
            lastBatch.views().forEach(v -> Arrays.fill(v, Float.NaN));
        }
        return recipe.step(lastBatch);
    }

    @Override
    protected byte[] exportEncoder(AbstractRecipe recipe) {
        return recipe.exportEncoder();
    }

    @Override
    protected java.util.Map<String, String> encoderMetadata() {
        return servingMetadata(cfg);
    }

    /**
     * The encoder of {@code cfg}'s method and shape ({@link EncoderModel#metadata}) and the preprocessing
     * its embedder applies (DecodeFunction): pixels divided by their maximum level (255 for 8-bit, 65535
     * for 16-bit) into [0, 1], no mean or std; gray is luma 0.299 R + 0.587 G + 0.114 B, and images of
     * another side are resized bilinearly (half-pixel centres, no anti-aliasing); N x C x H x W float32.
     */
    public static java.util.Map<String, String> servingMetadata(JobConfig cfg) {
        java.util.Map<String, String> out = EncoderModel.metadata(cfg.method(), cfg.recipeParams(),
                cfg.encoderConfig());
        out.put("input_layout", "NCHW float32");
        out.put("input_scale", "1/255");
        out.put("input_mean", "none");
        out.put("input_std", "none");
        out.put("input_preprocessing", "value / max level (255 for 8-bit, 65535 for 16-bit) into [0, 1];"
                + " gray = 0.299 R + 0.587 G + 0.114 B; bilinear resize to input_size (align_corners=False,"
                + " no anti-aliasing)");
        return out;
    }

    /** The recipe's bytes; a queue of negatives goes row by row to its MapState instead ({@link #afterSnapshot}). */
    @Override
    protected byte[] exportState(AbstractRecipe recipe) {
        return recipe.exportState(recipe.queue().isEmpty());
    }

    @Override
    protected void importState(AbstractRecipe recipe, byte[] saved) throws Exception {
        Optional<KeyQueue> queue = recipe.queue();
        recipe.importState(saved, queue.isEmpty());
        if (queue.isPresent()) {
            restoreQueue(queue.get());
        }
    }

    @Override
    protected void afterSnapshot(AbstractRecipe recipe) throws Exception {
        Optional<KeyQueue> queue = recipe.queue();
        if (queue.isPresent()) {
            flushQueue(queue.get());
        }
    }

    /** The encoder's shape and every recipe key that sizes a tensor, a queue, a bank or the optimizer's buffers. */
    @Override
    protected Map<String, String> stateSettings() {
        Map<String, String> out = super.stateSettings();
        out.put("encoder", cfg.get(JobParams.ENCODER));
        out.put("image-size", String.valueOf(cfg.get(JobParams.IMAGE_SIZE)));
        out.put("channels", String.valueOf(cfg.get(JobParams.CHANNELS)));
        putRecipeSettings(out, "queue-size", "proj-layers", "proj-hidden", "proj-dim", "proj-bn", "pred-hidden",
                "mlp-norm", "use-momentum-encoder", "out-dim", "bank-size", "prototypes", "swav-queue", "cmc-views",
                "local-crops", "local-crop-size", "optimizer");
        return out;
    }

    @Override
    protected String restoreDetail(AbstractRecipe recipe) {
        return " lr=" + recipe.currentLr();
    }

    @Override
    protected void afterPublish(String modelId, Live<TrainingExample, AbstractRecipe> m) {
        float[][] h = m.model.embed(lastBatch.views().get(0), lastBatch.size()); // h: N x D
        CollapseMonitor.Report health = CollapseMonitor.report(h);
        latestChannelStd = health.channelStd();
        latestEffectiveRank = health.effectiveRank();
        historyLine(m, String.format(java.util.Locale.ROOT, "{\"version\":%d,\"channel_std\":%s,\"effective_rank\":%s}",
                m.version, json(health.channelStd()), json(health.effectiveRank())));
        if (health.collapsed()) {
            LOG.warn("{} version {}: representations look collapsed: {}", modelId, m.version, health.describe());
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
        return model(modelId);
    }
}
