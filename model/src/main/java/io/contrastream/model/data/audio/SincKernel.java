package io.contrastream.model.data.audio;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The band-limited interpolation kernel of a sample-rate conversion {@code fromRate → toRate}: a
 * Kaiser-windowed sinc low-pass, tabulated per polyphase branch. Shared by the streaming
 * {@code io.contrastream.connectors.format.Resampler} and by {@link #resample(float[], int, int)} (the
 * whole-signal conversion {@link WavFolderReader} uses), so both compute the same coefficients.
 *
 * <p>The filter:
 * <ul>
 *   <li>ratio: {@code toRate/fromRate} reduced by their gcd to {@code L/M}; output sample {@code k} sits at
 *       input position {@code k·M/L} (exact rational arithmetic, any ratio);
 *   <li>cutoff: {@code fc = 0.5 · min(fromRate, toRate) · 0.95} Hz, i.e. an anti-aliasing low-pass 5 % below
 *       the lower Nyquist frequency (normalised to the input rate: {@code c = 2·fc/fromRate});
 *   <li>kernel: {@code h(t) = c·sinc(c·t)·w(t/W)} over the input-sample offset {@code t}, {@code |t| < W},
 *       with {@link #ZERO_CROSSINGS} = 32 zero crossings of the cutoff sinc on each side, so the half-width
 *       is {@code W = ceil(32 / c)} input samples ({@code 2W} taps per output: 94 for 22,050 → 16,000 Hz,
 *       68 for 8,000 → 16,000 Hz);
 *   <li>window: Kaiser, β = {@link #BETA} = 8 (about 80 dB stop-band attenuation). Measured for
 *       22,050 → 16,000 Hz: 0.00 dB at 1 and 7 kHz, −6 dB at the cutoff 7.6 kHz, below −80 dB from 8.2 kHz
 *       (−91 dB at 10 kHz);
 *   <li>each polyphase branch is normalised to a sum of 1 (DC gain exactly 1);
 *   <li>the {@code L} branches are tabulated when {@code L·2W ≤ 2^20} floats (all the usual audio rates),
 *       else computed per output sample (slow but exact, for odd ratios).
 * </ul>
 * Kernels are immutable and cached per rate pair ({@link #of}).
 */
public final class SincKernel {
    /** Zero crossings of the cutoff sinc on each side of the kernel's centre. */
    public static final int ZERO_CROSSINGS = 32;
    /** Kaiser window shape. */
    public static final double BETA = 8.0;
    /** Cutoff as a fraction of the lower Nyquist frequency. */
    public static final double CUTOFF = 0.95;
    /** Sample rates accepted by the resamplers. */
    public static final int MIN_RATE = 1;
    private static final int MAX_TABLE_FLOATS = 1 << 20;
    private static final Map<Long, SincKernel> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, SincKernel> e) {
            return size() > 16;
        }
    };

    private final int fromRate;
    private final int toRate;
    private final int up;
    private final int down;
    private final int half;
    private final double c;
    private final double i0Beta;
    private final float[][] table;

    private SincKernel(int fromRate, int toRate) {
        if (fromRate < MIN_RATE || toRate < MIN_RATE) {
            throw new IllegalArgumentException("sample rates must be positive, got " + fromRate + " -> " + toRate);
        }
        this.fromRate = fromRate;
        this.toRate = toRate;
        int g = gcd(fromRate, toRate);
        this.up = toRate / g;
        this.down = fromRate / g;
        this.c = CUTOFF * Math.min(fromRate, toRate) / fromRate;
        // W > M/L always (W ≈ 33.7·M/L when downsampling), so consecutive outputs never skip unread input
        this.half = Math.max((int) Math.ceil(ZERO_CROSSINGS / c), (down + up - 1) / up + 1);
        this.i0Beta = besselI0(BETA);
        if ((long) up * 2 * half <= MAX_TABLE_FLOATS) {
            table = new float[up][];
            for (int p = 0; p < up; p++) {
                table[p] = compute(p);
            }
        } else {
            table = null;
        }
    }

    /** The (cached) kernel for {@code fromRate → toRate}. */
    public static SincKernel of(int fromRate, int toRate) {
        long key = ((long) fromRate << 32) | (toRate & 0xFFFFFFFFL);
        synchronized (CACHE) {
            SincKernel k = CACHE.get(key);
            if (k == null) {
                k = new SincKernel(fromRate, toRate);
                CACHE.put(key, k);
            }
            return k;
        }
    }

    public int fromRate() {
        return fromRate;
    }

    public int toRate() {
        return toRate;
    }

    /** L: output samples per {@link #downFactor()} input samples. */
    public int upFactor() {
        return up;
    }

    /** M. */
    public int downFactor() {
        return down;
    }

    /** W: the kernel's half-width in input samples; output k reads inputs floor(kM/L)-W+1 .. floor(kM/L)+W. */
    public int halfWidth() {
        return half;
    }

    /** The cutoff frequency in Hz. */
    public double cutoffHz() {
        return c * fromRate / 2;
    }

    /** The 2W taps of branch {@code phase} (0 ≤ phase < L): tap j weighs input floor(kM/L)-W+1+j. */
    public float[] branch(int phase) {
        return table != null ? table[phase] : compute(phase);
    }

    /** One output sample: the dot product of branch {@code phase} with {@code x[base .. base+2W)}. */
    public float apply(float[] x, int base, int phase) {
        float[] h = branch(phase);
        double s = 0;
        for (int j = 0; j < h.length; j++) {
            s += (double) x[base + j] * h[j];
        }
        return (float) s;
    }

    private float[] compute(int phase) {
        double frac = phase / (double) up;
        int n = 2 * half;
        double[] h = new double[n];
        double sum = 0;
        for (int j = 0; j < n; j++) {
            double t = frac + half - 1 - j;
            double r = t / half;
            double v = 0;
            if (Math.abs(r) < 1) {
                double ct = c * t;
                double sinc = ct == 0 ? 1 : Math.sin(Math.PI * ct) / (Math.PI * ct);
                v = c * sinc * besselI0(BETA * Math.sqrt(1 - r * r)) / i0Beta;
            }
            h[j] = v;
            sum += v;
        }
        float[] out = new float[n];
        for (int j = 0; j < n; j++) {
            out[j] = (float) (h[j] / sum);
        }
        return out;
    }

    /** Modified Bessel function of the first kind, order 0 (power series). */
    static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 500; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < 1e-17 * sum) {
                break;
            }
        }
        return sum;
    }

    static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /**
     * Whole-signal conversion, the tail included: zeros are assumed before and after {@code x}, and the
     * output has {@code ceil(N·L/M)} samples (output k at input position k·M/L &lt; N). Returns {@code x}
     * itself when the rates are equal. (The streaming resampler's {@code resample} stops W input samples
     * earlier, where its streaming output stops; its {@code process} + {@code flush} gives this output.)
     */
    public static float[] resample(float[] x, int fromRate, int toRate) {
        if (fromRate == toRate) {
            if (fromRate < MIN_RATE) {
                throw new IllegalArgumentException("sample rates must be positive, got " + fromRate + " -> " + toRate);
            }
            return x;
        }
        SincKernel k = of(fromRate, toRate);
        int w = k.half;
        long outLen = ((long) x.length * k.up + k.down - 1) / k.down;
        if (outLen > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("resampled signal too long: " + outLen + " samples");
        }
        float[] padded = new float[x.length + 2 * w];
        System.arraycopy(x, 0, padded, w - 1, x.length);
        float[] out = new float[(int) outLen];
        long ipos = 0;
        int phase = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = k.apply(padded, (int) ipos, phase);
            phase += k.down;
            ipos += phase / k.up;
            phase %= k.up;
        }
        return out;
    }
}
