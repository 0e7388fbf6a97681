package io.contrastream.model.augment.audio;

/**
 * Log-mel spectrogram of 16 kHz mono audio, the classic hand-made baseline for CPC's features.
 *
 * <pre>{@code
 * float[][] s = LogMel.frames(wave16k);   // F x 40, F = 1 + (n − 400) / 160
 * float[] v = LogMel.pooled(wave16k);     // 80: per-band mean over frames, then per-band std
 * }</pre>
 *
 * <p>Frames of {@value #WINDOW} samples (25 ms) every {@value #HOP} samples (10 ms), no centring or
 * padding: F = 1 + (n − 400) / 160 frames (integer division) for n ≥ 400; a shorter signal is
 * zero-padded to 400 samples (one frame). Each frame is multiplied by a periodic Hann window
 * w[i] = 0.5 − 0.5·cos(2πi/400), zero-padded to {@value #FFT} points and transformed with the
 * iterative radix-2 FFT below; the power spectrum |X_b|², b = 0..256 (bin b at b·31.25 Hz), is
 * weighted by {@value #BANDS} triangular filters (peak 1, no area normalisation) whose edges are
 * equally spaced on the HTK mel scale mel(f) = 2595·log10(1 + f/700) from 0 to 8,000 Hz: band m
 * (0-based) rises from edge m to its centre at edge m + 1 and falls to edge m + 2, the 42 edges
 * being mel⁻¹(j·mel(8000)/41), j = 0..41. Output: ln(band energy + 1e-6) (so silence gives
 * ln(1e-6) ≈ −13.8155).
 */
public final class LogMel {
    public static final int RATE = 16000;
    public static final int WINDOW = 400;
    public static final int HOP = 160;
    public static final int FFT = 512;
    public static final int BANDS = 40;
    public static final double FLOOR = 1e-6;
    public static final double MAX_HZ = 8000.0;

    private static final double[] HANN = new double[WINDOW];
    /** FILTERS[m][b]: weight of power bin b in band m. */
    private static final double[][] FILTERS = new double[BANDS][FFT / 2 + 1];
    private static final double[] COS = new double[FFT / 2];
    private static final double[] SIN = new double[FFT / 2];

    static {
        for (int i = 0; i < WINDOW; i++) {
            HANN[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / WINDOW);
        }
        double[] edges = new double[BANDS + 2];
        double top = hzToMel(MAX_HZ);
        for (int j = 0; j < edges.length; j++) {
            edges[j] = melToHz(j * top / (BANDS + 1));
        }
        for (int m = 0; m < BANDS; m++) {
            double lo = edges[m];
            double mid = edges[m + 1];
            double hi = edges[m + 2];
            for (int b = 0; b <= FFT / 2; b++) {
                double f = b * (double) RATE / FFT;
                double w = 0;
                if (f > lo && f <= mid) {
                    w = (f - lo) / (mid - lo);
                } else if (f > mid && f < hi) {
                    w = (hi - f) / (hi - mid);
                }
                FILTERS[m][b] = w;
            }
        }
        for (int i = 0; i < FFT / 2; i++) {
            COS[i] = Math.cos(2 * Math.PI * i / FFT);
            SIN[i] = -Math.sin(2 * Math.PI * i / FFT);
        }
    }

    private LogMel() {}

    /** HTK mel scale: 2595·log10(1 + f/700). */
    public static double hzToMel(double hz) {
        return 2595.0 * Math.log10(1.0 + hz / 700.0);
    }

    public static double melToHz(double mel) {
        return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
    }

    /** Centre frequency (Hz) of band {@code m} (0-based). */
    public static double centreHz(int m) {
        return melToHz((m + 1) * hzToMel(MAX_HZ) / (BANDS + 1));
    }

    /** Number of frames of an n-sample signal (see the class comment). */
    public static int frameCount(int n) {
        return n < WINDOW ? 1 : 1 + (n - WINDOW) / HOP;
    }

    /** F x 40 log-mel energies. */
    public static float[][] frames(float[] wave) {
        float[] x = wave.length < WINDOW ? java.util.Arrays.copyOf(wave, WINDOW) : wave;
        int f = frameCount(x.length);
        float[][] out = new float[f][BANDS];
        double[] re = new double[FFT];
        double[] im = new double[FFT];
        double[] power = new double[FFT / 2 + 1];
        for (int t = 0; t < f; t++) {
            int start = t * HOP;
            java.util.Arrays.fill(re, 0);
            java.util.Arrays.fill(im, 0);
            for (int i = 0; i < WINDOW; i++) {
                re[i] = x[start + i] * HANN[i];
            }
            fft(re, im);
            for (int b = 0; b <= FFT / 2; b++) {
                power[b] = re[b] * re[b] + im[b] * im[b];
            }
            for (int m = 0; m < BANDS; m++) {
                double e = 0;
                double[] w = FILTERS[m];
                for (int b = 0; b <= FFT / 2; b++) {
                    if (w[b] != 0) {
                        e += w[b] * power[b];
                    }
                }
                out[t][m] = (float) Math.log(e + FLOOR);
            }
        }
        return out;
    }

    /** 80 values: the 40 bands' means over frames, then their (population) standard deviations. */
    public static float[] pooled(float[] wave) {
        float[][] s = frames(wave);
        float[] out = new float[2 * BANDS];
        for (int m = 0; m < BANDS; m++) {
            double sum = 0;
            double sq = 0;
            for (float[] row : s) {
                sum += row[m];
                sq += (double) row[m] * row[m];
            }
            double mean = sum / s.length;
            out[m] = (float) mean;
            out[BANDS + m] = (float) Math.sqrt(Math.max(0, sq / s.length - mean * mean));
        }
        return out;
    }

    /** In-place iterative radix-2 decimation-in-time FFT of length {@value #FFT}. */
    static void fft(double[] re, double[] im) {
        int n = re.length;
        if (n != FFT) {
            throw new IllegalArgumentException("FFT length must be " + FFT);
        }
        for (int i = 1, j = 0; i < n; i++) { // bit reversal
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            int half = len >> 1;
            int step = n / len;
            for (int i = 0; i < n; i += len) {
                for (int k = 0; k < half; k++) {
                    double wr = COS[k * step];
                    double wi = SIN[k * step];
                    int a = i + k;
                    int b = a + half;
                    double xr = re[b] * wr - im[b] * wi;
                    double xi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
    }
}
