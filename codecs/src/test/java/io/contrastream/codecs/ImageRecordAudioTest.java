package io.contrastream.codecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.FormatException;
import io.contrastream.connectors.format.avro.AudioEncoding;
import io.contrastream.connectors.format.avro.ImageEncoding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.connectors.format.avro.RecordAudio;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/** ImageRecord's optional audio part: old records still decode, new ones round-trip, the audio decodes like a chunk. */
class ImageRecordAudioTest {

    static Schema v1() throws Exception {
        try (InputStream in = ImageRecordAudioTest.class.getResourceAsStream("/avro-history/ImageRecord.v1.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    /** Bytes as a producer built before the audio field wrote them. */
    static byte[] writtenByV1(Integer label) throws Exception {
        Schema s = v1();
        GenericRecord r = new GenericData.Record(s);
        r.put("id", "old-1");
        r.put("source", "cam");
        r.put("eventTime", 1_700_000_000_000L);
        r.put("encoding", new GenericData.EnumSymbol(s.getField("encoding").schema(), "RAW_U8"));
        r.put("width", 2);
        r.put("height", 1);
        r.put("channels", 1);
        r.put("bytes", ByteBuffer.wrap(new byte[] {7, 9}));
        r.put("label", label);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(s).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    static RecordAudio pcm16(short... samples) {
        ByteBuffer b = ByteBuffer.allocate(2 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : samples) {
            b.putShort(v);
        }
        b.flip();
        return RecordAudio.newBuilder().setSampleRate(22050).setChannels(1).setEncoding(AudioEncoding.PCM_S16LE)
                .setBytes(b).build();
    }

    @Test
    void recordsWrittenBeforeTheAudioFieldStillDecode() throws Exception {
        AvroCodec<ImageRecord> codec = AvroCodec.of(ImageRecord.class);
        for (Integer label : new Integer[] {null, 4}) {
            ImageRecord r = codec.decode(writtenByV1(label));
            assertThat(r.getId()).isEqualTo("old-1");
            assertThat(r.getLabel()).isEqualTo(label);
            assertThat(r.getAudio()).isNull();
            assertThat(r.getBytes()).isEqualTo(ByteBuffer.wrap(new byte[] {7, 9}));
            assertThat(r.getEventTime()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
        }
        byte[] old = writtenByV1(4);
        assertThatThrownBy(() -> codec.decode(Arrays.copyOf(old, old.length - 2)))
                .isInstanceOf(FormatException.class).hasMessageContaining("malformed ImageRecord");
    }

    @Test
    void newRecordsRoundTripWithAndWithoutAudio() throws Exception {
        AvroCodec<ImageRecord> codec = AvroCodec.of(ImageRecord.class);
        ImageRecord.Builder b = ImageRecord.newBuilder().setId("a").setSource("s").setEventTime(Instant.EPOCH)
                .setEncoding(ImageEncoding.RAW_U8).setWidth(1).setHeight(1).setChannels(1)
                .setBytes(ByteBuffer.wrap(new byte[] {1})).setLabel(2);
        ImageRecord plain = b.build();
        assertThat(codec.decode(codec.encode(plain))).isEqualTo(plain);
        ImageRecord withAudio = b.setAudio(pcm16((short) 16384, (short) -32768)).build();
        ImageRecord back = codec.decode(codec.encode(withAudio));
        assertThat(back).isEqualTo(withAudio);
        assertThat(AudioDecoder.toMono(back.getAudio(), AudioLimits.DEFAULT)).containsExactly(0.5f, -1f);
    }

    @Test
    void badAudioGivesTheChunkReasons() {
        RecordAudio odd = pcm16((short) 1);
        odd.setBytes(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThatThrownBy(() -> AudioDecoder.toMono(odd, AudioLimits.DEFAULT)).hasMessageContaining("truncated");
        RecordAudio slow = pcm16((short) 1);
        slow.setSampleRate(100);
        assertThatThrownBy(() -> AudioDecoder.toMono(slow, AudioLimits.DEFAULT)).hasMessageContaining("sample rate 100");
    }
}
