package io.contrastream.model.eval.audio;

import io.contrastream.model.data.audio.Utterances;
import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.method.cpc.CpcStreamer;
import io.contrastream.model.util.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * Does CPC's per-frame {@link CpcStreamer surprise} flag anomalies in a stream? Two kinds are
 * injected into streams of held-out speech: white-noise bursts and a switch to another voice.
 *
 * <pre>{@code
 * List<SurpriseAnomaly.TestStream> streams = SurpriseAnomaly.build(u16k, split.test(), seed);
 * SurpriseAnomaly.Result trained = SurpriseAnomaly.evaluate(cpc, streams);
 * SurpriseAnomaly.Result random = SurpriseAnomaly.evaluate(randomInit, streams);
 * }</pre>
 *
 * <p><b>Streams</b> (all randomness from {@code Rng.of(seed, 0x414e4f4d)}, so the same seed gives the
 * same streams): one per speaker that has held-out utterances, the concatenation of that speaker's
 * held-out utterances in index order, each followed by {@value #GAP_SECONDS} s of silence (zeros).
 * <ul>
 *   <li><b>Voice switch</b> (when there are ≥ 2 speakers): one held-out utterance of another speaker,
 *   drawn at random, is spliced in after a random one of the stream's own utterances (in its silent gap,
 *   followed by its own {@value #GAP_SECONDS} s of silence). Its span is the spliced utterance's samples.</li>
 *   <li><b>Noise bursts</b>: max(1, round(stream seconds / {@value #SECONDS_PER_BURST})) bursts of
 *   {@value #BURST_SECONDS} s of Gaussian white noise, added to the signal, with standard deviation equal
 *   to the RMS of the stream's own utterances (all their samples, the speaker's speech; SNR 0 dB). Starts
 *   are drawn uniformly in [0.5 s, end − 0.3 s], rejecting a start whose burst would come within
 *   {@value #GAP_SECONDS} s of the switch span or of another burst (at most 1,000 draws; fewer bursts
 *   if they do not fit).</li>
 * </ul>
 * <b>Scoring</b>: a fresh {@link CpcStreamer} per stream is fed chunks of {@value #CHUNK_SECONDS} s
 * (1,600 samples; the last one shorter); a chunk's score is the mean of the finite surprise values of
 * the frames its {@code accept} returns (NaN when there are none, e.g. the very first frame; such
 * chunks are left out by {@link RocAuc} and counted). <b>Labels</b> by the chunk's samples
 * [i·1600, (i+1)·1600): <i>noise</i> if it overlaps a burst; else <i>switch</i> if it overlaps the
 * spliced utterance; else <i>normal</i> if it overlaps one of the stream's own utterances; chunks lying
 * entirely in inserted silence are <b>excluded</b> (silence is neither normal speech nor an anomaly,
 * and their surprise mostly measures the model's view of digital zeros). Note that a frame emitted in a
 * chunk also sees up to 305 samples of the previous chunk (receptive field 465, hop 160), and the GRU
 * carries an anomaly's effect into the following "normal" chunks; both blur the labels slightly, the
 * same way for every model. AUCs pool the chunks of all streams: noise vs normal, switch vs normal.
 */
public final class SurpriseAnomaly {
    public static final double GAP_SECONDS = 0.2;
    public static final double BURST_SECONDS = 0.3;
    public static final double SECONDS_PER_BURST = 3.0;
    public static final double CHUNK_SECONDS = 0.1;
    static final int RATE = AudioProbes.RATE;

    private SurpriseAnomaly() {}

    /**
     * One test stream.
     *
     * @param speaker the stream's own speaker
     * @param samples 16 kHz mono
     * @param own [start, end) sample spans of the speaker's own utterances
     * @param switchSpan [start, end) of the spliced utterance of another speaker, or null
     * @param switchSpeaker that speaker, or −1
     * @param bursts [start, end) spans of the noise bursts
     */
    public record TestStream(int speaker, float[] samples, List<int[]> own, int[] switchSpan, int switchSpeaker,
            List<int[]> bursts) {}

    /** Per-chunk scores and labels. LABEL_*: 0 normal, 1 noise, 2 switch, −1 excluded. */
    public record Scored(double[] scores, int[] labels) {}

    public static final int NORMAL = 0;
    public static final int NOISE = 1;
    public static final int SWITCH = 2;
    public static final int EXCLUDED = -1;

    /**
     * @param aucNoise ROC AUC, noise-burst chunks vs normal chunks
     * @param aucSwitch ROC AUC, switched-voice chunks vs normal chunks (NaN with one speaker)
     */
    public record Result(double aucNoise, double aucSwitch, int streams, int normalChunks, int noiseChunks,
            int switchChunks, int excludedChunks, int nanChunks) {}

    /** The test streams of the class comment, from the held-out utterances {@code test} of {@code u16k}. */
    public static List<TestStream> build(Utterances u16k, int[] test, long seed) {
        AudioProbes.requireRate(u16k);
        Rng rng = Rng.of(seed, 0x414e4f4dL); // "ANOM"
        int gap = (int) Math.round(GAP_SECONDS * RATE);
        int burstLen = (int) Math.round(BURST_SECONDS * RATE);
        int speakers = u16k.speakers().size();
        List<TestStream> out = new ArrayList<>();
        for (int s = 0; s < speakers; s++) {
            List<float[]> mine = new ArrayList<>();
            List<Integer> others = new ArrayList<>();
            for (int i : test) {
                if (u16k.speaker()[i] == s) {
                    mine.add(u16k.audio().get(i));
                } else {
                    others.add(i);
                }
            }
            if (mine.isEmpty()) {
                continue;
            }
            int insertAfter = rng.nextInt(mine.size());
            int other = others.isEmpty() ? -1 : others.get(rng.nextInt(others.size()));
            float[] otherAudio = other < 0 ? new float[0] : u16k.audio().get(other);
            int total = 0;
            for (float[] a : mine) {
                total += a.length + gap;
            }
            if (other >= 0) {
                total += otherAudio.length + gap;
            }
            float[] x = new float[total];
            List<int[]> own = new ArrayList<>();
            int[] switchSpan = null;
            int at = 0;
            double energy = 0;
            long count = 0;
            for (int u = 0; u < mine.size(); u++) {
                float[] a = mine.get(u);
                System.arraycopy(a, 0, x, at, a.length);
                own.add(new int[] {at, at + a.length});
                for (float v : a) {
                    energy += (double) v * v;
                }
                count += a.length;
                at += a.length + gap;
                if (u == insertAfter && other >= 0) {
                    System.arraycopy(otherAudio, 0, x, at, otherAudio.length);
                    switchSpan = new int[] {at, at + otherAudio.length};
                    at += otherAudio.length + gap;
                }
            }
            double rms = count == 0 ? 0 : Math.sqrt(energy / count);
            int wanted = Math.max(1, (int) Math.round(total / (double) RATE / SECONDS_PER_BURST));
            List<int[]> bursts = new ArrayList<>();
            int lo = (int) Math.round(0.5 * RATE);
            int hi = total - burstLen;
            for (int tries = 0; tries < 1000 && bursts.size() < wanted && hi > lo; tries++) {
                int start = lo + rng.nextInt(hi - lo + 1);
                int[] span = {start, start + burstLen};
                boolean ok = switchSpan == null || !near(span, switchSpan, gap);
                for (int[] b : bursts) {
                    ok &= !near(span, b, gap);
                }
                if (ok) {
                    bursts.add(span);
                }
            }
            bursts.sort((a, b) -> Integer.compare(a[0], b[0]));
            for (int[] b : bursts) {
                for (int i = b[0]; i < b[1]; i++) {
                    x[i] += (float) (rms * rng.nextGaussian());
                }
            }
            out.add(new TestStream(s, x, List.copyOf(own), switchSpan, other < 0 ? -1 : u16k.speaker()[other],
                    List.copyOf(bursts)));
        }
        return out;
    }

    private static boolean near(int[] a, int[] b, int margin) {
        return a[0] < b[1] + margin && b[0] < a[1] + margin;
    }

    /** Streams {@code stream} through a fresh streamer of {@code model}: per-chunk scores and labels. */
    public static Scored score(Cpc model, TestStream stream) {
        int chunk = (int) Math.round(CHUNK_SECONDS * RATE);
        float[] x = stream.samples();
        int n = (x.length + chunk - 1) / chunk;
        double[] scores = new double[n];
        int[] labels = new int[n];
        CpcStreamer streamer = model.newStreamer();
        for (int i = 0; i < n; i++) {
            int a = i * chunk;
            int b = Math.min(x.length, a + chunk);
            float[] s = streamer.accept(java.util.Arrays.copyOfRange(x, a, b)).surprise();
            double sum = 0;
            int finite = 0;
            for (float v : s) {
                if (Float.isFinite(v)) {
                    sum += v;
                    finite++;
                }
            }
            scores[i] = finite == 0 ? Double.NaN : sum / finite;
            labels[i] = label(stream, a, b);
        }
        return new Scored(scores, labels);
    }

    static int label(TestStream s, int a, int b) {
        int[] span = {a, b};
        for (int[] burst : s.bursts()) {
            if (near(span, burst, 0)) {
                return NOISE;
            }
        }
        if (s.switchSpan() != null && near(span, s.switchSpan(), 0)) {
            return SWITCH;
        }
        for (int[] o : s.own()) {
            if (near(span, o, 0)) {
                return NORMAL;
            }
        }
        return EXCLUDED;
    }

    /** Scores every stream with {@code model} and pools the chunks into the two AUCs. */
    public static Result evaluate(Cpc model, List<TestStream> streams) {
        List<Double> normal = new ArrayList<>();
        List<Double> noise = new ArrayList<>();
        List<Double> sw = new ArrayList<>();
        int excluded = 0;
        for (TestStream t : streams) {
            Scored sc = score(model, t);
            for (int i = 0; i < sc.scores().length; i++) {
                switch (sc.labels()[i]) {
                    case NORMAL -> normal.add(sc.scores()[i]);
                    case NOISE -> noise.add(sc.scores()[i]);
                    case SWITCH -> sw.add(sc.scores()[i]);
                    default -> excluded++;
                }
            }
        }
        double[] nrm = normal.stream().mapToDouble(Double::doubleValue).toArray();
        RocAuc.Result rn = RocAuc.of(noise.stream().mapToDouble(Double::doubleValue).toArray(), nrm);
        RocAuc.Result rs = RocAuc.of(sw.stream().mapToDouble(Double::doubleValue).toArray(), nrm);
        int nanNormal = (int) normal.stream().filter(v -> v.isNaN()).count();
        int nan = (int) (noise.stream().filter(v -> v.isNaN()).count() + sw.stream().filter(v -> v.isNaN()).count())
                + nanNormal;
        return new Result(rn.auc(), rs.auc(), streams.size(), normal.size(), noise.size(), sw.size(), excluded, nan);
    }
}
