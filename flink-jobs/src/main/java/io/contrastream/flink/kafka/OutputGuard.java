package io.contrastream.flink.kafka;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.flink.model.DeadLetterRecord;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Serializes a job record for its Kafka topic and refuses, as a dead letter, one its topic cannot
 * hold — a sink must never fail on a single record (a {@code RecordTooLargeException} in the producer
 * fails the task, and the restarted task meets the same record again: an endless restart loop).
 *
 * <pre>{@code
 * SingleOutputStreamOperator<KafkaBytes> ok = embeddings.process(OutputGuard.of("embeddings", 1_000_000, 256,
 *         Embedding.class, EmbeddingRecord::toAvro, e -> e.recordId));
 * DataStream<DeadLetterRecord> tooLarge = ok.getSideOutput(OutputGuard.REFUSED);
 * }</pre>
 *
 * <p>The size checked is key + value + headers, against {@code max-output-bytes} (1,000,000 by default: below the
 * producer's default {@code max.request.size} of 1 MiB and the broker's default {@code message.max.bytes} of
 * 1 MiB + 12 bytes, with room for the record and batch headers). Dead
 * letters themselves are never refused: their raw bytes are cut until they fit ({@link #forDeadLetters}).
 *
 * <p>A record type with a {@code long modelVersion} field (Embedding, CpcPrediction) also gets the Kafka header
 * {@value KafkaBytes#MODEL_VERSION}: the same version as decimal UTF-8 text, so consumers can filter or route
 * by version without decoding the value (see {@link KafkaBytes#MODEL_VERSION}).
 *
 * @param <T> the job's record type
 * @param <A> the Avro record written
 */
public class OutputGuard<T, A extends SpecificRecord> extends ProcessFunction<T, KafkaBytes> {
    private static final long serialVersionUID = 1L;
    /** Outputs too large for their topic, as dead letters. */
    public static final OutputTag<DeadLetterRecord> REFUSED = new OutputTag<>("refused-outputs") {};
    /** Room a dead letter keeps for its Avro framing beyond key, reason and raw bytes. */
    static final int DEAD_LETTER_OVERHEAD = 512;

    private final String topic;
    private final int maxBytes;
    private final int maxKey;
    private final AvroCodec<A> codec;
    private final SerializableFunction<T, A> toAvro;
    private final SerializableFunction<T, String> key;
    /** Position of the Avro record's {@code long modelVersion} field, -1 if it has none. */
    private final int modelVersionField;
    private transient Counter refused;

    private OutputGuard(String topic, int maxBytes, int maxKey, Class<A> type, SerializableFunction<T, A> toAvro,
            SerializableFunction<T, String> key) {
        this.topic = topic;
        this.maxBytes = maxBytes;
        this.maxKey = maxKey;
        this.codec = AvroCodec.of(type);
        this.toAvro = toAvro;
        this.key = key;
        org.apache.avro.Schema.Field f = org.apache.avro.specific.SpecificData.get().getSchema(type).getField("modelVersion");
        this.modelVersionField = f != null && f.schema().getType() == org.apache.avro.Schema.Type.LONG ? f.pos() : -1;
    }

    /** A guard for records keyed by {@code key} (UTF-8; null for none). */
    public static <T, A extends SpecificRecord> OutputGuard<T, A> of(String topic, int maxBytes, int maxKey,
            Class<A> type, SerializableFunction<T, A> toAvro, SerializableFunction<T, String> key) {
        return new OutputGuard<>(topic, maxBytes, maxKey, type, toAvro, key);
    }

    /** The dead letters' own guard: keyed by the refused record's key, raw bytes cut until the record fits. */
    public static OutputGuard<DeadLetterRecord, io.contrastream.connectors.format.avro.DeadLetter> forDeadLetters(
            String topic, int maxBytes, int maxKey) {
        return new OutputGuard<>(topic, maxBytes, maxKey, io.contrastream.connectors.format.avro.DeadLetter.class,
                DeadLetterRecord::toAvro, null);
    }

    @Override
    public void open(OpenContext ctx) {
        refused = getRuntimeContext().getMetricGroup().counter("outputsTooLarge");
    }

    @Override
    public void processElement(T element, Context ctx, Collector<KafkaBytes> out) {
        if (element instanceof DeadLetterRecord d) {
            out.collect(deadLetter(d));
            return;
        }
        String k = key == null ? null : key.apply(element);
        byte[] keyBytes = k == null ? null : k.getBytes(StandardCharsets.UTF_8);
        A avro = toAvro.apply(element);
        byte[] value = codec.encode(avro);
        KafkaBytes.Header[] headers = headers(avro);
        long size = value.length + (keyBytes == null ? 0 : keyBytes.length);
        for (KafkaBytes.Header h : headers) {
            size += h.key.length() + h.value.length; // header names are ASCII
        }
        if (size > maxBytes) {
            refused.inc();
            ctx.output(REFUSED, DeadLetterRecord.ofOutput(topic, k, "output record of " + size + " bytes for topic "
                    + topic + " exceeds max-output-bytes " + maxBytes, maxKey));
            return;
        }
        out.collect(new KafkaBytes(keyBytes, value, headers));
    }

    /** The {@value KafkaBytes#MODEL_VERSION} header of a record that names its model version; none otherwise. */
    private KafkaBytes.Header[] headers(A avro) {
        if (modelVersionField < 0) {
            return new KafkaBytes.Header[0];
        }
        Object version = avro.get(modelVersionField);
        return new KafkaBytes.Header[] {KafkaBytes.header(KafkaBytes.MODEL_VERSION,
                String.valueOf(version).getBytes(StandardCharsets.US_ASCII))};
    }

    /** A dead letter always goes out: its raw bytes shrink until key + value fit. */
    private KafkaBytes deadLetter(DeadLetterRecord d) {
        @SuppressWarnings("unchecked")
        SerializableFunction<DeadLetterRecord, A> f = (SerializableFunction<DeadLetterRecord, A>) toAvro;
        DeadLetterRecord fit = d;
        byte[] value = codec.encode(f.apply(fit));
        int keyLength = d.key == null ? 0 : d.key.length;
        while (value.length + keyLength > maxBytes && fit.raw.length > 0) {
            refused.inc();
            int excess = value.length + keyLength - maxBytes;
            fit = fit.withRawAtMost(Math.max(0, fit.raw.length - excess - DEAD_LETTER_OVERHEAD));
            value = codec.encode(f.apply(fit));
        }
        return new KafkaBytes(d.key, value);
    }
}
