package io.contrastream.flink.operator;

import io.contrastream.flink.job.JobConfig;
import io.contrastream.flink.job.JobParams;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.Recipes;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

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
 * record is ever inside a snapshot and exactly-once output needs no extra state. The latest version
 * is kept in union operator state, so a restored (or rescaled) embedder resumes with the newest
 * version any subtask had; before the first version it uses version 0, the seeded initial weights
 * every embedder rebuilds identically. Inference runs with gradient recording off (eval mode).
 * Gauges {@code modelVersion} and {@code embedBatchSize} (size of the last forward pass).
 */
public class EmbedderOperator extends AbstractStreamOperator<EmbeddingRecord>
        implements TwoInputStreamOperator<DecodedImage, ModelUpdate, EmbeddingRecord>, BoundedMultiInput {
    private static final long serialVersionUID = 1L;

    private final JobConfig cfg;
    private final int maxBatch;
    private final long maxDelayMs;
    private transient AbstractRecipe model;
    private transient ListState<ModelUpdate> versionState;
    private transient ModelUpdate latest;
    private transient volatile long loadedVersion;
    private transient volatile int lastBatch;
    private transient List<DecodedImage> buffer;
    private transient boolean timerSet;

    public EmbedderOperator(JobConfig cfg) {
        this.cfg = cfg;
        this.maxBatch = cfg.get(JobParams.EMBED_BATCH);
        this.maxDelayMs = cfg.get(JobParams.EMBED_MAX_DELAY_MS);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        versionState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("model-version", TypeInformation.of(ModelUpdate.class)));
        for (ModelUpdate u : versionState.get()) {
            if (latest == null || u.version > latest.version) {
                latest = u;
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        model = Recipes.create(cfg.method(), cfg.recipeParams(), cfg.encoderConfig(), cfg.device());
        buffer = new ArrayList<>(maxBatch);
        loadedVersion = 0;
        if (latest != null) {
            model.importEncoder(latest.encoder);
            loadedVersion = latest.version;
        }
        getMetricGroup().gauge("modelVersion", (Gauge<Long>) () -> loadedVersion);
        getMetricGroup().gauge("embedBatchSize", (Gauge<Integer>) () -> lastBatch);
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
        if (!u.modelId.equals(cfg.get(JobParams.MODEL_ID)) || (latest != null && u.version <= latest.version)) {
            return;
        }
        flush(); // records that arrived before the version are embedded with the version they waited under
        latest = u;
        model.importEncoder(u.encoder);
        loadedVersion = u.version;
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
        for (int k = 0; k < n; k++) {
            DecodedImage in = batch.get(k);
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
    }

    private static boolean sameShape(DecodedImage a, DecodedImage b) {
        return a.channels == b.channels && a.height == b.height && a.width == b.width;
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
