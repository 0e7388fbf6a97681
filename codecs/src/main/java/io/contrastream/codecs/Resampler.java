package io.contrastream.codecs;

import io.contrastream.model.data.audio.SincKernel;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Band-limited sample-rate conversion of one audio stream, chunk by chunk, with a state small enough to
 * keep in Flink keyed state between chunks.
 *
 * <pre>{@code
 * Resampler r = state == null ? new Resampler(22050, 16000) : Resampler.fromState(state);
 * float[] out = r.process(AudioDecoder.toMono(chunk, limits));   // the 16 kHz samples computable now
 * state = r.exportState();
 * }</pre>
 *
 * <p><b>Filter</b> ({@link SincKernel}): a Kaiser-windowed sinc (β = 8, about 80 dB stop band) with its
 * cutoff at {@code 0.5 · min(from, to) · 0.95} Hz — an anti-aliasing low-pass when downsampling, the
 * interpolation filter when upsampling — and 32 zero crossings on each side: half-width
 * {@code W = ceil(32 / c)} input samples, {@code c = 0.95·min(from,to)/from}, i.e. 2W taps per output
 * sample (22,050 → 16,000 Hz: W = 47, 94 taps; 8,000 → 16,000 Hz: W = 34, 68 taps; 48,000 → 16,000 Hz:
 * W = 102). Any ratio: {@code to/from} is reduced to {@code L/M}, output k sits exactly at input position
 * {@code k·M/L} (polyphase branches, tabulated for the usual rates; for awkward ratios such as 191,999 →
 * 16,000 Hz interpolated from a fixed table of fractional positions, within 2.2e-7 of the formula —
 * see {@link SincKernel}). No output sample computes a filter: each costs 2W multiply-adds (about twice
 * that when interpolated). Each branch has DC gain 1.
 *
 * <p><b>Timing</b>: the filter is zero-phase — output k is aligned with input time {@code k·M/L}, and
 * the stream is taken to be preceded by zeros. Output k needs the inputs up to {@code floor(k·M/L)+W},
 * so {@link #process} lags the input by {@link #latencyInputSamples()} = W input samples (2.1 ms at
 * 22,050 Hz); those outputs come with the next chunk.
 *
 * <p><b>Chunking does not matter</b>: feeding x in any chunks through {@link #process} (with any
 * {@link #exportState()} / {@link #fromState(byte[])} in between) gives, concatenated, exactly the same
 * floats as {@link #resample(float[], int, int)} = {@code new Resampler(from, to).process(x)}. Its tail:
 * the outputs whose taps reach past the end of x (the last ~W input samples) are not produced;
 * {@link #flush()} produces them assuming zeros follow, for a stream that ends. When the rates are
 * equal the resampler is the identity: {@code process} returns its argument itself (no copy, no lag).
 *
 * <p>Not thread-safe; one instance per stream.
 */
public final class Resampler {
    private static final int MAGIC = 0x43535231;   // "CSR1"
    private final int fromRate;
    private final int toRate;
    private final SincKernel kernel;   // null: identity
    private final int half;
    private final int up;
    private final int down;
    /** buf[0] is input sample number bufStart (negative numbers are the zeros before the stream). */
    private float[] buf;
    private int len;
    private long bufStart;
    /** The next output's input position: ipos + phase / up. */
    private long ipos;
    private int phase;
    private boolean flushed;

    public Resampler(int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, got " + fromRate + " -> " + toRate);
        }
        this.fromRate = fromRate;
        this.toRate = toRate;
        if (fromRate == toRate) {
            kernel = null;
            half = 0;
            up = 1;
            down = 1;
            buf = new float[0];
            return;
        }
        kernel = SincKernel.of(fromRate, toRate);
        half = kernel.halfWidth();
        up = kernel.upFactor();
        down = kernel.downFactor();
        len = half - 1;
        bufStart = -(half - 1);
        buf = new float[Math.max(64, 4 * half)];
    }

    public int fromRate() {
        return fromRate;
    }

    public int toRate() {
        return toRate;
    }

    /** How many input samples {@link #process} holds back (W; 0 for the identity). */
    public int latencyInputSamples() {
        return half;
    }

    /** Input samples consumed so far. */
    public long inputSamples() {
        return kernel == null ? -1 : bufStart + len;
    }

    /** Appends a chunk of the stream and returns the output samples now computable (possibly none). */
    public float[] process(float[] chunk) {
        if (kernel == null) {
            return chunk;
        }
        if (flushed) {
            throw new IllegalStateException("process after flush");
        }
        if (len + chunk.length > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(len + chunk.length, buf.length * 2));
        }
        System.arraycopy(chunk, 0, buf, len, chunk.length);
        len += chunk.length;
        return emit(bufStart + len - half);
    }

    /**
     * Ends the stream: returns the outputs still owed, computed as if zeros followed the input (outputs
     * at input positions before the end of the input: {@code ceil(N·L/M)} in all). No
     * {@link #process} afterwards. The identity returns an empty array.
     */
    public float[] flush() {
        if (kernel == null) {
            return new float[0];
        }
        if (flushed) {
            return new float[0];
        }
        long end = bufStart + len;
        float[] zeros = new float[half];
        if (len + half > buf.length) {
            buf = Arrays.copyOf(buf, len + half);
        }
        System.arraycopy(zeros, 0, buf, len, half);
        len += half;
        float[] out = emit(end);
        flushed = true;
        return out;
    }

    /** Emits every output whose integer input position is below {@code limit}; drops the unneeded input. */
    private float[] emit(long limit) {
        long avail = limit - ipos;
        if (avail <= 0) {
            return new float[0];
        }
        long n = (avail * up - phase + down - 1) / down;   // k ≥ 0 with ipos + (phase + k·M)/L < limit
        float[] out = new float[(int) n];
        int count = 0;
        while (ipos < limit) {
            out[count++] = kernel.apply(buf, (int) (ipos - half + 1 - bufStart), phase);
            phase += down;
            ipos += phase / up;
            phase %= up;
        }
        long keep = ipos - half + 1;
        int drop = (int) (keep - bufStart);
        if (drop > 0) {
            System.arraycopy(buf, drop, buf, 0, len - drop);
            len -= drop;
            bufStart = keep;
        }
        return count == out.length ? out : Arrays.copyOf(out, count);
    }

    /**
     * The stream's state: rates, position, and the last ~2W input samples (about 4·2W + 40 bytes, e.g.
     * 420 bytes for 22,050 → 16,000 Hz). {@link #fromState} continues identically.
     */
    public byte[] exportState() {
        if (flushed) {
            throw new IllegalStateException("exportState after flush");
        }
        int n = kernel == null ? 0 : len;
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 4 + 8 + 8 + 4 + 4 + 4 * n);
        b.putInt(MAGIC).putInt(fromRate).putInt(toRate).putLong(bufStart).putLong(ipos).putInt(phase).putInt(n);
        for (int i = 0; i < n; i++) {
            b.putFloat(buf[i]);
        }
        return b.array();
    }

    /** A resampler that continues the stream whose {@link #exportState()} this is. */
    public static Resampler fromState(byte[] state) {
        if (state == null || state.length < 36) {
            throw new IllegalArgumentException("bad resampler state: " + (state == null ? "null" : state.length + " bytes"));
        }
        ByteBuffer b = ByteBuffer.wrap(state);
        if (b.getInt() != MAGIC) {
            throw new IllegalArgumentException("bad resampler state: wrong magic number");
        }
        Resampler r = new Resampler(b.getInt(), b.getInt());
        long bufStart = b.getLong();
        long ipos = b.getLong();
        int phase = b.getInt();
        int n = b.getInt();
        if (n < 0 || b.remaining() != 4L * n) {
            throw new IllegalArgumentException("bad resampler state: " + n + " samples declared, "
                    + b.remaining() + " bytes left");
        }
        if (r.kernel == null) {
            return r;
        }
        if (phase < 0 || phase >= r.up || bufStart != ipos - r.half + 1 || n > 4 * r.half + r.down / r.up + 4) {
            throw new IllegalArgumentException("bad resampler state: inconsistent position");
        }
        r.bufStart = bufStart;
        r.ipos = ipos;
        r.phase = phase;
        r.len = n;
        if (n > r.buf.length) {
            r.buf = new float[n];
        }
        for (int i = 0; i < n; i++) {
            r.buf[i] = b.getFloat();
        }
        return r;
    }

    /**
     * Whole signal, exactly {@code new Resampler(fromRate, toRate).process(x)}: the same floats as any
     * chunked {@link #process}, without the last outputs that need input beyond x (see the class
     * comment); x itself when the rates are equal.
     */
    public static float[] resample(float[] x, int fromRate, int toRate) {
        return new Resampler(fromRate, toRate).process(x);
    }
}
