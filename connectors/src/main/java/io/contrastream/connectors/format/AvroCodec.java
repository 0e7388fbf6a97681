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
 * <p>Schema evolution: bytes that do not decode with the current schema are tried against the type's
 * earlier schemas, the resources {@code avro-history/<Type>.v1.avsc}, {@code .v2.avsc}, ... (newest
 * first), resolved into the current one (a field added since gets its default). Binary encoding carries
 * no schema, so this is how records written before a field was added still decode (ImageRecord v1, before
 * {@code audio}); such bytes always end early under the current schema, so they cannot be mistaken for it.
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
    private transient java.util.List<SpecificDatumReader<T>> earlier;

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
        FormatException current;
        try {
            return read(reader, bytes);
        } catch (FormatException e) {
            current = e;
        }
        for (SpecificDatumReader<T> old : earlier()) {
            try {
                return read(old, bytes);
            } catch (FormatException ignored) {
                // not of this version either: the current schema's reason is the one reported
            }
        }
        throw current;
    }

    private T read(SpecificDatumReader<T> r, byte[] bytes) throws FormatException {
        BinaryDecoder dec = DecoderFactory.get().binaryDecoder(bytes, null);
        try {
            T record = r.read(null, dec);
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

    /** Readers from each earlier writer schema of the type into the current one, newest first. */
    private java.util.List<SpecificDatumReader<T>> earlier() {
        if (earlier == null) {
            java.util.List<SpecificDatumReader<T>> found = new java.util.ArrayList<>();
            org.apache.avro.Schema current = org.apache.avro.specific.SpecificData.get().getSchema(type);
            for (int v = 1; ; v++) {
                String name = "/avro-history/" + type.getSimpleName() + ".v" + v + ".avsc";
                try (java.io.InputStream in = AvroCodec.class.getResourceAsStream(name)) {
                    if (in == null) {
                        break;
                    }
                    org.apache.avro.Schema old = new org.apache.avro.Schema.Parser().parse(in);
                    found.add(0, new SpecificDatumReader<>(old, current));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the earlier schema " + name, e);
                }
            }
            earlier = found;
        }
        return earlier;
    }
}
