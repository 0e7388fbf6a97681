package io.contrastream.codecs;

/**
 * Bounds on input audio chunks: size and duration checked before any sample is decoded, sample
 * magnitude while decoding.
 *
 * <pre>{@code
 * float[] mono = AudioDecoder.toMono(chunk, AudioLimits.DEFAULT);
 * AudioLimits strict = new AudioLimits(10, 8 << 20, 4.0);   // max-sample-abs 4
 * }</pre>
 *
 * @param maxChunkSeconds longest chunk accepted, in seconds at the chunk's own sample rate
 * @param maxBytes largest sample payload accepted
 * @param maxSampleAbs largest |sample| accepted (job setting {@code max-sample-abs}): huge but finite
 *     F32LE samples (1e30) overflow the model's arithmetic to NaN downstream, so they are refused here;
 *     {@code Double.POSITIVE_INFINITY} leaves only the finiteness check
 */
public record AudioLimits(int maxChunkSeconds, int maxBytes, double maxSampleAbs) implements java.io.Serializable {
    /** Default {@link #maxSampleAbs()}: 24 dB above full scale, far above real audio, far below overflow. */
    public static final double DEFAULT_MAX_SAMPLE_ABS = 16.0;
    /** 10 seconds, 8 MiB and |sample| ≤ 16. */
    public static final AudioLimits DEFAULT = new AudioLimits(10, 8 << 20);

    public AudioLimits {
        if (maxChunkSeconds <= 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("audio limits must be positive: maxChunkSeconds=" + maxChunkSeconds
                    + " maxBytes=" + maxBytes);
        }
        if (!(maxSampleAbs > 0)) {   // NaN too
            throw new IllegalArgumentException("audio limits must be positive: maxSampleAbs=" + maxSampleAbs);
        }
    }

    /** The size limits with the default sample bound {@value #DEFAULT_MAX_SAMPLE_ABS}. */
    public AudioLimits(int maxChunkSeconds, int maxBytes) {
        this(maxChunkSeconds, maxBytes, DEFAULT_MAX_SAMPLE_ABS);
    }

    public AudioLimits withMaxSampleAbs(double bound) {
        return new AudioLimits(maxChunkSeconds, maxBytes, bound);
    }
}
