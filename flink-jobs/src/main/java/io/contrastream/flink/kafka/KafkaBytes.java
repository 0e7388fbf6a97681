package io.contrastream.flink.kafka;

/**
 * A Kafka record's key and value, already serialized and checked to fit its topic
 * ({@link OutputGuard}); the sink writes them as they are.
 *
 * <pre>{@code
 * KafkaBytes r = new KafkaBytes("img-1".getBytes(UTF_8), avroValue);
 * }</pre>
 */
public class KafkaBytes {
    public byte[] key;
    public byte[] value;

    public KafkaBytes() {}

    public KafkaBytes(byte[] key, byte[] value) {
        this.key = key;
        this.value = value;
    }
}
