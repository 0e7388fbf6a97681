package io.contrastream.model.data.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WAV write → read round trips; float and stereo files read as mono; bad files name themselves. */
class WavFileTest {
    @TempDir
    Path dir;

    static float[] sine(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (0.8 * Math.sin(i * 0.05));
        }
        return x;
    }

    /** A WAVE file with an extra LIST chunk before the data. */
    static byte[] wav(int format, int channels, int rate, int bits, byte[] data) {
        byte[] list = "LIST\u0004\0\0\0INFO".getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(12 + 24 + list.length + 8 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(b.capacity() - 8).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) format).putShort((short) channels)
                .putInt(rate).putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8))
                .putShort((short) bits);
        b.put(list);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(data.length).put(data);
        return b.array();
    }

    @Test
    void writeThenReadRoundTripsWithin16BitQuantisation() throws IOException {
        float[] x = sine(5000);
        x[10] = 1.7f;   // clipped
        Path f = dir.resolve("a.wav");
        WavFile.write(f, x, 22050);
        assertThat(Files.size(f)).isEqualTo(44 + 2 * 5000);
        WavFile.Wav w = WavFile.read(f);
        assertThat(w.sampleRate()).isEqualTo(22050);
        assertThat(w.samples()).hasSize(5000);
        for (int i = 0; i < x.length; i++) {
            assertThat(w.samples()[i]).isCloseTo(Math.max(-1f, Math.min(1f, x[i])), within(1f / 32768 + 1e-6f));
        }
        assertThat(w.seconds()).isCloseTo(5000 / 22050.0, within(1e-9));
    }

    @Test
    void floatAndStereoFilesReadAsMono() throws IOException {
        ByteBuffer f = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f).putFloat(-0.25f)
                .putFloat(1f).putFloat(0f);
        Path mono = dir.resolve("f.wav");
        Files.write(mono, wav(3, 1, 48000, 32, f.array()));
        WavFile.Wav m = WavFile.read(mono);
        assertThat(m.sampleRate()).isEqualTo(48000);
        assertThat(m.samples()).containsExactly(0.5f, -0.25f, 1f, 0f);
        Path stereo = dir.resolve("s.wav");
        Files.write(stereo, wav(3, 2, 8000, 32, f.array()));
        assertThat(WavFile.read(stereo).samples()).containsExactly(0.125f, 0.5f);
        ByteBuffer s = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 16384)
                .putShort((short) 0).putShort((short) -32768).putShort((short) -32768);
        Path pcm = dir.resolve("p.wav");
        Files.write(pcm, wav(1, 2, 16000, 16, s.array()));
        assertThat(WavFile.read(pcm).samples()).containsExactly(0.25f, -1f);
    }

    @Test
    void badFilesGiveAnIOExceptionNamingTheFileAndTheProblem() throws IOException {
        Path good = dir.resolve("good.wav");
        WavFile.write(good, sine(1000), 16000);
        byte[] bytes = Files.readAllBytes(good);

        Path truncated = dir.resolve("truncated.wav");
        Files.write(truncated, Arrays.copyOf(bytes, 44 + 700));
        assertThatThrownBy(() -> WavFile.read(truncated)).isInstanceOf(IOException.class)
                .hasMessageContaining("truncated.wav").hasMessageContaining("truncated")
                .hasMessageContaining("declares 2000 bytes but only 700 remain");

        Path header = dir.resolve("header.wav");
        Files.write(header, Arrays.copyOf(bytes, 30));
        assertThatThrownBy(() -> WavFile.read(header)).isInstanceOf(IOException.class)
                .hasMessageContaining("header.wav").hasMessageContaining("truncated");

        Path text = dir.resolve("text.wav");
        Files.writeString(text, "this is not a wave file at all");
        assertThatThrownBy(() -> WavFile.read(text)).isInstanceOf(IOException.class)
                .hasMessageContaining("text.wav").hasMessageContaining("not a RIFF/WAVE file");

        Path eightBit = dir.resolve("u8.wav");
        Files.write(eightBit, wav(1, 1, 8000, 8, new byte[10]));
        assertThatThrownBy(() -> WavFile.read(eightBit)).isInstanceOf(IOException.class)
                .hasMessageContaining("u8.wav").hasMessageContaining("unsupported encoding");

        Path six = dir.resolve("six.wav");
        Files.write(six, wav(1, 6, 8000, 16, new byte[12]));
        assertThatThrownBy(() -> WavFile.read(six)).isInstanceOf(IOException.class)
                .hasMessageContaining("unsupported channel count 6");
    }
}
