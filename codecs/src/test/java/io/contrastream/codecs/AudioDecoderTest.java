package io.contrastream.codecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.FormatException;
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
    void hugeButFiniteSamplesAreRefusedNamingTheBound() throws Exception {
        // 1e30 is finite, but CPC's arithmetic on it overflows to NaN downstream
        assertThat(reason(chunk(AudioEncoding.F32LE, 16000, 1, f32(0f, 0.5f, 1e30f))))
                .contains("max-sample-abs").contains("16.0").contains("index 2").contains("1.0E30");
        assertThat(reason(chunk(AudioEncoding.F32LE, 48000, 2, f32(0.1f, 0.2f, -16.5f, 0f))))
                .contains("max-sample-abs").contains("index 2");
        // two samples that would average to within the bound are still refused one by one
        assertThat(reason(chunk(AudioEncoding.F32LE, 48000, 2, f32(20f, -20f)))).contains("max-sample-abs");
        // exactly at the bound is fine
        assertThat(mono(chunk(AudioEncoding.F32LE, 16000, 1, f32(16f, -16f)))).containsExactly(16f, -16f);
        // the job's own bound, through the 3-arg constructor
        AudioLimits loose = new AudioLimits(10, 8 << 20, 1e31);
        assertThat(AudioDecoder.toMono(chunk(AudioEncoding.F32LE, 16000, 1, f32(1e30f)), loose)).containsExactly(1e30f);
        AudioLimits tight = new AudioLimits(10, 8 << 20, 0.25);
        assertThatThrownBy(() -> AudioDecoder.toMono(chunk(AudioEncoding.PCM_S16LE, 16000, 1, s16(0, 16384)), tight))
                .isInstanceOf(FormatException.class).hasMessageContaining("max-sample-abs 0.25")
                .hasMessageContaining("index 1");
        AudioLimits none = AudioLimits.DEFAULT.withMaxSampleAbs(Double.POSITIVE_INFINITY);   // finiteness only
        assertThat(AudioDecoder.toMono(chunk(AudioEncoding.F32LE, 16000, 1, f32(3e38f)), none)).containsExactly(3e38f);
        assertThatThrownBy(() -> AudioDecoder.toMono(chunk(AudioEncoding.F32LE, 16000, 1, f32(Float.NaN)), none))
                .hasMessage("non-finite sample at index 0");
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
        // the 2-arg constructor keeps working, with the default sample bound
        assertThat(AudioLimits.DEFAULT.maxSampleAbs()).isEqualTo(16.0);
        assertThat(new AudioLimits(5, 100).maxSampleAbs()).isEqualTo(AudioLimits.DEFAULT_MAX_SAMPLE_ABS);
        assertThat(new AudioLimits(5, 100, 2.5)).isEqualTo(new AudioLimits(5, 100).withMaxSampleAbs(2.5));
        for (double bad : new double[] {0, -1, Double.NaN}) {
            assertThatThrownBy(() -> new AudioLimits(10, 100, bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxSampleAbs=");
        }
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
