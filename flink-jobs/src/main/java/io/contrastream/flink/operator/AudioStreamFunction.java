package io.contrastream.flink.operator;

import io.contrastream.codecs.Resampler;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.AudioWindow;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.DecodedAudio;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.cpc.CpcParams;
import io.contrastream.model.util.Rng;
import java.time.Duration;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One audio stream at a time (keyed by stream id): sequence checks, resampling to 16 kHz with the
 * stream's filter history, and training windows.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<DecodedAudio> at16k = audio.keyBy(a -> a.streamId).process(new AudioStreamFunction(cfg));
 * DataStream<AudioWindow> windows = at16k.getSideOutput(AudioStreamFunction.WINDOWS);
 * }</pre>
 *
 * <p>Per stream, in keyed RocksDB state: the last sequence number, the sample rate, the resampler's
 * state, the 16 kHz samples not yet in a training window and the window count. A sequence gap (a lost
 * chunk) is logged, counted in {@code sequenceGaps} and restarts the stream cleanly (resampler,
 * window, and downstream the CPC context: the chunk is marked {@code restart}); so does a change of
 * sample rate. A sequence number at or below the last one (a replay or duplicate) is a dead letter;
 * so is a forward jump above {@code max-sequence-jump}, which leaves the stream's state untouched (one
 * hostile chunk with a huge sequence number cannot turn every later chunk into a "replay"). Reasons
 * never quote the stream id (the dead letter carries the record's key, partition and offset).
 *
 * <p>State expiry: every per-stream entry has a processing-time TTL of {@code stream-idle-ttl-ms}
 * (refreshed on each write, expired entries never read; 0: no expiry), so a silent stream, or stream
 * ids invented by a producer, do not hold state forever. A stream that returns after its state
 * expired is a new stream ({@code restart}). Every entry is written for every accepted chunk: an
 * entry written only at a restart would expire in the middle of a live stream.
 *
 * <p>An accepted chunk leaves with its {@code raw} reduced to the record's coordinates (topic,
 * partition, offset, key) and no value bytes, so a later stage ({@link CpcStreamFunction}) can still
 * dead-letter it without the chunk's bytes crossing the network again.
 *
 * <p>Every full {@code window-samples} of 16 kHz audio goes to {@link #WINDOWS}, kept with probability
 * {@code train-sample} (seeded by stream and window number).
 */
public class AudioStreamFunction extends KeyedProcessFunction<String, DecodedAudio, DecodedAudio> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AudioStreamFunction.class);
    public static final int RATE = 16_000;
    public static final OutputTag<AudioWindow> WINDOWS = new OutputTag<>("cpc-windows") {};

    private final JobConfig cfg;
    private transient ValueState<byte[]> resamplerState;
    private transient ValueState<Integer> rateState;
    private transient ValueState<Long> lastSequence;
    private transient ValueState<float[]> windowBuffer;
    private transient ValueState<Long> windowCount;
    private transient Counter gaps;
    private transient Counter replays;
    private transient Counter jumps;
    private transient long maxJump;
    private transient int maxRaw;
    private transient int maxKey;
    private transient String audioTopic;
    private transient int windowSize;
    private transient double keep;
    private transient long seed;
    private transient String modelId;

    public AudioStreamFunction(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open(OpenContext ctx) {
        var rc = getRuntimeContext();
        StateTtlConfig ttl = idleTtl(cfg.get(JobParams.STREAM_IDLE_TTL_MS));
        resamplerState = rc.getState(descriptor("resampler", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, ttl));
        rateState = rc.getState(descriptor("sample-rate", Types.INT, ttl));
        lastSequence = rc.getState(descriptor("last-sequence", Types.LONG, ttl));
        windowBuffer = rc.getState(descriptor("window", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO, ttl));
        windowCount = rc.getState(descriptor("windows", Types.LONG, ttl));
        gaps = rc.getMetricGroup().counter("sequenceGaps");
        replays = rc.getMetricGroup().counter("sequenceReplays");
        jumps = rc.getMetricGroup().counter("sequenceJumps");
        maxJump = cfg.get(JobParams.MAX_SEQUENCE_JUMP);
        maxRaw = cfg.get(JobParams.DEAD_LETTER_MAX_RAW_BYTES);
        maxKey = cfg.get(JobParams.MAX_KEY_BYTES);
        audioTopic = cfg.get(JobParams.AUDIO_TOPIC);
        windowSize = cfg.recipeParams().get(CpcParams.WINDOW_SAMPLES);
        keep = cfg.get(JobParams.TRAIN_SAMPLE);
        seed = cfg.recipeParams().get(RecipeParams.SEED);
        modelId = cfg.get(JobParams.MODEL_ID);
    }

    @Override
    public void processElement(DecodedAudio a, Context ctx, Collector<DecodedAudio> out) throws Exception {
        Long last = lastSequence.value();
        if (last != null && a.sequenceNumber <= last) {
            replays.inc();
            ctx.output(DecodeFunction.DEAD_LETTERS, deadLetter(a, "sequence number " + a.sequenceNumber
                    + " was already processed (last " + last + "): a replay or duplicate"));
            return;
        }
        // seq > last here; a negative difference means it overflowed, i.e. an even larger jump
        long jump = last == null ? 1 : a.sequenceNumber - last;
        if (jump < 0 || jump > maxJump) {
            jumps.inc(); // refused before any state is touched: the stream goes on from `last`
            ctx.output(DecodeFunction.DEAD_LETTERS, deadLetter(a, "sequence number " + a.sequenceNumber
                    + " jumps too far ahead (last " + last + ", max-sequence-jump " + maxJump + ")"));
            return;
        }
        Integer rate = rateState.value();
        boolean gap = last != null && jump != 1;
        // rate == null with last set: only a partly expired state (TTL); restart cleanly rather than unbox null
        a.restart = last == null || gap || rate == null || rate != a.sampleRate;
        if (gap) {
            gaps.inc();
            LOG.warn("stream {}: sequence gap {} -> {}: the stream's context restarts", a.streamId, last, a.sequenceNumber);
        }
        if (a.restart) { // a new (or expired) stream, a gap or a new rate: the only times the rate can change
            resamplerState.clear();
            windowBuffer.clear();
        }
        lastSequence.update(a.sequenceNumber);
        rateState.update(a.sampleRate); // every chunk, so its TTL is refreshed with the others
        a.samples = resample(a);
        a.sampleRate = RATE;
        if (a.raw != null) { // past validation: keep where it came from, not its bytes (memory, network)
            a.raw = new RawRecord(a.raw.topic, a.raw.partition, a.raw.offset, a.raw.key, new byte[0]);
        }
        out.collect(a);
        window(a, ctx);
    }

    /** Idle-stream expiry for per-stream state; null when {@code ttlMs} is 0 (no expiry). */
    static StateTtlConfig idleTtl(long ttlMs) {
        if (ttlMs <= 0) {
            return null;
        }
        // processing time (Flink's only TTL time): an idle stream sends no events whose time could advance
        return StateTtlConfig.newBuilder(Duration.ofMillis(ttlMs))
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build(); // default background cleanup: RocksDB's compaction filter, heap's incremental cleanup
    }

    static <T> ValueStateDescriptor<T> descriptor(String name, TypeInformation<T> type, StateTtlConfig ttl) {
        ValueStateDescriptor<T> d = new ValueStateDescriptor<>(name, type);
        if (ttl != null) {
            d.enableTimeToLive(ttl);
        }
        return d;
    }

    private DeadLetterRecord deadLetter(DecodedAudio a, String reason) {
        RawRecord raw = a.raw != null ? a.raw // always set by AudioDecodeFunction; the fallback is for hand-made input
                : new RawRecord(audioTopic, -1, -1, a.streamId.getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
        return DeadLetterRecord.of(raw, reason, maxRaw, maxKey);
    }

    private float[] resample(DecodedAudio a) throws Exception {
        if (a.sampleRate == RATE) {
            return a.samples;
        }
        byte[] state = resamplerState.value();
        Resampler r = state == null ? new Resampler(a.sampleRate, RATE) : Resampler.fromState(state);
        float[] out = r.process(a.samples);
        resamplerState.update(r.exportState());
        return out;
    }

    /** Appends the 16 kHz samples to the stream's window buffer and emits every full window (sampled). */
    private void window(DecodedAudio a, Context ctx) throws Exception {
        float[] held = windowBuffer.value();
        float[] buf = a.samples; // windows are copied out below, so the chunk itself can serve as the buffer
        if (held != null && held.length > 0) {
            buf = Arrays.copyOf(held, held.length + a.samples.length);
            System.arraycopy(a.samples, 0, buf, held.length, a.samples.length);
        }
        Long counted = windowCount.value();
        long count = counted == null ? 0 : counted;
        int start = 0;
        while (buf.length - start >= windowSize) {
            if (keep >= 1 || Rng.of(seed, a.streamId.hashCode(), count).nextDouble() < keep) {
                AudioWindow w = new AudioWindow();
                w.modelId = modelId;
                w.streamId = a.streamId;
                w.samples = Arrays.copyOfRange(buf, start, start + windowSize);
                ctx.output(WINDOWS, w);
            }
            count++;
            start += windowSize;
        }
        windowBuffer.update(Arrays.copyOfRange(buf, start, buf.length));
        windowCount.update(count);
    }
}
