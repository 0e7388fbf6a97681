package io.contrastream.connectors.kafka;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.FormatException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer and deserializer of one Avro record type, for producers and consumers outside
 * Flink (the job itself keeps raw bytes until it can dead-letter them).
 *
 * <pre>{@code
 * KafkaConsumer<byte[], Embedding> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
 *         AvroSerde.of(Embedding.class).deserializer());
 * }</pre>
 *
 * @param <T> the generated record class
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final AvroCodec<T> codec;

    private AvroSerde(Class<T> type) {
        this.codec = AvroCodec.of(type);
    }

    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
        return new AvroSerde<>(type);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> data == null ? null : codec.encode(data);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return codec.decode(bytes);
            } catch (FormatException e) {
                throw new SerializationException("record of topic " + topic + ": " + e.getMessage());
            }
        };
    }
}
