package io.contrastream.connectors.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.connectors.format.avro.AudioEncoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Valid chunks decode to mono floats; each kind of bad chunk is refused with its reason. */
class AudioDecoderTest {
    static AudioChunk chunk(AudioEncoding enc, int rate, int channels, byte[] bytes) {
        return AudioChunk.newBuilder().setStreamId("s").setSequenceNumber(0).setEventTime(Instant.EPOCH)
                .setSampleRate(rate).setChannels(channels).setEncoding(enc).setBytes(ByteBuffer.wrap(bytes)).build();
    }

    static byte[] s16(int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putShort((short) x);
        }
        return b.array();
    }

    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static float[] mono(AudioChunk c) throws FormatException {
        return AudioDecoder.toMono(c, AudioLimits.DEFAULT);
    }

    static String reason(AudioChunk c) {
        try {
            AudioDecoder.toMono(c, AudioLimits.DEFAULT);
        } catch (FormatException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted a bad chunk");
    }

    @Test
    void pcm16ValuesAreDividedBy32768() throws Exception {
        float[] x = mono(chunk(AudioEncoding.PCM_S16LE, 16000, 1, s16(0, 16384, -32768, 32767, -1)));
        assertThat(x).containsExactly(0f, 0.5f, -1f, 32767 / 32768f, -1 / 32768f);
    }

    @Test
    void f32ValuesAreTakenAsTheyAre() throws Exception {
        float[] x = mono(chunk(AudioEncoding.F32LE, 44100, 1, f32(0.25f, -0.75f, 1.5f)));
        assertThat(x).containsExactly(0.25f, -0.75f, 1.5f);
    }

    @Test
    void stereoBecomesTheMeanOfTheChannels() throws Exception {
        assertThat(mono(chunk(AudioEncoding.PCM_S16LE, 8000, 2, s16(16384, 0, -16384, -16384, 32767, -32768))))
                .containsExactly(0.25f, -0.5f, -0.5f / 32768f);
        assertThat(mono(chunk(AudioEncoding.F32LE, 48000, 2, f32(1f, 0f, 0.5f, -0.5f))))
                .containsExactly(0.5f, 0f);
    }

    @Test
    void theRecordsBufferIsNotConsumed() throws Exception {
        AudioChunk c = chunk(AudioEncoding.PCM_S16LE, 16000, 1, s16(1, 2, 3));
        mono(c);
        assertThat(c.getBytes().remaining()).isEqualTo(6);
        assertThat(mono(c)).hasSize(3);
    }

    @Test
    void eachBadKindHasItsReason() {
        assertThat(reason(chunk(AudioEncoding.PCM_S16LE, 16000, 1, new byte[0]))).isEqualTo("empty audio bytes");
        assertThat(reason(chunk(AudioEncoding.PCM_S16LE, 16000, 1, new byte[3])))
                .startsWith("truncated: 3 bytes is not a whole number of 2-byte frames");
        assertThat(reason(chunk(AudioEncoding.PCM_S16LE, 16000, 2, new byte[6])))
                .startsWith("truncated: 6 bytes is not a whole number of 4-byte frames");
        assertThat(reason(chunk(AudioEncoding.F32LE, 16000, 2, new byte[12])))
                .startsWith("truncated: 12 bytes is not a whole number of 8-byte frames");
        assertThat(reason(chunk(AudioEncoding.PCM_S16LE, 16000, 0, new byte[4])))
                .isEqualTo("unsupported channel count 0 (1 or 2)");
        assertThat(reason(chunk(AudioEncoding.PCM_S16LE, 16000, 3, new byte[6])))
                .isEqualTo("unsupported channel count 3 (1 or 2)");
        assertThat(reason(chunk(AudioEncoding.PCM_S16LE, 7999, 1, new byte[4])))
                .isEqualTo("sample rate 7999 Hz outside [8000, 192000]");
        assertThat(reason(chunk(AudioEncoding.PCM_S16LE, 192001, 1, new byte[4])))
                .isEqualTo("sample rate 192001 Hz outside [8000, 192000]");
        assertThat(reason(chunk(AudioEncoding.F32LE, 16000, 1, f32(0f, 1f, Float.NaN, 0f))))
                .isEqualTo("non-finite sample at index 2");
        assertThat(reason(chunk(AudioEncoding.F32LE, 16000, 2, f32(0f, Float.NEGATIVE_INFINITY))))
                .isEqualTo("non-finite sample at index 1");
    }

    @Test
    void chunksOverTheLimitsAreRefusedBeforeDecoding() {
        AudioLimits oneSecond = new AudioLimits(1, 1 << 20);
        assertThatThrownBy(() -> AudioDecoder.toMono(chunk(AudioEncoding.PCM_S16LE, 8000, 1, new byte[2 * 8001]),
                oneSecond)).isInstanceOf(FormatException.class)
                .hasMessage("audio chunk of 8001 frames exceeds the limit of 8000 frames (1 s at 8000 Hz)");
        AudioLimits small = new AudioLimits(10, 100);
        assertThatThrownBy(() -> AudioDecoder.toMono(chunk(AudioEncoding.PCM_S16LE, 8000, 1, new byte[102]), small))
                .isInstanceOf(FormatException.class)
                .hasMessage("audio chunk of 102 bytes exceeds the limit of 100 bytes");
        // exactly at the limits is fine
        org.assertj.core.api.Assertions.assertThatCode(() -> AudioDecoder.toMono(
                chunk(AudioEncoding.PCM_S16LE, 8000, 1, new byte[2 * 8000]), oneSecond)).doesNotThrowAnyException();
    }

    @Test
    void limitsAreValidated() {
        assertThat(AudioLimits.DEFAULT).isEqualTo(new AudioLimits(10, 8 << 20));
        assertThatThrownBy(() -> new AudioLimits(0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxChunkSeconds=0");
        assertThatThrownBy(() -> new AudioLimits(10, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBytes=-1");
    }

    @Test
    void encoderRoundTripsWithinHalfAStepAndClips() throws Exception {
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.1) * 0.9f;
        }
        AudioChunk c = AudioEncoder.pcm16("mic-1", 7, 1234, x, 22050);
        assertThat(c.getStreamId()).isEqualTo("mic-1");
        assertThat(c.getSequenceNumber()).isEqualTo(7);
        assertThat(c.getEventTime().toEpochMilli()).isEqualTo(1234);
        assertThat(c.getSampleRate()).isEqualTo(22050);
        assertThat(c.getChannels()).isEqualTo(1);
        assertThat(c.getEncoding()).isEqualTo(AudioEncoding.PCM_S16LE);
        float[] back = mono(c);
        for (int i = 0; i < x.length; i++) {
            assertThat(back[i]).isCloseTo(x[i], within(1f / 65536 + 1e-7f));
        }
        float[] clipped = mono(AudioEncoder.pcm16("m", 0, 0, new float[] {1.5f, -2f, 1f, Float.NaN}, 16000));
        assertThat(clipped).containsExactly(32767 / 32768f, -1f, 32767 / 32768f, 0f);
        // through Avro too
        AvroCodec<AudioChunk> codec = AvroCodec.of(AudioChunk.class);
        assertThat(mono(codec.decode(codec.encode(c)))).containsExactly(back);
    }
}
