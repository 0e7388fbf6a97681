package io.contrastream.model.method.cpc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.contrastream.model.encoder.audio.CpcEncoderConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * CPC inference on one audio stream, chunk by chunk, giving the same z_t and c_t as the whole
 * signal at once (up to float rounding).
 *
 * <pre>{@code
 * CpcStreamer s = cpc.newStreamer();                 // or new CpcStreamer(cpc) then importState(bytes)
 * CpcStreamer.Frames f = s.accept(chunk);            // any chunk size, 16 kHz mono in [-1, 1]
 * f.c()[i]; f.predictions()[i][k - 1]; f.surprise()[i];
 * byte[] keyed = s.exportState();                    // e.g. Flink keyed state
 * }</pre>
 *
 * <p>State (all plain Java arrays, exported by {@link #exportState()}): the samples not yet consumed
 * (frame j needs samples [hop·j, hop·j + receptive field); after a chunk, fewer than receptive-field
 * samples remain, at least receptive field − hop once a frame was emitted), the GRU hidden state
 * (H floats), the number of frames emitted, and the last K frames' z (K x C) and c (K x H) for the
 * surprise score. The model (weights) is not part of it: the streamer runs over its {@link Cpc}'s
 * current weights, so one model serves many streams.
 *
 * <p><b>Surprise</b> of frame t: how badly the predictions made for it k steps earlier match what
 * arrived, as CPC's InfoNCE loss against the stream's own recent past. With h = min(K, t) and
 * p_k = W_k c_{t−k}, the candidates are X_t = {z_t, z_{t−1}, …, z_{t−h}} and
 * <pre>
 *   surprise_t = (1/h) Σ_{k=1..h} −log( exp(z_tᵀ p_k) / Σ_{x ∈ X_t} exp(xᵀ p_k) )
 * </pre>
 * (natural log, in nats; chance level log(h + 1), = log 13 ≈ 2.56 with K = 12). It is NaN for the
 * first frame of a stream (t = 0: nothing predicted it yet). Computed in double precision.
 */
public final class CpcStreamer {
    private static final int MAGIC = 0x43504353; // "CPCS"
    private static final int VERSION = 1;

    /**
     * Frames emitted by one {@link #accept} call.
     *
     * @param firstFrame stream index of the first frame here
     * @param z F x C encodings
     * @param c F x H contexts
     * @param predictions F x K x C, predictions[i][k − 1] = W_k c of frame i (for frame i + k)
     * @param surprise F values (see the class comment)
     */
    public record Frames(long firstFrame, float[][] z, float[][] c, float[][][] predictions, float[] surprise) {
        public int size() {
            return z.length;
        }
    }

    private final Cpc model;
    private final CpcEncoderConfig cfg;
    private final int c;
    private final int h;
    private final int k;
    private float[] pending = new float[0];
    private float[] hidden;
    private long frames;
    private float[][] recentZ = new float[0][]; // oldest first, at most K
    private float[][] recentC = new float[0][];

    public CpcStreamer(Cpc model) {
        this.model = model;
        this.cfg = model.config();
        this.c = cfg.channels();
        this.h = cfg.gruUnits();
        this.k = cfg.predictionSteps();
        this.hidden = new float[h];
    }

    /** Frames emitted so far. */
    public long framesEmitted() {
        return frames;
    }

    /** Samples held back for the next frame. */
    public int pendingSamples() {
        return pending.length;
    }

    /** Adds samples and returns the frames they complete (possibly none). */
    public Frames accept(float[] chunk) {
        float[] buf = new float[pending.length + chunk.length];
        System.arraycopy(pending, 0, buf, 0, pending.length);
        System.arraycopy(chunk, 0, buf, pending.length, chunk.length);
        int f = cfg.frames(buf.length);
        if (f == 0) {
            pending = buf;
            return new Frames(frames, new float[0][], new float[0][], new float[0][][], new float[0]);
        }
        int use = cfg.samplesFor(f);
        int hist = recentZ.length;
        float[] zOut;
        float[] cOut;
        float[] pOut; // (hist + f) x K x C: predictions of the recent and the new contexts
        float[] hOut;
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager sm = model.manager().newSubManager()) {
            ParameterStore ps = new ParameterStore(sm, false);
            NDArray x = sm.create(java.util.Arrays.copyOf(buf, use), new Shape(1, 1, use));
            NDArray z = model.encoderBlock().encode(ps, x, false).transpose(0, 2, 1); // 1 x F x C
            NDList ar = model.encoderBlock().context(ps, z, sm.create(hidden, new Shape(1, 1, h)), false);
            NDArray cNew = ar.get(0); // 1 x F x H
            NDArray cAll = cNew;
            if (hist > 0) {
                cAll = NDArrays.concat(new NDList(sm.create(flatten(recentC), new Shape(1, hist, h)), cNew), 1);
            }
            NDArray pred = model.predictorBlock().forward(ps, new NDList(cAll), false).singletonOrThrow();
            zOut = z.toFloatArray();
            cOut = cNew.toFloatArray();
            pOut = pred.toFloatArray();
            hOut = ar.get(1).toFloatArray();
        } finally {
            JniUtils.setGradMode(was);
        }
        float[][] zf = rows(zOut, f, c);
        float[][] cf = rows(cOut, f, h);
        float[][][] pf = new float[f][k][c];
        for (int i = 0; i < f; i++) {
            for (int s = 0; s < k; s++) {
                System.arraycopy(pOut, ((hist + i) * k + s) * c, pf[i][s], 0, c);
            }
        }
        // surprise over the recent frames followed by the new ones
        float[][] zAll = concat(recentZ, zf);
        float[] surprise = new float[f];
        for (int i = 0; i < f; i++) {
            int at = hist + i; // index of frame (frames + i) in zAll / the prediction rows
            int avail = (int) Math.min(k, Math.min(frames + i, at));
            if (avail == 0) {
                surprise[i] = Float.NaN;
                continue;
            }
            double sum = 0;
            for (int s = 1; s <= avail; s++) {
                int predRow = at - s;
                int base = (predRow * k + (s - 1)) * c;
                double[] scores = new double[avail + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= avail; j++) {
                    float[] cand = zAll[at - j];
                    double d = 0;
                    for (int q = 0; q < c; q++) {
                        d += (double) cand[q] * pOut[base + q];
                    }
                    scores[j] = d;
                    max = Math.max(max, d);
                }
                double z = 0;
                for (double sc : scores) {
                    z += Math.exp(sc - max);
                }
                sum += max + Math.log(z) - scores[0];
            }
            surprise[i] = (float) (sum / avail);
        }
        long first = frames;
        frames += f;
        hidden = hOut;
        int consumed = f * cfg.hop();
        pending = java.util.Arrays.copyOfRange(buf, consumed, buf.length);
        recentZ = tail(zAll, k);
        recentC = tail(concat(recentC, cf), k);
        return new Frames(first, zf, cf, pf, surprise);
    }

    /** The stream's whole state (see the class comment), bit-exact. */
    public byte[] exportState() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(c);
            out.writeInt(h);
            out.writeInt(k);
            out.writeInt(cfg.hop());
            out.writeInt(cfg.receptiveField());
            out.writeLong(frames);
            writeFloats(out, pending);
            writeFloats(out, hidden);
            out.writeInt(recentZ.length);
            for (int i = 0; i < recentZ.length; i++) {
                writeFloats(out, recentZ[i]);
                writeFloats(out, recentC[i]);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces this stream's state with one from {@link #exportState()} of a model of the same shape. */
    public void importState(byte[] state) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new IOException("not a CPC stream state");
            }
            int[] shape = {in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt()};
            int[] mine = {c, h, k, cfg.hop(), cfg.receptiveField()};
            if (!java.util.Arrays.equals(shape, mine)) {
                throw new IOException("state of a model with (C, H, K, hop, receptive field) = "
                        + java.util.Arrays.toString(shape) + ", this one is " + java.util.Arrays.toString(mine));
            }
            long fr = in.readLong();
            float[] pend = readFloats(in, cfg.receptiveField() + cfg.hop());
            float[] hid = readFloats(in, h);
            if (hid.length != h) {
                throw new IOException("hidden state of " + hid.length + " values, expected " + h);
            }
            int n = in.readInt();
            if (n < 0 || n > k) {
                throw new IOException("bad history length " + n);
            }
            float[][] rz = new float[n][];
            float[][] rc = new float[n][];
            for (int i = 0; i < n; i++) {
                rz[i] = readFloats(in, c);
                rc[i] = readFloats(in, h);
                if (rz[i].length != c || rc[i].length != h) {
                    throw new IOException("bad history row " + i);
                }
            }
            frames = fr;
            pending = pend;
            hidden = hid;
            recentZ = rz;
            recentC = rc;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import CPC stream state: " + e.getMessage(), e);
        }
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        out.writeInt(v.length);
        for (float x : v) {
            out.writeFloat(x);
        }
    }

    private static float[] readFloats(DataInputStream in, int max) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new IOException("array of " + n + " values where at most " + max + " are allowed");
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }

    private static float[] flatten(float[][] rows) {
        int w = rows[0].length;
        float[] out = new float[rows.length * w];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * w, w);
        }
        return out;
    }

    private static float[][] rows(float[] flat, int n, int w) {
        float[][] out = new float[n][w];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * w, out[i], 0, w);
        }
        return out;
    }

    private static float[][] concat(float[][] a, float[][] b) {
        float[][] out = new float[a.length + b.length][];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[][] tail(float[][] a, int n) {
        return a.length <= n ? a : java.util.Arrays.copyOfRange(a, a.length - n, a.length);
    }
}
