package io.contrastream.flink.operator;

import io.contrastream.connectors.format.Resampler;
import io.contrastream.flink.job.JobConfig;
import io.contrastream.flink.job.JobParams;
import io.contrastream.flink.model.AudioWindow;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.DecodedAudio;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.cpc.CpcParams;
import io.contrastream.model.util.Rng;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
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
 * sample rate. A sequence number at or below the last one (a replay or duplicate) is a dead letter.
 * Every full {@code window-samples} of 16 kHz audio goes to {@link #WINDOWS}, kept with probability
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
        resamplerState = rc.getState(new ValueStateDescriptor<>("resampler", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        rateState = rc.getState(new ValueStateDescriptor<>("sample-rate", Types.INT));
        lastSequence = rc.getState(new ValueStateDescriptor<>("last-sequence", Types.LONG));
        windowBuffer = rc.getState(new ValueStateDescriptor<>("window", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        windowCount = rc.getState(new ValueStateDescriptor<>("windows", Types.LONG));
        gaps = rc.getMetricGroup().counter("sequenceGaps");
        replays = rc.getMetricGroup().counter("sequenceReplays");
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
            ctx.output(DecodeFunction.DEAD_LETTERS, DeadLetterRecord.of(a.raw, "sequence number " + a.sequenceNumber
                    + " of stream " + a.streamId + " was already processed (last " + last + "): a replay or duplicate"));
            return;
        }
        Integer rate = rateState.value();
        boolean gap = last != null && a.sequenceNumber != last + 1;
        a.restart = last == null || gap || rate != a.sampleRate;
        if (gap) {
            gaps.inc();
            LOG.warn("stream {}: sequence gap {} -> {}: the stream's context restarts", a.streamId, last, a.sequenceNumber);
        }
        if (a.restart) { // a new stream, a gap or a new rate: the only times the rate can change
            resamplerState.clear();
            windowBuffer.clear();
            rateState.update(a.sampleRate);
        }
        lastSequence.update(a.sequenceNumber);
        a.samples = resample(a);
        a.sampleRate = RATE;
        a.raw = null; // past validation: no dead letter needs it any more
        out.collect(a);
        window(a, ctx);
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
