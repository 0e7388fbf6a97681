package io.contrastream.flink.kafka;

import io.contrastream.connectors.format.AvroCodec;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Writes a job record as the Avro value of a Kafka record.
 *
 * <pre>{@code
 * new AvroValueSerializer<>(Embedding.class, EmbeddingRecord::toAvro)
 * }</pre>
 *
 * @param <T> the job's record type
 * @param <A> the Avro record written
 */
public class AvroValueSerializer<T, A extends SpecificRecord> implements SerializationSchema<T> {
    private static final long serialVersionUID = 1L;
    private final AvroCodec<A> codec;
    private final SerializableFunction<T, A> toAvro;

    public AvroValueSerializer(Class<A> type, SerializableFunction<T, A> toAvro) {
        this.codec = AvroCodec.of(type);
        this.toAvro = toAvro;
    }

    @Override
    public byte[] serialize(T element) {
        Function<T, A> f = toAvro;
        return codec.encode(f.apply(element));
    }
}
