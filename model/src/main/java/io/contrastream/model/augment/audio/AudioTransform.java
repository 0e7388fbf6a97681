package io.contrastream.model.augment.audio;

import io.contrastream.model.util.Rng;

/**
 * A random transform of a mono waveform (16 kHz floats), deterministic given the {@link Rng}'s state;
 * the input is never modified.
 *
 * <pre>{@code
 * AudioTransform t = new RandomCrop(6400).andThen(new Gain(-6, 6)).andThen(new WhiteNoise(10, 30));
 * float[] view = t.apply(wave, Rng.of(seed, recordId, view));
 * }</pre>
 */
@FunctionalInterface
public interface AudioTransform {
    float[] apply(float[] wave, Rng rng);

    /** This transform, then {@code next}, drawing from the same stream. */
    default AudioTransform andThen(AudioTransform next) {
        return (w, r) -> next.apply(apply(w, r), r);
    }

    /** Mean of x², the power of a signal (0 for an empty one). */
    static double power(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return x.length == 0 ? 0 : s / x.length;
    }
}
