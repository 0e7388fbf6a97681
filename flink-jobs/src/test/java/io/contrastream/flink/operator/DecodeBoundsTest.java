package io.contrastream.flink.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.codecs.AudioEncoder;
import io.contrastream.codecs.ImageEncoder;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.model.data.SyntheticImages;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * Input strings are bounded at the default settings: a record id or stream id over 256 UTF-8 bytes,
 * a source over 1 KiB and a Kafka key over 256 bytes each become a dead letter naming the setting; at
 * the bound they pass. Dead letters keep at most 256 bytes of the key and 512 KiB of the value.
 */
class DecodeBoundsTest {
    static final AvroCodec<ImageRecord> IMAGES = AvroCodec.of(ImageRecord.class);
    static final AvroCodec<AudioChunk> AUDIO = AvroCodec.of(AudioChunk.class);

    static RawRecord image(String id, String source, byte[] key) {
        return new RawRecord("images", 0, 7, key, IMAGES.encode(
                ImageEncoder.png(id, source, 1L, SyntheticImages.generate(1, 28, 1).images().get(0), 0)));
    }

    static List<DeadLetterRecord> deadLetters(RawRecord... in) throws Exception {
        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new DecodeFunction(JobConfig.of(Map.of())))) {
            for (RawRecord r : in) {
                h.processElement(r, 0);
            }
            var side = h.getSideOutput(DecodeFunction.DEAD_LETTERS);
            List<DeadLetterRecord> dead = side == null ? List.of() : side.stream().map(s -> s.getValue()).toList();
            assertThat(h.extractOutputValues()).hasSize(in.length - dead.size());
            return dead;
        }
    }

    @Test
    void imageStringsAndKeysAtTheBoundPassAndAboveItAreDeadLetters() throws Exception {
        String ok = "é".repeat(128); // 256 UTF-8 bytes in 128 chars
        assertThat(deadLetters(image(ok, "s".repeat(1024), new byte[256]))).isEmpty();
        List<DeadLetterRecord> dead = deadLetters(image(ok + "x", "src", null), image("id", "s".repeat(1025), null),
                image("id", "src", new byte[257]), image("a".repeat(5 << 20), "src", null));
        assertThat(dead).extracting(d -> d.reason).satisfiesExactly(
                r -> assertThat(r).isEqualTo("record id of 257 bytes exceeds max-id-bytes 256"),
                r -> assertThat(r).isEqualTo("record source of 1025 bytes exceeds max-source-bytes 1024"),
                r -> assertThat(r).isEqualTo("record key of 257 bytes exceeds max-key-bytes 256"),
                r -> assertThat(r).contains("max-id-bytes 256"));
        assertThat(dead.get(2).key).hasSize(256); // the dead letter keeps the key only up to the bound
        assertThat(dead.get(3).raw).hasSize(512 << 10);
    }

    @Test
    void surrogatePairsCountAsFourBytes() {
        assertThat(DecodeFunction.utf8Length("\uD83D\uDE00")).isEqualTo(4);
        assertThat(DecodeFunction.utf8Length("aé€")).isEqualTo(1 + 2 + 3);
    }

    @Test
    void audioStreamIdsAreBounded() throws Exception {
        JobConfig cfg = JobConfig.of(Map.of("method", "cpc"));
        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new AudioDecodeFunction(cfg))) {
            float[] s = new float[1600];
            h.processElement(new RawRecord("audio", 0, 1, null,
                    AUDIO.encode(AudioEncoder.pcm16("x".repeat(256), 0, 0, s, 16000))), 0);
            h.processElement(new RawRecord("audio", 0, 2, null,
                    AUDIO.encode(AudioEncoder.pcm16("x".repeat(257), 0, 0, s, 16000))), 0);
            assertThat(h.extractOutputValues()).hasSize(1);
            assertThat(h.getSideOutput(DecodeFunction.DEAD_LETTERS)).singleElement()
                    .satisfies(d -> assertThat(d.getValue().reason).isEqualTo(
                            "stream id of 257 bytes exceeds max-id-bytes 256"));
        }
    }

    /** A huge but finite F32LE sample (1e30) is refused at decode: CPC would overflow to NaN on it. */
    @Test
    void hugeFiniteSamplesAreRefusedAtTheConfiguredBound() throws Exception {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1600 * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 1600; i++) {
            b.putFloat(i == 800 ? 1e30f : 0.1f);
        }
        b.flip();
        AudioChunk c = AudioChunk.newBuilder().setStreamId("s").setSequenceNumber(0)
                .setEventTime(java.time.Instant.EPOCH).setSampleRate(16000).setChannels(1)
                .setEncoding(io.contrastream.connectors.format.avro.AudioEncoding.F32LE).setBytes(b).build();
        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new AudioDecodeFunction(JobConfig.of(Map.of(
                "method", "cpc", "max-sample-abs", "4"))))) {
            h.processElement(new RawRecord("audio", 0, 1, null, AUDIO.encode(c)), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(h.getSideOutput(DecodeFunction.DEAD_LETTERS)).singleElement()
                    .satisfies(d -> assertThat(d.getValue().reason).contains("max-sample-abs"));
        }
    }
}
