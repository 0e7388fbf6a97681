package io.contrastream.model.data.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reading and writing RIFF/WAVE files (own parser, no javax.sound).
 *
 * <pre>{@code
 * WavFile.Wav w = WavFile.read(Path.of("yes.wav"));    // mono floats in [-1, 1] and the file's rate
 * WavFile.write(Path.of("out.wav"), w.samples(), w.sampleRate());   // PCM 16-bit mono
 * }</pre>
 *
 * <p>Read: PCM 16-bit (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format) and IEEE float 32-bit
 * (format 3, or extensible with the float sub-format), 1 or 2 channels; stereo becomes the mean of the
 * two channels, 16-bit samples are divided by 32768. Unknown chunks (LIST, fact, ...) are skipped. A
 * file that is not such a WAVE, or is truncated, gives an {@link IOException} naming the file and the
 * problem; a data chunk that declares more bytes than the file holds (a truncated file, or a size left
 * unset by a streaming writer) is such an error.
 */
public final class WavFile {
    private static final int FORMAT_PCM = 1;
    private static final int FORMAT_FLOAT = 3;
    private static final int FORMAT_EXTENSIBLE = 0xFFFE;

    private WavFile() {}

    /** A mono signal in [-1, 1] and its sample rate. */
    public record Wav(float[] samples, int sampleRate) {
        public double seconds() {
            return samples.length / (double) sampleRate;
        }
    }

    public static Wav read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        try {
            return parse(all);
        } catch (BadWav e) {
            throw new IOException("bad WAV file " + file + ": " + e.getMessage());
        }
    }

    private static final class BadWav extends Exception {
        private static final long serialVersionUID = 1L;

        BadWav(String why) {
            super(why);
        }
    }

    private static Wav parse(byte[] all) throws BadWav {
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 12) {
            throw new BadWav("truncated: " + all.length + " bytes, shorter than a RIFF header");
        }
        if (!tag(all, 0, "RIFF") || !tag(all, 8, "WAVE")) {
            throw new BadWav("not a RIFF/WAVE file (no RIFF....WAVE header)");
        }
        int pos = 12;
        int format = -1;
        int channels = 0;
        int rate = 0;
        int bits = 0;
        while (true) {
            if (pos + 8 > all.length) {
                throw new BadWav(format < 0 ? "truncated: no fmt chunk" : "truncated: no data chunk");
            }
            String id = new String(all, pos, 4, java.nio.charset.StandardCharsets.US_ASCII);
            long size = b.getInt(pos + 4) & 0xFFFFFFFFL;
            int body = pos + 8;
            long remaining = all.length - body;
            if (id.equals("fmt ")) {
                if (size < 16 || size > remaining) {
                    throw new BadWav("truncated or bad fmt chunk of " + size + " bytes (" + remaining + " remain)");
                }
                format = b.getShort(body) & 0xFFFF;
                channels = b.getShort(body + 2) & 0xFFFF;
                rate = b.getInt(body + 4);
                bits = b.getShort(body + 14) & 0xFFFF;
                if (format == FORMAT_EXTENSIBLE) {
                    if (size < 40) {
                        throw new BadWav("WAVE_FORMAT_EXTENSIBLE fmt chunk of " + size + " bytes, needs 40");
                    }
                    format = b.getShort(body + 24) & 0xFFFF;   // first two bytes of the sub-format GUID
                }
            } else if (id.equals("data")) {
                if (format < 0) {
                    throw new BadWav("data chunk before the fmt chunk");
                }
                if (size > remaining) {
                    throw new BadWav("truncated: the data chunk declares " + size + " bytes but only " + remaining
                            + " remain");
                }
                return decode(b, body, (int) size, format, channels, rate, bits);
            }
            if (size > remaining) {
                throw new BadWav("truncated: chunk '" + id.strip() + "' declares " + size + " bytes but only "
                        + remaining + " remain");
            }
            pos = (int) (body + size + (size & 1));   // chunks are padded to even sizes
        }
    }

    private static Wav decode(ByteBuffer b, int off, int size, int format, int channels, int rate, int bits)
            throws BadWav {
        if (channels != 1 && channels != 2) {
            throw new BadWav("unsupported channel count " + channels + " (1 or 2)");
        }
        if (rate <= 0) {
            throw new BadWav("bad sample rate " + rate);
        }
        int bytesPerSample;
        if (format == FORMAT_PCM && bits == 16) {
            bytesPerSample = 2;
        } else if (format == FORMAT_FLOAT && bits == 32) {
            bytesPerSample = 4;
        } else {
            throw new BadWav("unsupported encoding: format " + format + " with " + bits
                    + " bits (PCM 16-bit or IEEE float 32-bit)");
        }
        int frame = bytesPerSample * channels;
        int frames = size / frame;
        if (size % frame != 0 && size % frame != 1) {   // a trailing pad byte is tolerated
            throw new BadWav("truncated: " + size + " data bytes is not a whole number of " + frame + "-byte frames");
        }
        float[] out = new float[frames];
        for (int i = 0; i < frames; i++) {
            float s = 0;
            for (int ch = 0; ch < channels; ch++) {
                int p = off + i * frame + ch * bytesPerSample;
                s += bytesPerSample == 2 ? b.getShort(p) / 32768f : b.getFloat(p);
            }
            float v = channels == 1 ? s : s / 2;
            if (!Float.isFinite(v)) {
                throw new BadWav("non-finite sample at index " + i);
            }
            out[i] = v;
        }
        return new Wav(out, rate);
    }

    private static boolean tag(byte[] a, int off, String t) {
        for (int i = 0; i < 4; i++) {
            if (a[off + i] != t.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Writes {@code mono} (clipped to [-1, 1]) as a PCM 16-bit mono WAVE file. */
    public static void write(Path file, float[] mono, int sampleRate) throws IOException {
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        }
        int data = mono.length * 2;
        ByteBuffer b = ByteBuffer.allocate(44 + data).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + data)
                .put("WAVE".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(16).putShort((short) FORMAT_PCM)
                .putShort((short) 1).putInt(sampleRate).putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(data);
        for (float v : mono) {
            b.putShort(pcm16(v));
        }
        Files.write(file, b.array());
    }

    /** A sample in [-1, 1] as a signed 16-bit value (×32768, clipped; NaN → 0). */
    public static short pcm16(float v) {
        if (Float.isNaN(v)) {
            return 0;
        }
        long s = Math.round(v * 32768.0);
        return (short) Math.max(-32768, Math.min(32767, s));
    }
}
