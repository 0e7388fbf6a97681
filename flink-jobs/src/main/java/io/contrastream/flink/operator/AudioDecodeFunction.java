package io.contrastream.flink.operator;

import io.contrastream.codecs.AudioDecoder;
import io.contrastream.codecs.AudioLimits;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.FormatException;
import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.DecodedAudio;
import io.contrastream.flink.model.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Parses and validates raw audio chunks (Avro {@code AudioChunk}); a chunk that cannot be used
 * never throws: it goes to {@link DecodeFunction#DEAD_LETTERS} with its reason, and the job goes on.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<DecodedAudio> audio = raw.process(new AudioDecodeFunction(cfg));
 * }</pre>
 *
 * <p>Checks: record size, Avro structure, a stream id, then {@code AudioDecoder}'s (encoding,
 * channels, sample rate, whole frames, length limit, finite samples); stereo becomes mono. The
 * samples stay at the chunk's rate: resampling to 16 kHz needs the stream's filter history and
 * happens in the keyed {@link CpcStreamFunction}.
 */
public class AudioDecodeFunction extends ProcessFunction<RawRecord, DecodedAudio> {
    private static final long serialVersionUID = 1L;

    private final JobConfig cfg;
    private transient AvroCodec<AudioChunk> codec;
    private transient AudioLimits limits;
    private transient Counter rejected;
    private transient int maxRaw;
    private transient int maxKey;
    private transient int maxId;

    public AudioDecodeFunction(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open(OpenContext ctx) {
        codec = AvroCodec.of(AudioChunk.class);
        limits = DecodeFunction.audioLimits(cfg);
        maxRaw = cfg.get(JobParams.DEAD_LETTER_MAX_RAW_BYTES);
        maxKey = cfg.get(JobParams.MAX_KEY_BYTES);
        maxId = cfg.get(JobParams.MAX_ID_BYTES);
        rejected = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<DecodedAudio> out) {
        try {
            out.collect(decode(raw));
        } catch (FormatException e) {
            rejected.inc();
            ctx.output(DecodeFunction.DEAD_LETTERS, DeadLetterRecord.of(raw, e.getMessage(), maxRaw, maxKey));
        }
    }

    DecodedAudio decode(RawRecord raw) throws FormatException {
        DecodeFunction.checkSize(raw, cfg.get(JobParams.MAX_RECORD_BYTES));
        DecodeFunction.checkKey(raw, maxKey);
        AudioChunk c = codec.decode(raw.value);
        if (c.getStreamId() == null || c.getStreamId().isEmpty()) {
            throw new FormatException("audio chunk without a stream id");
        }
        DecodeFunction.checkText("stream id", "max-id-bytes", c.getStreamId(), maxId);
        if (c.getSequenceNumber() < 0) {
            throw new FormatException("negative sequence number " + c.getSequenceNumber());
        }
        DecodedAudio a = new DecodedAudio();
        a.streamId = c.getStreamId();
        a.sequenceNumber = c.getSequenceNumber();
        a.eventTime = c.getEventTime().toEpochMilli();
        a.sampleRate = c.getSampleRate();
        a.samples = AudioDecoder.toMono(c, limits);
        a.raw = raw;
        return a;
    }
}
