package io.contrastream.flink.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An input record the job could not use, and why (the Avro {@code DeadLetter} on the wire).
 *
 * <pre>{@code
 * DeadLetterRecord d = DeadLetterRecord.of(raw, "corrupt PNG image", 512 << 10, 256);
 * }</pre>
 *
 * <p>Every part is bounded, so a dead letter always fits a topic with Kafka's default 1 MiB limits:
 * the value is kept up to {@code maxRaw} bytes, the key up to {@code maxKey} bytes and the reason up to
 * {@link #MAX_REASON} characters. A hostile record therefore cannot make its own dead letter unwritable.
 */
public class DeadLetterRecord {
    public String topic;
    public int partition;
    public long offset;
    public byte[] key;
    public String reason;
    public byte[] raw;

    /** The most of a refused record's value a dead letter keeps by default ({@code dead-letter-max-raw-bytes}). */
    public static final int MAX_RAW = 512 << 10;
    /** The most of a refused record's key a dead letter keeps by default ({@code max-key-bytes}). */
    public static final int MAX_KEY = 256;
    /** The longest reason, in characters (reasons are the job's own text; this bounds what they quote). */
    public static final int MAX_REASON = 1024;

    public DeadLetterRecord() {}

    /** With the default bounds ({@link #MAX_RAW}, {@link #MAX_KEY}). */
    public static DeadLetterRecord of(RawRecord r, String reason) {
        return of(r, reason, MAX_RAW, MAX_KEY);
    }

    /** Keeps at most {@code maxRaw} bytes of the value and {@code maxKey} bytes of the key. */
    public static DeadLetterRecord of(RawRecord r, String reason, int maxRaw, int maxKey) {
        DeadLetterRecord d = new DeadLetterRecord();
        d.topic = r.topic;
        d.partition = r.partition;
        d.offset = r.offset;
        d.key = r.key == null ? null : cut(r.key, maxKey);
        d.reason = reason(reason);
        d.raw = r.value == null ? new byte[0] : cut(r.value, maxRaw);
        return d;
    }

    /**
     * A record the job produced but could not write (for instance larger than the output topic holds):
     * {@code topic} is the output topic, {@code key} what identifies the output (a record id), no raw bytes,
     * partition and offset -1.
     */
    public static DeadLetterRecord ofOutput(String topic, String key, String reason, int maxKey) {
        DeadLetterRecord d = new DeadLetterRecord();
        d.topic = topic;
        d.partition = -1;
        d.offset = -1;
        d.key = key == null ? null : cut(key.getBytes(StandardCharsets.UTF_8), maxKey);
        d.reason = reason(reason);
        d.raw = new byte[0];
        return d;
    }

    /** This dead letter with its raw bytes cut to {@code maxRaw} (a copy when it shrinks). */
    public DeadLetterRecord withRawAtMost(int maxRaw) {
        if (raw.length <= maxRaw) {
            return this;
        }
        DeadLetterRecord d = new DeadLetterRecord();
        d.topic = topic;
        d.partition = partition;
        d.offset = offset;
        d.key = key;
        d.reason = reason;
        d.raw = Arrays.copyOf(raw, Math.max(0, maxRaw));
        return d;
    }

    private static byte[] cut(byte[] b, int max) {
        return b.length <= max ? b : Arrays.copyOf(b, Math.max(0, max));
    }

    private static String reason(String reason) {
        String r = reason == null ? "unknown" : reason;
        return r.length() <= MAX_REASON ? r : r.substring(0, MAX_REASON - 3) + "...";
    }

    public io.contrastream.connectors.format.avro.DeadLetter toAvro() {
        return io.contrastream.connectors.format.avro.DeadLetter.newBuilder().setTopic(topic).setPartition(partition)
                .setOffset(offset).setKey(key == null ? null : ByteBuffer.wrap(key)).setReason(reason)
                .setRaw(ByteBuffer.wrap(raw)).build();
    }
}
