package io.contrastream.codecs;

import io.contrastream.connectors.format.FormatException;
import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.connectors.format.avro.AudioEncoding;
import io.contrastream.connectors.format.avro.RecordAudio;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Turns an {@link AudioChunk} into mono float samples at the chunk's own sample rate, or says why it
 * cannot.
 *
 * <pre>{@code
 * float[] mono = AudioDecoder.toMono(chunk, AudioLimits.DEFAULT);   // throws FormatException(reason)
 * float[] at16k = resampler.process(mono);                          // Resampler(chunk.getSampleRate(), 16000)
 * }</pre>
 *
 * <p>Checks, in order and before decoding any sample: channels 1 or 2; sample rate within
 * [{@value #MIN_RATE}, {@value #MAX_RATE}] Hz; bytes not empty; at most {@link AudioLimits#maxBytes()}
 * bytes; a whole number of frames (bytes per sample × channels); at most
 * {@link AudioLimits#maxChunkSeconds()} × rate frames. PCM_S16LE samples are divided by 32768, F32LE
 * samples are taken as they are and must be finite. Every sample of every channel must satisfy
 * {@code |sample| ≤} {@link AudioLimits#maxSampleAbs()} ({@code max-sample-abs}, default 16): a huge but
 * finite F32LE value such as 1e30 would overflow to NaN in the model downstream. Stereo becomes the mean
 * of the two channels. The record's buffer is not consumed (a copy is decoded).
 */
public final class AudioDecoder {
    public static final int MIN_RATE = 8_000;
    public static final int MAX_RATE = 192_000;

    private AudioDecoder() {}

    /** The audio part of an {@code ImageRecord}, with the same checks as a chunk. */
    public static float[] toMono(RecordAudio a, AudioLimits limits) throws FormatException {
        return toMono(AudioChunk.newBuilder().setStreamId("").setSequenceNumber(0).setEventTime(java.time.Instant.EPOCH)
                .setSampleRate(a.getSampleRate()).setChannels(a.getChannels()).setEncoding(a.getEncoding())
                .setBytes(a.getBytes()).build(), limits);
    }

    public static float[] toMono(AudioChunk c, AudioLimits limits) throws FormatException {
        int channels = c.getChannels();
        int rate = c.getSampleRate();
        AudioEncoding enc = c.getEncoding();
        if (channels != 1 && channels != 2) {
            throw new FormatException("unsupported channel count " + channels + " (1 or 2)");
        }
        if (rate < MIN_RATE || rate > MAX_RATE) {
            throw new FormatException("sample rate " + rate + " Hz outside [" + MIN_RATE + ", " + MAX_RATE + "]");
        }
        if (enc == null) {
            throw new FormatException("missing audio encoding");
        }
        ByteBuffer buf = c.getBytes();
        int n = buf == null ? 0 : buf.remaining();
        if (n == 0) {
            throw new FormatException("empty audio bytes");
        }
        if (n > limits.maxBytes()) {
            throw new FormatException("audio chunk of " + n + " bytes exceeds the limit of " + limits.maxBytes()
                    + " bytes");
        }
        int bytesPerSample = enc == AudioEncoding.PCM_S16LE ? 2 : 4;
        int frame = bytesPerSample * channels;
        if (n % frame != 0) {
            throw new FormatException("truncated: " + n + " bytes is not a whole number of " + frame + "-byte frames ("
                    + enc + ", " + channels + " channel" + (channels == 1 ? "" : "s") + ")");
        }
        int frames = n / frame;
        long maxFrames = (long) limits.maxChunkSeconds() * rate;
        if (frames > maxFrames) {
            throw new FormatException("audio chunk of " + frames + " frames exceeds the limit of " + maxFrames
                    + " frames (" + limits.maxChunkSeconds() + " s at " + rate + " Hz)");
        }
        byte[] bytes = new byte[n];
        buf.duplicate().get(bytes);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[frames];
        double bound = limits.maxSampleAbs();
        if (enc == AudioEncoding.PCM_S16LE) {
            if (bound < 1) {   // PCM samples lie in [-1, 1): only a bound below full scale can refuse them
                for (int i = 0; i < frames * channels; i++) {
                    checkBound(b.getShort(2 * i) / 32768f, i, bound);
                }
            }
            for (int i = 0; i < frames; i++) {
                out[i] = channels == 1 ? b.getShort(2 * i) / 32768f
                        : (b.getShort(4 * i) / 32768f + b.getShort(4 * i + 2) / 32768f) * 0.5f;
            }
        } else {
            for (int i = 0; i < frames * channels; i++) {
                float v = b.getFloat(4 * i);
                if (!Float.isFinite(v)) {
                    throw new FormatException("non-finite sample at index " + i);
                }
                checkBound(v, i, bound);
            }
            for (int i = 0; i < frames; i++) {
                out[i] = channels == 1 ? b.getFloat(4 * i) : (b.getFloat(8 * i) + b.getFloat(8 * i + 4)) * 0.5f;
                if (!Float.isFinite(out[i])) {   // two huge finite samples can overflow their sum (infinite bound)
                    throw new FormatException("non-finite sample at index " + (i * channels));
                }
            }
        }
        return out;
    }

    private static void checkBound(float v, int index, double bound) throws FormatException {
        if (Math.abs(v) > bound) {
            throw new FormatException("sample " + v + " at index " + index + " exceeds max-sample-abs " + bound
                    + " (|sample| bound of the audio limits)");
        }
    }
}
