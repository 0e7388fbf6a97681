package io.contrastream.model.data.audio;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The band-limited interpolation kernel of a sample-rate conversion {@code fromRate → toRate}: a
 * Kaiser-windowed sinc low-pass, tabulated per polyphase branch. Shared by the streaming
 * {@code io.contrastream.codecs.Resampler} and by {@link #resample(float[], int, int)} (the
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
 *   <li>the {@code L} branches are tabulated when {@code L·2W ≤ 2^20} floats (all the usual audio rates:
 *       {@link #isExact()}, the taps are the formula's, rounded to float). For awkward ratios (e.g.
 *       191,999 → 16,000 Hz: {@code L} = 16,000, {@code W} = 405) the formula is tabulated instead at
 *       {@code P + 1} evenly spaced fractional positions ({@link #tabulatedPhases()} = P, a power of two,
 *       at most {@value #MAX_PHASES}, with {@code (P+1)·2W ≤ 2^20}) and each branch is the linear
 *       interpolation of its two neighbouring rows — a fixed cost per output sample (about twice a
 *       tabulated branch's) instead of {@code 2W} Bessel functions. Rows at fractional positions
 *       {@code 0, 1/P, …} and branch 0 equal the formula's taps; between them the interpolation error,
 *       about {@code (π·c/P)²/8} relative, is below float rounding: measured against
 *       {@link #directBranch(int)}, at most 6e-8 per tap and 2.2e-7 summed over a branch (so at most 2.2e-7
 *       per output sample for inputs in [-1, 1]) for 191,999 ↔ 8,000/16,000 Hz, 8,001 → 16,000 Hz and
 *       similar ratios.
 * </ul>
 * Kernels are immutable and cached per rate pair ({@link #of}); every table is built once, in the
 * constructor.
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
    /** Most fractional positions an interpolated table holds (more would not reduce the error visibly). */
    public static final int MAX_PHASES = 4096;
    private static final int MAX_TABLE_FLOATS = 1 << 20;
    /** Branch evaluations of the formula, JVM-wide: lets tests see that no output sample computes a filter. */
    private static final AtomicLong FORMULA_BRANCHES = new AtomicLong();
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
    /** Exact mode: the L branches; else null. */
    private final float[][] table;
    /** Interpolated mode: rows at fractional positions i/P, i = 0..P, window closed at |t| = W; else null. */
    private final float[][] rows;
    /** Interpolated mode: branch 0 as the formula gives it (the window is open at |t| = W, unlike row 0). */
    private final float[] branch0;

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
            rows = null;
            branch0 = null;
        } else {
            table = null;
            int p = (int) Math.min(MAX_PHASES, Math.max(1, MAX_TABLE_FLOATS / (2L * half) - 1));
            p = Integer.highestOneBit(p);
            // closed window: the rows are the one-sided limits at fractions 0 and 1, so that interpolating
            // towards them stays smooth (the formula's outer tap jumps to 0 exactly at fraction 0)
            rows = new float[p + 1][];
            for (int i = 0; i <= p; i++) {
                rows[i] = compute(i / (double) p, true);
            }
            branch0 = compute(0);
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

    /** Whether every branch is the formula's (tabulated per branch), not interpolated between rows. */
    public boolean isExact() {
        return table != null;
    }

    /** Rows of the table: L branches when {@link #isExact()}, else P fractional positions (P + 1 rows). */
    public int tabulatedPhases() {
        return table != null ? up : rows.length - 1;
    }

    /**
     * The 2W taps of branch {@code phase} (0 ≤ phase &lt; L): tap j weighs input floor(kM/L)-W+1+j. These
     * are exactly the taps {@link #apply} uses. Tabulated branches are shared: do not modify the array.
     */
    public float[] branch(int phase) {
        if (table != null) {
            return table[phase];
        }
        if (phase == 0) {
            return branch0;
        }
        int n = 2 * half;
        float[] h = new float[n];
        int i = row(phase);
        double a = weight(phase, i);
        float[] h0 = rows[i];
        float[] h1 = rows[i + 1];
        for (int j = 0; j < n; j++) {
            h[j] = (float) (h0[j] + a * (h1[j] - h0[j]));
        }
        return h;
    }

    /**
     * Branch {@code phase} straight from the formula, whatever the table holds: the reference that
     * {@link #branch} equals when {@link #isExact()} and approximates otherwise (for tests and checks;
     * it costs 2W Bessel functions).
     */
    public float[] directBranch(int phase) {
        if (phase < 0 || phase >= up) {
            throw new IllegalArgumentException("phase " + phase + " outside [0, " + up + ")");
        }
        return compute(phase);
    }

    /** One output sample: the dot product of branch {@code phase} with {@code x[base .. base+2W)}. */
    public float apply(float[] x, int base, int phase) {
        double s = 0;
        if (table != null || phase == 0) {
            float[] h = table != null ? table[phase] : branch0;
            for (int j = 0; j < h.length; j++) {
                s += (double) x[base + j] * h[j];
            }
            return (float) s;
        }
        // the same taps as branch(phase), formed on the fly (no allocation per output sample)
        int i = row(phase);
        double a = weight(phase, i);
        float[] h0 = rows[i];
        float[] h1 = rows[i + 1];
        for (int j = 0; j < h0.length; j++) {
            float h = (float) (h0[j] + a * (h1[j] - h0[j]));
            s += (double) x[base + j] * h;
        }
        return (float) s;
    }

    /** Interpolated mode: the row at or below branch {@code phase}'s fractional position phase/L. */
    private int row(int phase) {
        return (int) ((long) phase * (rows.length - 1) / up);
    }

    /** Interpolated mode: how far (0 ≤ a &lt; 1) branch {@code phase} lies from row i towards row i + 1. */
    private double weight(int phase, int i) {
        long p = rows.length - 1;
        return ((long) phase * p - (long) i * up) / (double) up;
    }

    /** Branch evaluations of the formula so far in this JVM (construction included). */
    static long formulaBranches() {
        return FORMULA_BRANCHES.get();
    }

    private float[] compute(int phase) {
        return compute(phase / (double) up, false);
    }

    /**
     * The formula's normalised taps at fractional position {@code frac}; {@code closed} keeps the window's
     * end point |t| = W (its one-sided limit) instead of dropping it.
     */
    private float[] compute(double frac, boolean closed) {
        FORMULA_BRANCHES.incrementAndGet();
        int n = 2 * half;
        double[] h = new double[n];
        double sum = 0;
        for (int j = 0; j < n; j++) {
            double t = frac + half - 1 - j;
            double r = t / half;
            double v = 0;
            if (Math.abs(r) < 1 || (closed && Math.abs(r) == 1)) {
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
