package io.contrastream.connectors.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro binary encoding of one record type (no schema registry: both sides share the schema in
 * {@code connectors/src/main/avro}).
 *
 * <pre>{@code
 * AvroCodec<ImageRecord> codec = AvroCodec.of(ImageRecord.class);
 * byte[] bytes = codec.encode(record);
 * ImageRecord back = codec.decode(bytes);      // throws FormatException on malformed bytes
 * }</pre>
 *
 * <p>Decoding never trusts the input: malformed, truncated or oversized bytes raise a
 * {@link FormatException} whose message is the dead-letter reason.
 *
 * @param <T> the generated record class
 */
public final class AvroCodec<T extends SpecificRecord> implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /** No string or bytes field is longer than this; far above the job's largest accepted record. */
    static final int MAX_FIELD_BYTES = 64 << 20;

    static {
        // a corrupt length prefix must be refused, not allocated (a garbage record claiming a 2 GB string
        // was an OutOfMemoryError that restarted the job): Avro reads these limits once, at its first check
        limitIfUnset("org.apache.avro.limits.string.maxLength");
        limitIfUnset("org.apache.avro.limits.bytes.maxLength");
    }

    private final Class<T> type;
    private transient SpecificDatumWriter<T> writer;
    private transient SpecificDatumReader<T> reader;

    private AvroCodec(Class<T> type) {
        this.type = type;
    }

    private static void limitIfUnset(String property) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, String.valueOf(MAX_FIELD_BYTES));
        }
    }

    public static <T extends SpecificRecord> AvroCodec<T> of(Class<T> type) {
        return new AvroCodec<>(type);
    }

    public Class<T> type() {
        return type;
    }

    public byte[] encode(T record) {
        if (writer == null) {
            writer = new SpecificDatumWriter<>(type);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(record, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public T decode(byte[] bytes) throws FormatException {
        if (bytes == null || bytes.length == 0) {
            throw new FormatException("empty record value");
        }
        if (reader == null) {
            reader = new SpecificDatumReader<>(type);
        }
        BinaryDecoder dec = DecoderFactory.get().binaryDecoder(bytes, null);
        try {
            T record = reader.read(null, dec);
            if (!dec.isEnd()) {
                throw new FormatException("malformed " + type.getSimpleName() + ": trailing bytes after the record");
            }
            return record;
        } catch (IOException | RuntimeException e) {
            // Avro signals bad input with EOFException, AvroRuntimeException, negative lengths, OOM-sized arrays...
            throw new FormatException("malformed " + type.getSimpleName() + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }
}
