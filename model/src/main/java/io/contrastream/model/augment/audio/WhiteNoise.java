package io.contrastream.model.augment.audio;

import io.contrastream.model.util.Rng;

/**
 * Adds white Gaussian noise at a signal-to-noise ratio drawn uniformly from [minSnrDb, maxSnrDb]:
 * noise standard deviation σ = √(P / 10^(SNR/10)) with P = mean(x²) the power of the input, so
 * 10·log10(P / mean(noise²)) ≈ SNR (exactly so in expectation; within a fraction of a dB for
 * inputs of thousands of samples). A silent input (P = 0) is returned unchanged: no SNR is defined.
 *
 * <pre>{@code
 * float[] noisy = new WhiteNoise(20).apply(wave, rng);        // 20 dB SNR
 * float[] noisy2 = new WhiteNoise(5, 30).apply(wave, rng);    // uniform in [5, 30] dB
 * }</pre>
 */
public final class WhiteNoise implements AudioTransform {
    private final double minSnrDb;
    private final double maxSnrDb;

    public WhiteNoise(double snrDb) {
        this(snrDb, snrDb);
    }

    public WhiteNoise(double minSnrDb, double maxSnrDb) {
        if (!(minSnrDb <= maxSnrDb) || !Double.isFinite(minSnrDb) || !Double.isFinite(maxSnrDb)) {
            throw new IllegalArgumentException("need finite minSnrDb <= maxSnrDb, got " + minSnrDb + ", " + maxSnrDb);
        }
        this.minSnrDb = minSnrDb;
        this.maxSnrDb = maxSnrDb;
    }

    @Override
    public float[] apply(float[] wave, Rng rng) {
        double snr = minSnrDb == maxSnrDb ? minSnrDb : rng.uniform(minSnrDb, maxSnrDb);
        double p = AudioTransform.power(wave);
        float[] out = wave.clone();
        if (p == 0) {
            return out;
        }
        double sigma = Math.sqrt(p / Math.pow(10, snr / 10));
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (wave[i] + sigma * rng.nextGaussian());
        }
        return out;
    }
}
