package io.contrastream.flink.operator;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.CpcPredictionRecord;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.DecodedAudio;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.method.cpc.CpcStreamer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * CPC inference per audio stream (keyed by stream id) across chunks, with the newest model version.
 * Input 1: 16 kHz chunks from {@link AudioStreamFunction}; input 2: model versions (broadcast).
 *
 * <pre>{@code
 * SingleOutputStreamOperator<CpcPredictionRecord> p = at16k.keyBy(a -> a.streamId)
 *         .connect(versions.broadcast(CpcStreamFunction.MODEL)).process(new CpcStreamFunction(cfg));
 * DataStream<EmbeddingRecord> contexts = p.getSideOutput(CpcStreamFunction.EMBEDDINGS);
 * DataStream<DeadLetterRecord> refused = p.getSideOutput(DecodeFunction.DEAD_LETTERS);
 * }</pre>
 *
 * <p>Per stream, in keyed RocksDB state: the {@link CpcStreamer} state (samples not yet framed, the
 * GRU's hidden state, the last K encodings and contexts) and the version it was computed with. For
 * every chunk: a {@link CpcPredictionRecord} (the last frame's c_t and W_k c_t, the mean surprise of the
 * chunk's frames; a chunk too short to complete a frame carries empty arrays and NaN), and the last
 * c_t to {@link #EMBEDDINGS}. A reference to the newest version (model id, version, its model-store uri,
 * no weights) sits in broadcast state, so a restored subtask reads that version back from the store. <b>A new version resets each stream's context</b> at its next chunk (a GRU state
 * computed with other weights means nothing to the new ones): its first frame under the new version
 * has NaN surprise. A chunk marked {@code restart} (gap, new rate) resets it too. Gauge
 * {@code modelVersion}.
 *
 * <p><b>Nothing non-finite leaves or is saved.</b> Extreme (finite) samples or a diverged version can
 * make the model produce Inf/NaN; such a chunk emits no prediction and no embedding, goes to
 * {@link DecodeFunction#DEAD_LETTERS} (its coordinates from {@code DecodedAudio.raw}, no value bytes),
 * counts in {@code nonFiniteOutputs} (as does a chunk whose 16 kHz samples are not finite), and
 * resets the stream's context (its state is cleared, never overwritten with the bad one): a chunk
 * missing from a context is a gap, and a gap restarts.
 *
 * <p>The per-stream state expires after {@code stream-idle-ttl-ms} without a chunk (processing-time
 * TTL, refreshed on write; 0: never), as in {@link AudioStreamFunction}; both entries are written for
 * every chunk so that neither expires alone while the stream is live.
 */
public class CpcStreamFunction extends KeyedBroadcastProcessFunction<String, DecodedAudio, ModelUpdate, CpcPredictionRecord> {
    private static final long serialVersionUID = 1L;
    public static final MapStateDescriptor<String, ModelUpdate> MODEL = new MapStateDescriptor<>("cpc-model",
            Types.STRING, TypeInformation.of(ModelUpdate.class));
    public static final OutputTag<EmbeddingRecord> EMBEDDINGS = new OutputTag<>("cpc-embeddings") {};

    private final JobConfig cfg;
    private transient Cpc model;
    private transient volatile long loadedVersion;
    private transient String modelId;
    private transient ValueState<byte[]> streamerState;
    private transient ValueState<Long> streamerVersion;
    private transient Counter nonFinite;
    private transient int maxKey;
    private transient String audioTopic;

    public CpcStreamFunction(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open(OpenContext ctx) {
        model = new Cpc(cfg.recipeParams(), cfg.device()); // version 0: the seeded weights every subtask rebuilds
        loadedVersion = 0;
        modelId = cfg.get(JobParams.MODEL_ID);
        var rc = getRuntimeContext();
        StateTtlConfig ttl = AudioStreamFunction.idleTtl(cfg.get(JobParams.STREAM_IDLE_TTL_MS));
        streamerState = rc.getState(AudioStreamFunction.descriptor("streamer",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, ttl));
        streamerVersion = rc.getState(AudioStreamFunction.descriptor("streamer-version", Types.LONG, ttl));
        rc.getMetricGroup().gauge("modelVersion", (Gauge<Long>) () -> loadedVersion);
        nonFinite = rc.getMetricGroup().counter("nonFiniteOutputs");
        maxKey = cfg.get(JobParams.MAX_KEY_BYTES);
        audioTopic = cfg.get(JobParams.AUDIO_TOPIC);
    }

    @Override
    public void processBroadcastElement(ModelUpdate u, Context ctx, Collector<CpcPredictionRecord> out) throws Exception {
        if (!u.modelId.equals(modelId)) {
            return;
        }
        ModelUpdate held = ctx.getBroadcastState(MODEL).get(u.modelId);
        if (held == null || u.version > held.version) {
            // broadcast state is written by every subtask: keep the reference, not P copies of the weights
            ctx.getBroadcastState(MODEL).put(u.modelId, u.withoutEncoder());
            model.importEncoder(u.encoder); // the weights travel with the update
            loadedVersion = u.version;
        }
    }

    /**
     * The weights of a restored version: read from the model store (a savepoint of an earlier build, which kept
     * the bytes in broadcast state, still has them). Fails the task when the store cannot give them, as the image
     * embedders do: embedding with other weights would mix spaces under one version number.
     */
    private static byte[] weights(ModelUpdate u) throws java.io.IOException {
        if (u.encoder != null) {
            return u.encoder;
        }
        if (u.uri == null) {
            throw new IllegalStateException("cpc version " + u.version + " of " + u.modelId + " was restored without"
                    + " weights or a model-store uri");
        }
        return io.contrastream.flink.store.ModelStore.readEncoder(u.uri);
    }

    @Override
    public void processElement(DecodedAudio a, ReadOnlyContext ctx, Collector<CpcPredictionRecord> out) throws Exception {
        ModelUpdate newest = ctx.getBroadcastState(MODEL).get(modelId);
        if (newest != null && newest.version > loadedVersion) { // after a restore: the reference came back
            model.importEncoder(weights(newest));
            loadedVersion = newest.version;
        }
        if (!finite(a.samples)) { // e.g. a resampler overflowed on huge samples: would poison the pending samples
            refuse(a, ctx, "non-finite 16 kHz samples");
            return;
        }
        CpcStreamer streamer = model.newStreamer();
        byte[] saved = a.restart ? null : streamerState.value();
        Long savedVersion = streamerVersion.value();
        if (!a.restart && saved != null && savedVersion != null && savedVersion == loadedVersion) {
            streamer.importState(saved);
        } // else: a new stream, a restart after a gap, or a new model version: the context starts afresh
        CpcStreamer.Frames f = streamer.accept(a.samples);
        if (!finite(f)) {
            refuse(a, ctx, "CPC produced a non-finite context or prediction (model version " + loadedVersion + ")");
            return;
        }
        streamerState.update(streamer.exportState());
        streamerVersion.update(loadedVersion); // every chunk: TTL is refreshed on write only
        emit(a, f, ctx, out);
    }

    /**
     * Whether every z, c and W_k c of the chunk's frames is finite. That covers the saved state too: its
     * history rows are these frames' z and c, the GRU's hidden state is the last c (one layer), and the
     * pending samples are input checked before the model ran. Surprise is derived from z and W_k c.
     */
    static boolean finite(CpcStreamer.Frames f) {
        for (int i = 0; i < f.size(); i++) {
            if (!finite(f.z()[i]) || !finite(f.c()[i])) {
                return false;
            }
            for (float[] p : f.predictions()[i]) {
                if (!finite(p)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean finite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    /** No output for this chunk, a dead letter, and the stream's context dropped (a bad one must not seed the next). */
    private void refuse(DecodedAudio a, ReadOnlyContext ctx, String reason) throws Exception {
        nonFinite.inc();
        streamerState.clear();
        streamerVersion.clear();
        ctx.output(DecodeFunction.DEAD_LETTERS, deadLetter(a, reason + "; the stream's context restarts"));
    }

    /** The chunk's coordinates only (AudioStreamFunction already dropped its bytes): bounded, small. */
    private DeadLetterRecord deadLetter(DecodedAudio a, String reason) {
        RawRecord raw = a.raw != null ? a.raw
                : new RawRecord(audioTopic, -1, -1, a.streamId.getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
        return DeadLetterRecord.of(raw, reason, 0, maxKey);
    }

    /** The version the next outputs will carry (for tests). */
    public long loadedVersion() {
        return loadedVersion;
    }

    private void emit(DecodedAudio a, CpcStreamer.Frames f, ReadOnlyContext ctx, Collector<CpcPredictionRecord> out) {
        CpcPredictionRecord p = new CpcPredictionRecord();
        p.streamId = a.streamId;
        p.sequenceNumber = a.sequenceNumber;
        p.modelVersion = loadedVersion;
        int n = f.size();
        p.context = n == 0 ? new float[0] : f.c()[n - 1];
        p.predictions = n == 0 ? new float[0][] : f.predictions()[n - 1];
        double sum = 0;
        int counted = 0;
        for (float s : f.surprise()) {
            if (Float.isFinite(s)) {
                sum += s;
                counted++;
            }
        }
        p.surprise = counted == 0 ? Double.NaN : sum / counted;
        out.collect(p);
        if (n > 0) {
            EmbeddingRecord e = new EmbeddingRecord();
            e.recordId = a.streamId + "/" + a.sequenceNumber;
            e.source = a.streamId;
            e.eventTime = a.eventTime;
            e.modelId = modelId;
            e.modelVersion = loadedVersion;
            e.vector = p.context;
            ctx.output(EMBEDDINGS, e);
        }
    }

    @Override
    public void close() throws Exception {
        if (model != null) {
            model.close();
        }
        super.close();
    }
}
