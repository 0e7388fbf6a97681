package io.contrastream.flink.model;

/**
 * A Kafka record as it arrived, before any parsing: where it came from and its bytes, so a record
 * that cannot be used goes to the dead-letter topic intact.
 *
 * <pre>{@code
 * RawRecord r = new RawRecord("images", 0, 42L, keyBytes, valueBytes);
 * }</pre>
 */
public class RawRecord {
    public String topic;
    public int partition;
    public long offset;
    public byte[] key;
    public byte[] value;

    public RawRecord() {}

    public RawRecord(String topic, int partition, long offset, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.key = key;
        this.value = value;
    }
}
