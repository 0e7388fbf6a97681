package io.contrastream.codecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.FormatException;
import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.connectors.format.avro.AudioEncoding;
import io.contrastream.connectors.format.avro.CpcPrediction;
import io.contrastream.connectors.format.avro.DeadLetter;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.connectors.format.avro.ModelVersion;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** Every record format round-trips through Avro binary; malformed bytes become a reason, never a crash. */
class FormatsTest {

    static <T extends SpecificRecord> T roundTrip(Class<T> type, T record) throws FormatException {
        AvroCodec<T> codec = AvroCodec.of(type);
        return codec.decode(codec.encode(record));
    }

    @Test
    void everyFormatRoundTrips() throws Exception {
        Instant t = Instant.ofEpochMilli(1_700_000_000_123L);
        ImageRecord img = ImageRecord.newBuilder().setId("a").setSource("cam").setEventTime(t)
                .setEncoding(io.contrastream.connectors.format.avro.ImageEncoding.RAW_U8).setWidth(2).setHeight(1)
                .setChannels(1).setBytes(ByteBuffer.wrap(new byte[] {1, 2})).setLabel(3).build();
        assertThat(roundTrip(ImageRecord.class, img)).isEqualTo(img);
        AudioChunk audio = AudioChunk.newBuilder().setStreamId("s").setSequenceNumber(7).setEventTime(t)
                .setSampleRate(16000).setChannels(1).setEncoding(AudioEncoding.PCM_S16LE)
                .setBytes(ByteBuffer.wrap(new byte[] {0, 1, 2, 3})).build();
        assertThat(roundTrip(AudioChunk.class, audio)).isEqualTo(audio);
        Embedding emb = Embedding.newBuilder().setRecordId("a").setSource("cam").setEventTime(t).setModelId("m")
                .setModelVersion(4).setVector(List.of(0.5f, -1f)).build();
        assertThat(roundTrip(Embedding.class, emb)).isEqualTo(emb);
        CpcPrediction cpc = CpcPrediction.newBuilder().setStreamId("s").setSequenceNumber(1).setModelVersion(2)
                .setContext(List.of(1f)).setPredictions(List.of(List.of(1f, 2f), List.of(3f, 4f))).setSurprise(0.25)
                .build();
        assertThat(roundTrip(CpcPrediction.class, cpc)).isEqualTo(cpc);
        DeadLetter dl = DeadLetter.newBuilder().setTopic("images").setPartition(0).setOffset(9).setKey(null)
                .setReason("corrupt PNG").setRaw(ByteBuffer.wrap(new byte[] {9})).build();
        assertThat(roundTrip(DeadLetter.class, dl)).isEqualTo(dl);
        ModelVersion mv = ModelVersion.newBuilder().setModelId("m").setVersion(3).setUri("file:///tmp/m/3").setStep(300)
                .setLoss(5.5).build();
        assertThat(roundTrip(ModelVersion.class, mv)).isEqualTo(mv);
    }

    @Test
    void kafkaSerdeRoundTripsAndReportsMalformedBytes() {
        var serde = io.contrastream.connectors.kafka.AvroSerde.of(Embedding.class);
        Embedding emb = Embedding.newBuilder().setRecordId("r").setSource("s").setEventTime(Instant.EPOCH)
                .setModelId("m").setModelVersion(1).setVector(List.of(1f)).build();
        byte[] bytes = serde.serializer().serialize("embeddings", emb);
        assertThat(serde.deserializer().deserialize("embeddings", bytes)).isEqualTo(emb);
        assertThat(serde.deserializer().deserialize("embeddings", null)).isNull();
        assertThatThrownBy(() -> serde.deserializer().deserialize("embeddings", new byte[] {1, 2, 3}))
                .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
                .hasMessageContaining("topic embeddings");
    }

    @Test
    void malformedBytesGiveAReason() {
        AvroCodec<ImageRecord> codec = AvroCodec.of(ImageRecord.class);
        assertThatThrownBy(() -> codec.decode(new byte[0])).isInstanceOf(FormatException.class).hasMessageContaining("empty");
        byte[] good = codec.encode(ImageRecord.newBuilder().setId("a").setSource("s").setEventTime(Instant.EPOCH)
                .setEncoding(io.contrastream.connectors.format.avro.ImageEncoding.PNG).setWidth(1).setHeight(1)
                .setChannels(1).setBytes(ByteBuffer.wrap(new byte[] {1})).build());
        assertThatThrownBy(() -> codec.decode(Arrays.copyOf(good, good.length - 3)))
                .isInstanceOf(FormatException.class).hasMessageContaining("malformed ImageRecord");
        byte[] longer = Arrays.copyOf(good, good.length + 2);
        assertThatThrownBy(() -> codec.decode(longer)).isInstanceOf(FormatException.class).hasMessageContaining("trailing");
        // a huge declared string length must not allocate gigabytes
        byte[] huge = {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F};
        assertThatThrownBy(() -> codec.decode(huge)).isInstanceOf(FormatException.class);
        // a 1 GiB claim fits a 4 GiB heap, so Avro would allocate it (an OutOfMemoryError on a TaskManager,
        // found by ClusterFailoverIT): refused by the field limit before any allocation
        byte[] gib = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08}; // zigzag varint of 2^30
        assertThatThrownBy(() -> codec.decode(gib)).isInstanceOf(FormatException.class)
                .hasMessageContaining("malformed ImageRecord").hasMessageContaining("exceeds");
        byte[] garbage = "this is not avro at all".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(garbage)).isInstanceOf(FormatException.class);
    }
}
