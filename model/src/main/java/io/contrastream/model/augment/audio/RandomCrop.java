package io.contrastream.model.augment.audio;

import io.contrastream.model.util.Rng;

/**
 * A window of fixed length at a random offset: a crop of a longer input (offset uniform over the
 * length − window + 1 positions), or a shorter input shifted to a uniform random position inside
 * zeros (silence padding).
 *
 * <pre>{@code
 * float[] w = new RandomCrop(20480).apply(utterance, rng);   // always 20,480 samples
 * }</pre>
 */
public final class RandomCrop implements AudioTransform {
    private final int length;

    public RandomCrop(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("crop length must be >= 1, got " + length);
        }
        this.length = length;
    }

    public int length() {
        return length;
    }

    @Override
    public float[] apply(float[] wave, Rng rng) {
        float[] out = new float[length];
        if (wave.length >= length) {
            int offset = rng.nextInt(wave.length - length + 1);
            System.arraycopy(wave, offset, out, 0, length);
        } else {
            int offset = rng.nextInt(length - wave.length + 1);
            System.arraycopy(wave, 0, out, offset, wave.length);
        }
        return out;
    }
}
