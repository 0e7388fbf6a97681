package io.contrastream.codecs;

import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.connectors.format.avro.AudioEncoding;
import io.contrastream.connectors.format.avro.RecordAudio;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;

/**
 * Encodes mono float samples as {@link AudioChunk}s, as producers send them.
 *
 * <pre>{@code
 * AudioChunk c = AudioEncoder.pcm16("mic-3", seq, now, samples, 16000);
 * RecordAudio a = AudioEncoder.recordAudio(samples, 16000);   // an ImageRecord's audio part
 * }</pre>
 */
public final class AudioEncoder {
    private AudioEncoder() {}

    /**
     * One mono PCM_S16LE chunk: each sample clipped to [-1, 1], ×32768, rounded, clamped to 32767 (NaN
     * becomes 0), so {@link AudioDecoder} gives it back within 1/65536.
     */
    public static AudioChunk pcm16(String streamId, long sequenceNumber, long eventTimeMillis, float[] mono,
            int sampleRate) {
        ByteBuffer b = ByteBuffer.allocate(mono.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : mono) {
            b.putShort(toS16(v));
        }
        b.flip();
        return AudioChunk.newBuilder().setStreamId(streamId).setSequenceNumber(sequenceNumber)
                .setEventTime(Instant.ofEpochMilli(eventTimeMillis)).setSampleRate(sampleRate).setChannels(1)
                .setEncoding(AudioEncoding.PCM_S16LE).setBytes(b).build();
    }

    /** The audio part of an {@code ImageRecord}: mono PCM_S16LE, encoded as {@link #pcm16}. */
    public static RecordAudio recordAudio(float[] mono, int sampleRate) {
        AudioChunk c = pcm16("", 0, 0, mono, sampleRate);
        return RecordAudio.newBuilder().setSampleRate(sampleRate).setChannels(1).setEncoding(AudioEncoding.PCM_S16LE)
                .setBytes(c.getBytes()).build();
    }

    static short toS16(float v) {
        return io.contrastream.model.data.audio.WavFile.pcm16(v); // the same clip, scale and NaN → 0
    }
}
