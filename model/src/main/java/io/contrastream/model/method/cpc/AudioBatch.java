package io.contrastream.model.method.cpc;

/**
 * N audio windows of T samples each (mono, 16 kHz, float in [-1, 1]), row-major: window i is
 * {@code samples[i·T .. (i+1)·T)}.
 *
 * <pre>{@code
 * AudioBatch b = new AudioBatch(flat, 8, 6400);
 * }</pre>
 */
public record AudioBatch(float[] samples, int size, int length) {
    public AudioBatch {
        if (size < 1 || length < 1 || samples == null || (long) size * length != samples.length) {
            throw new IllegalArgumentException("an audio batch needs size x length samples, got " + size + " x "
                    + length + " for " + (samples == null ? "null" : samples.length + " samples"));
        }
    }

    /** Window {@code i} as a copy. */
    public float[] window(int i) {
        float[] w = new float[length];
        System.arraycopy(samples, i * length, w, 0, length);
        return w;
    }

    /** Stacks equally long windows. */
    public static AudioBatch of(float[]... windows) {
        int t = windows[0].length;
        float[] flat = new float[windows.length * t];
        for (int i = 0; i < windows.length; i++) {
            if (windows[i].length != t) {
                throw new IllegalArgumentException("window " + i + " has " + windows[i].length + " samples, not " + t);
            }
            System.arraycopy(windows[i], 0, flat, i * t, t);
        }
        return new AudioBatch(flat, windows.length, t);
    }
}
