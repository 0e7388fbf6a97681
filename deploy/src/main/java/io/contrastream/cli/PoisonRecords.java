package io.contrastream.cli;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.ImageEncoding;
import io.contrastream.connectors.format.avro.ImageRecord;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * Bad input for the images topic, five kinds in turn: corrupt PNG bytes, an oversized raw image, a
 * header claiming 2⁴⁰ pixels, a wrong channel count, and bytes that are not Avro at all. Each must
 * become a dead letter with a reason while the valid stream goes on (the poison-volume test and
 * benchmark).
 *
 * <pre>{@code
 * byte[] value = PoisonRecords.record(17);   // the kind is 17 % 5
 * }</pre>
 */
final class PoisonRecords {
    static final int KINDS = 5;
    private static final AvroCodec<ImageRecord> CODEC = AvroCodec.of(ImageRecord.class);

    private PoisonRecords() {}

    /** Poison record number {@code i} (deterministic). */
    static byte[] record(long i) {
        byte[] garbage = new byte[100 + (int) (i % 50)];
        for (int k = 0; k < garbage.length; k++) {
            garbage[k] = (byte) (k * 31 + i);
        }
        return switch ((int) (i % KINDS)) {
            case 0 -> image(i, ImageEncoding.PNG, 28, 28, 1, garbage);
            case 1 -> image(i, ImageEncoding.RAW_U8, 28, 28, 1, new byte[100_000]); // more than 28 x 28 and large
            case 2 -> image(i, ImageEncoding.PNG, 1 << 20, 1 << 20, 1, garbage);    // a 2^40-pixel claim
            case 3 -> image(i, ImageEncoding.RAW_U8, 28, 28, 4, new byte[28 * 28 * 4]);
            default -> garbage;
        };
    }

    private static byte[] image(long i, ImageEncoding enc, int w, int h, int c, byte[] bytes) {
        return CODEC.encode(ImageRecord.newBuilder().setId("bad-" + i).setSource("poison").setEventTime(Instant.EPOCH)
                .setEncoding(enc).setWidth(w).setHeight(h).setChannels(c).setBytes(ByteBuffer.wrap(bytes)).build());
    }
}
