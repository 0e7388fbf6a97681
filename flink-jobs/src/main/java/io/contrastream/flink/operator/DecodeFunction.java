package io.contrastream.flink.operator;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.FormatException;
import io.contrastream.connectors.format.ImageDecoder;
import io.contrastream.connectors.format.ImageLimits;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.flink.job.JobConfig;
import io.contrastream.flink.job.JobParams;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.Resize;
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
 * the image is brought to the encoder's channels and size.
 */
public class DecodeFunction extends ProcessFunction<RawRecord, DecodedImage> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<DeadLetterRecord> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final JobConfig cfg;
    private transient AvroCodec<ImageRecord> codec;
    private transient ImageDecoder decoder;
    private transient Resize resize;
    private transient Counter rejected;

    public DecodeFunction(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open(OpenContext ctx) {
        codec = AvroCodec.of(ImageRecord.class);
        decoder = new ImageDecoder(new ImageLimits(cfg.get(JobParams.MAX_IMAGE_BYTES), cfg.get(JobParams.MAX_IMAGE_PIXELS)));
        resize = new Resize(cfg.get(JobParams.IMAGE_SIZE));
        rejected = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<DecodedImage> out) {
        try {
            out.collect(decode(raw));
        } catch (FormatException e) {
            rejected.inc();
            ctx.output(DEAD_LETTERS, DeadLetterRecord.of(raw, e.getMessage()));
        }
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
        ImageRecord rec = codec.decode(raw.value);
        if (rec.getId() == null || rec.getId().isEmpty()) {
            throw new FormatException("image record without an id");
        }
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
        Integer label = rec.getLabel();
        return new DecodedImage(rec.getId(), rec.getSource(), rec.getEventTime().toEpochMilli(), img,
                label == null ? -1 : label);
    }

}
