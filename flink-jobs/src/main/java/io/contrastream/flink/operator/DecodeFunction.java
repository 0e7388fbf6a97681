package io.contrastream.flink.operator;

import io.contrastream.codecs.AudioDecoder;
import io.contrastream.codecs.AudioLimits;
import io.contrastream.codecs.ImageDecoder;
import io.contrastream.codecs.ImageLimits;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.FormatException;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.connectors.format.avro.RecordAudio;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.Resize;
import io.contrastream.model.data.audio.SincKernel;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses and validates raw image records; a record that cannot be used never throws: it goes to
 * the {@link #DEAD_LETTERS} side output with its reason, and the job goes on.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<DecodedImage> images = raw.process(new DecodeFunction(cfg));
 * DataStream<DeadLetterRecord> bad = images.getSideOutput(DecodeFunction.DEAD_LETTERS);
 * }</pre>
 *
 * <p>Checks: record size, Avro structure, image limits and header (see {@code ImageDecoder}); then
 * the image is brought to the encoder's channels and size. A record's optional audio part is checked
 * like an audio chunk ({@code AudioDecoder}: channels, rate, truncation, non-finite samples, at most
 * {@code max-chunk-seconds}), mixed to mono and resampled to 16 kHz; bad audio makes the whole record a
 * dead letter whose reason starts with "audio: "; the samples are kept only when the method has an audio
 * view (CMC with {@code audio}), so other methods do not ship them downstream.
 */
public class DecodeFunction extends ProcessFunction<RawRecord, DecodedImage> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<DeadLetterRecord> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    /** The rate every record's audio is brought to (CMC's log-mel view). */
    public static final int AUDIO_RATE = 16000;

    private final JobConfig cfg;
    private transient AvroCodec<ImageRecord> codec;
    private transient ImageDecoder decoder;
    private transient Resize resize;
    private transient AudioLimits audioLimits;
    private transient boolean keepAudio;
    private transient Counter rejected;
    private transient Counter received;
    private transient int maxRaw;
    private transient int maxKey;
    private transient int maxId;
    private transient int maxSource;

    public DecodeFunction(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open(OpenContext ctx) {
        codec = AvroCodec.of(ImageRecord.class);
        decoder = new ImageDecoder(new ImageLimits(cfg.get(JobParams.MAX_IMAGE_BYTES), cfg.get(JobParams.MAX_IMAGE_PIXELS)));
        resize = new Resize(cfg.get(JobParams.IMAGE_SIZE));
        audioLimits = audioLimits(cfg);
        maxRaw = cfg.get(JobParams.DEAD_LETTER_MAX_RAW_BYTES);
        maxKey = cfg.get(JobParams.MAX_KEY_BYTES);
        maxId = cfg.get(JobParams.MAX_ID_BYTES);
        maxSource = cfg.get(JobParams.MAX_SOURCE_BYTES);
        keepAudio = cfg.spec().audioView(cfg.recipeParams()) >= 0;
        rejected = getRuntimeContext().getMetricGroup().counter("deadLetters");
        received = getRuntimeContext().getMetricGroup().counter("recordsIn");
        // rates over Flink's default 60 s window, for a dashboard without PromQL's rate()
        getRuntimeContext().getMetricGroup().meter("recordsInPerSecond", new org.apache.flink.metrics.MeterView(received));
        getRuntimeContext().getMetricGroup().meter("deadLettersPerSecond", new org.apache.flink.metrics.MeterView(rejected));
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<DecodedImage> out) {
        received.inc();
        try {
            out.collect(decode(raw));
        } catch (FormatException e) {
            rejected.inc();
            ctx.output(DEAD_LETTERS, DeadLetterRecord.of(raw, e.getMessage(), maxRaw, maxKey));
        }
    }

    /** The audio bounds of the job's settings (chunk length, bytes, largest |sample|). */
    static AudioLimits audioLimits(JobConfig cfg) {
        return new AudioLimits(cfg.get(JobParams.MAX_CHUNK_SECONDS), cfg.get(JobParams.MAX_RECORD_BYTES),
                cfg.get(JobParams.MAX_SAMPLE_ABS));
    }

    /** Refuses a Kafka key over {@code maxKey} bytes (it would be copied into every output and dead letter). */
    static void checkKey(RawRecord raw, int maxKey) throws FormatException {
        if (raw.key != null && raw.key.length > maxKey) {
            throw new FormatException("record key of " + raw.key.length + " bytes exceeds max-key-bytes " + maxKey);
        }
    }

    /**
     * Refuses a text field over {@code maxBytes} in UTF-8: ids and sources travel into every output record, so an
     * unbounded one could make an output larger than its topic holds.
     */
    static void checkText(String field, String setting, CharSequence value, int maxBytes) throws FormatException {
        if (value == null || value.length() * 3L <= maxBytes) {
            return; // at most 3 UTF-8 bytes per UTF-16 unit: short enough without counting
        }
        long bytes = utf8Length(value);
        if (bytes > maxBytes) {
            throw new FormatException(field + " of " + bytes + " bytes exceeds " + setting + " " + maxBytes);
        }
    }

    static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Refuses an empty value or one over {@code maxBytes} before anything parses it (images and audio alike). */
    static void checkSize(RawRecord raw, int maxBytes) throws FormatException {
        if (raw.value == null || raw.value.length == 0) {
            throw new FormatException("empty record value");
        }
        if (raw.value.length > maxBytes) {
            throw new FormatException("record of " + raw.value.length + " bytes exceeds max-record-bytes " + maxBytes);
        }
    }

    DecodedImage decode(RawRecord raw) throws FormatException {
        checkSize(raw, cfg.get(JobParams.MAX_RECORD_BYTES));
        checkKey(raw, maxKey);
        ImageRecord rec = codec.decode(raw.value);
        if (rec.getId() == null || rec.getId().isEmpty()) {
            throw new FormatException("image record without an id");
        }
        checkText("record id", "max-id-bytes", rec.getId(), maxId);
        checkText("record source", "max-source-bytes", rec.getSource(), maxSource);
        Image img = decoder.decode(rec);
        for (float v : img.data) {
            if (!Float.isFinite(v)) {
                throw new FormatException("non-finite pixel value");
            }
        }
        img = img.toChannels(cfg.get(JobParams.CHANNELS));
        int size = cfg.get(JobParams.IMAGE_SIZE);
        if (img.height != size || img.width != size) {
            img = resize.apply(img, null);
        }
        float[] audio = rec.getAudio() == null ? null : audio(rec.getAudio()); // checked always, resampled if kept
        Integer label = rec.getLabel();
        DecodedImage out = new DecodedImage(rec.getId(), rec.getSource(), rec.getEventTime().toEpochMilli(), img,
                label == null ? -1 : label);
        out.audio = audio;
        return out;
    }

    /** The record's audio as mono 16 kHz samples (null when the method does not use it), or a reason. */
    private float[] audio(RecordAudio a) throws FormatException {
        float[] mono;
        try {
            mono = AudioDecoder.toMono(a, audioLimits);
        } catch (FormatException e) {
            throw new FormatException("audio: " + e.getMessage());
        }
        return keepAudio ? SincKernel.resample(mono, a.getSampleRate(), AUDIO_RATE) : null; // no one downstream needs it
    }


}
