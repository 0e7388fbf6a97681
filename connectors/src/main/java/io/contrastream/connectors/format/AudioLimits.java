package io.contrastream.connectors.format;

/**
 * Bounds on input audio chunks, checked before any sample is decoded.
 *
 * <pre>{@code
 * float[] mono = AudioDecoder.toMono(chunk, AudioLimits.DEFAULT);
 * }</pre>
 *
 * @param maxChunkSeconds longest chunk accepted, in seconds at the chunk's own sample rate
 * @param maxBytes largest sample payload accepted
 */
public record AudioLimits(int maxChunkSeconds, int maxBytes) implements java.io.Serializable {
    /** 10 seconds and 8 MiB. */
    public static final AudioLimits DEFAULT = new AudioLimits(10, 8 << 20);

    public AudioLimits {
        if (maxChunkSeconds <= 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("audio limits must be positive: maxChunkSeconds=" + maxChunkSeconds
                    + " maxBytes=" + maxBytes);
        }
    }
}
