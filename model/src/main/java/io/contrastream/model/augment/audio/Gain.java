package io.contrastream.model.augment.audio;

import io.contrastream.model.util.Rng;

/**
 * Multiplies the waveform by 10^(g/20) with g uniform in [minDb, maxDb] decibels. No clipping: the
 * encoder takes any float, and clipping would add distortion this transform does not promise.
 *
 * <pre>{@code
 * float[] louder = new Gain(-6, 6).apply(wave, rng);
 * }</pre>
 */
public final class Gain implements AudioTransform {
    private final double minDb;
    private final double maxDb;

    public Gain(double minDb, double maxDb) {
        if (!(minDb <= maxDb) || !Double.isFinite(minDb) || !Double.isFinite(maxDb)) {
            throw new IllegalArgumentException("need finite minDb <= maxDb, got " + minDb + ", " + maxDb);
        }
        this.minDb = minDb;
        this.maxDb = maxDb;
    }

    @Override
    public float[] apply(float[] wave, Rng rng) {
        double db = minDb == maxDb ? minDb : rng.uniform(minDb, maxDb);
        float g = (float) Math.pow(10, db / 20);
        float[] out = new float[wave.length];
        for (int i = 0; i < wave.length; i++) {
            out[i] = wave[i] * g;
        }
        return out;
    }
}
