package io.contrastream.flink;

import io.contrastream.codecs.ImageEncoder;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.ImageEncoding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.SyntheticImages;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Valid and deliberately broken image records for the job tests. */
final class TestData {
    private TestData() {}

    static final AvroCodec<ImageRecord> CODEC = AvroCodec.of(ImageRecord.class);

    static List<RawRecord> valid(int n) {
        ImageSet set = SyntheticImages.generate(n, 28, 5);
        List<RawRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ImageRecord rec = ImageEncoder.png("img-" + i, "test", 1_000L + i, set.images().get(i), set.labels()[i]);
            out.add(new RawRecord("images", 0, i, null, CODEC.encode(rec)));
        }
        return out;
    }

    /** One of each kind of bad input, with a word its dead-letter reason must contain. */
    static List<Object[]> bad() {
        List<Object[]> out = new ArrayList<>();
        byte[] png = ImageEncoder.pngBytes(SyntheticImages.generate(1, 28, 1).images().get(0));
        byte[] corruptPng = png.clone();
        for (int i = 40; i < corruptPng.length; i++) {
            corruptPng[i] = (byte) (i * 17);
        }
        out.add(new Object[] {record("bad-corrupt", ImageEncoding.PNG, 28, 28, 1, corruptPng), "corrupt"});
        out.add(new Object[] {record("bad-empty", ImageEncoding.PNG, 28, 28, 1, new byte[0]), "empty"});
        out.add(new Object[] {record("bad-huge", ImageEncoding.PNG, 1 << 20, 1 << 20, 1, png), "exceeds"});
        out.add(new Object[] {record("bad-channels", ImageEncoding.PNG, 28, 28, 4, png), "channel"});
        out.add(new Object[] {record("bad-raw", ImageEncoding.RAW_U8, 28, 28, 1, new byte[10]), "needs 784"});
        out.add(new Object[] {new byte[0], "empty record"});
        out.add(new Object[] {"not avro".getBytes(), "malformed"});
        return out;
    }

    static byte[] record(String id, ImageEncoding enc, int w, int h, int c, byte[] bytes) {
        return CODEC.encode(ImageRecord.newBuilder().setId(id).setSource("test").setEventTime(Instant.EPOCH)
                .setEncoding(enc).setWidth(w).setHeight(h).setChannels(c).setBytes(ByteBuffer.wrap(bytes)).build());
    }
}
