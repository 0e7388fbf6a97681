package io.contrastream.flink.model;

import java.nio.ByteBuffer;

/**
 * An input record the job could not use, and why (the Avro {@code DeadLetter} on the wire).
 *
 * <pre>{@code
 * DeadLetterRecord d = DeadLetterRecord.of(raw, "corrupt PNG image", 1 << 20);
 * }</pre>
 */
public class DeadLetterRecord {
    public String topic;
    public int partition;
    public long offset;
    public byte[] key;
    public String reason;
    public byte[] raw;

    /** The most of a refused record's value a dead letter keeps. */
    public static final int MAX_RAW = 1 << 20;

    public DeadLetterRecord() {}

    /** Keeps at most {@link #MAX_RAW} bytes of the value. */
    public static DeadLetterRecord of(RawRecord r, String reason) {
        return of(r, reason, MAX_RAW);
    }

    /** Keeps at most {@code maxRaw} bytes of the value. */
    public static DeadLetterRecord of(RawRecord r, String reason, int maxRaw) {
        DeadLetterRecord d = new DeadLetterRecord();
        d.topic = r.topic;
        d.partition = r.partition;
        d.offset = r.offset;
        d.key = r.key;
        d.reason = reason;
        byte[] v = r.value == null ? new byte[0] : r.value;
        d.raw = v.length <= maxRaw ? v : java.util.Arrays.copyOf(v, maxRaw);
        return d;
    }

    public io.contrastream.connectors.format.avro.DeadLetter toAvro() {
        return io.contrastream.connectors.format.avro.DeadLetter.newBuilder().setTopic(topic).setPartition(partition)
                .setOffset(offset).setKey(key == null ? null : ByteBuffer.wrap(key)).setReason(reason)
                .setRaw(ByteBuffer.wrap(raw)).build();
    }
}
