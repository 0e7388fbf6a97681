package io.contrastream.flink.kafka;

/**
 * A Kafka record's key, value and headers, already serialized and checked to fit its topic
 * ({@link OutputGuard}); the sink writes them as they are.
 *
 * <pre>{@code
 * KafkaBytes r = new KafkaBytes("img-1".getBytes(UTF_8), avroValue,
 *         KafkaBytes.header(KafkaBytes.MODEL_VERSION, "23".getBytes(UTF_8)));
 * }</pre>
 *
 * <p>A Flink POJO (public fields, headers as an array of POJOs), so it travels between the guard and the sink
 * without Kryo.
 */
public class KafkaBytes {
    /**
     * The header naming the model version that produced an embedding or a CPC prediction: the version as
     * decimal UTF-8 text ({@code "23"}), readable as is in {@code kafka-console-consumer} or
     * {@code kcat} and parsed with {@code int(value)} / {@code Long.parseLong}; it equals the record's
     * {@code modelVersion} field, so a consumer can route or filter on it without decoding the value.
     */
    public static final String MODEL_VERSION = "model-version";

    private static final Header[] NONE = new Header[0];

    public byte[] key;
    public byte[] value;
    /** Never null after construction; empty for none. */
    public Header[] headers = NONE;

    public KafkaBytes() {}

    public KafkaBytes(byte[] key, byte[] value, Header... headers) {
        this.key = key;
        this.value = value;
        this.headers = headers == null ? NONE : headers;
    }

    /** One Kafka record header. */
    public static Header header(String key, byte[] value) {
        Header h = new Header();
        h.key = key;
        h.value = value;
        return h;
    }

    /** A Kafka record header (a POJO for Flink: public fields, a no-argument constructor). */
    public static class Header {
        public String key;
        public byte[] value;

        public Header() {}
    }
}
