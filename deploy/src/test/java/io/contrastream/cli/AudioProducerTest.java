package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.codecs.AudioDecoder;
import io.contrastream.codecs.AudioLimits;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.connectors.format.avro.AudioEncoding;
import io.contrastream.model.data.audio.Utterances;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Utterances become S interleaved streams of consecutive chunks, without Kafka. */
class AudioProducerTest {
    static Utterances utterances(int... lengths) {
        List<float[]> audio = new ArrayList<>();
        int[] spk = new int[lengths.length];
        int[] wrd = new int[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            float[] a = new float[lengths[i]];
            java.util.Arrays.fill(a, (i + 1) / 100f);
            audio.add(a);
        }
        return new Utterances(audio, 16000, List.of("s"), List.of("w"), spk, wrd);
    }

    @Test
    void streamsPlayEverySthUtteranceWithSilenceBetween() {
        Utterances u = utterances(1000, 2000, 3000, 4000, 5000);
        List<float[]> s = AudioProducer.streams(u, 2);
        assertThat(s).hasSize(2);
        int gap = 3200;   // 0.2 s at 16 kHz
        assertThat(s.get(0)).hasSize(1000 + gap + 3000 + gap + 5000);
        assertThat(s.get(1)).hasSize(2000 + gap + 4000);
        assertThat(s.get(0)[999]).isEqualTo(0.01f);
        assertThat(s.get(0)[1000]).isZero();
        assertThat(s.get(0)[1000 + gap]).isEqualTo(0.03f);
        // more streams than utterances: the empty ones are not sent
        assertThat(AudioProducer.streams(u, 8)).hasSize(5);
    }

    @Test
    void chunksAreNumberedPerStreamAndSentRoundRobin() throws Exception {
        Utterances u = utterances(1000, 2000, 3000, 4000, 5000);
        int streams = 2;
        int chunkMs = 100;   // 1,600 samples
        long expected = 0;
        for (float[] x : AudioProducer.streams(u, streams)) {
            expected += (x.length + 1599) / 1600;
        }
        assertThat(AudioProducer.chunkCount(u, streams, chunkMs)).isEqualTo(expected).isEqualTo(10 + 6);

        AvroCodec<AudioChunk> codec = AvroCodec.of(AudioChunk.class);
        List<String> keys = new ArrayList<>();
        Map<String, List<float[]>> byStream = new HashMap<>();
        AudioProducer.chunks(u, "mic", streams, chunkMs, 0, (key, chunk) -> {
            AudioChunk c;
            try {
                c = codec.decode(codec.encode(chunk));
                assertThat(c.getStreamId()).isEqualTo(key);
                assertThat(c.getEncoding()).isEqualTo(AudioEncoding.PCM_S16LE);
                assertThat(c.getSampleRate()).isEqualTo(16000);
                assertThat(c.getChannels()).isEqualTo(1);
                List<float[]> got = byStream.computeIfAbsent(key, k -> new ArrayList<>());
                assertThat(c.getSequenceNumber()).isEqualTo(got.size());
                got.add(AudioDecoder.toMono(c, AudioLimits.DEFAULT));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            keys.add(key);
        });
        assertThat(keys).hasSize((int) expected);
        assertThat(keys.subList(0, 4)).containsExactly("mic-0", "mic-1", "mic-0", "mic-1");
        assertThat(keys.subList(12, 16)).containsOnly("mic-0");   // stream 1 ran out after 6 chunks
        List<float[]> s = AudioProducer.streams(u, streams);
        for (int k = 0; k < streams; k++) {
            List<float[]> chunks = byStream.get("mic-" + k);
            assertThat(chunks.stream().mapToInt(a -> a.length).sum()).isEqualTo(s.get(k).length);
            assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(a -> assertThat(a).hasSize(1600));
            float[] joined = new float[s.get(k).length];
            int pos = 0;
            for (float[] a : chunks) {
                System.arraycopy(a, 0, joined, pos, a.length);
                pos += a.length;
            }
            for (int i = 0; i < joined.length; i++) {
                assertThat(Math.abs(joined[i] - s.get(k)[i])).isLessThanOrEqualTo(1f / 65536);
            }
        }
    }

    @Test
    void chunkLengthFollowsTheRate() {
        assertThat(AudioProducer.chunkSamples(22050, 100)).isEqualTo(2205);
        assertThat(AudioProducer.chunkSamples(16000, 20)).isEqualTo(320);
        assertThat(AudioProducer.chunkSamples(8000, 1)).isEqualTo(8);
    }
}
