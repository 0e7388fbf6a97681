package io.contrastream.model.eval.audio;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.model.data.audio.Utterances;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.method.cpc.CpcParams;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The audio evaluation end to end on a tiny synthetic corpus: 3 "speakers" (fundamentals 110, 190,
 * 300 Hz, each with its own formant-like harmonic envelope) x 3 "words" (flat, rising, falling pitch
 * contours with different loudness envelopes) x 4 utterances of 0.5 s at 16 kHz.
 */
class AudioEvalTest {
    static final double[] F0 = {110, 190, 300};
    static final double[][] FORMANTS = {{500, 1500}, {800, 2200}, {350, 2800}};

    private static Utterances corpus;

    static synchronized Utterances corpus() {
        if (corpus == null) {
            corpus = makeCorpus();
        }
        return corpus;
    }

    private static Utterances makeCorpus() {
        Random r = new Random(11);
        List<float[]> audio = new ArrayList<>();
        List<Integer> spk = new ArrayList<>();
        List<Integer> wrd = new ArrayList<>();
        int n = 8000;
        for (int s = 0; s < 3; s++) {
            for (int w = 0; w < 3; w++) {
                for (int rep = 0; rep < 4; rep++) {
                    double f0 = F0[s] * (1 + 0.03 * (r.nextDouble() - 0.5));
                    float[] x = new float[n];
                    double phase = r.nextDouble() * 6.28;
                    for (int i = 0; i < n; i++) {
                        double t = i / (double) n;
                        double contour = w == 0 ? 1 : w == 1 ? 0.8 + 0.4 * t : 1.2 - 0.4 * t;
                        phase += 2 * Math.PI * f0 * contour / 16000;
                        double env = w == 0 ? 1 : w == 1 ? Math.sin(Math.PI * t) : Math.min(1, 4 * (1 - t));
                        double v = 0;
                        for (int h = 1; h * f0 * contour < 7000; h++) {
                            double f = h * f0 * contour;
                            double a = 0;
                            for (double fm : FORMANTS[s]) {
                                a += Math.exp(-Math.pow((f - fm) / 250, 2));
                            }
                            v += (0.05 + a) / h * Math.sin(h * phase);
                        }
                        x[i] = (float) (0.2 * env * v + 0.005 * r.nextGaussian());
                    }
                    audio.add(x);
                    spk.add(s);
                    wrd.add(w);
                }
            }
        }
        return new Utterances(audio, 16000, List.of("a", "b", "c"), List.of("flat", "rise", "fall"),
                spk.stream().mapToInt(Integer::intValue).toArray(), wrd.stream().mapToInt(Integer::intValue).toArray());
    }

    static Params params() {
        return Cpc.SPEC.defaults().set(CpcParams.CPC_CHANNELS, 16).set(CpcParams.CPC_GRU, 16)
                .set(CpcParams.WINDOW_SAMPLES, 4000).set(OptimizerParams.BATCH, 4).set(RecipeParams.SEED, 5L);
    }

    @Test
    void splitIsDeterministicStratifiedBySpeakerAndDisjoint() {
        Utterances u = corpus();
        AudioProbes.Split s = AudioProbes.split(u);
        assertThat(s.test()).hasSize(9);
        assertThat(s.train()).hasSize(27);
        int[] perSpeaker = new int[3];
        int[] perWord = new int[3];
        for (int i : s.test()) {
            perSpeaker[u.speaker()[i]]++;
            perWord[u.word()[i]]++;
        }
        assertThat(perSpeaker).containsExactly(3, 3, 3);
        assertThat(perWord).containsExactly(3, 3, 3);
        assertThat(AudioProbes.split(u).test()).containsExactly(s.test());
        java.util.Set<Integer> all = new java.util.HashSet<>();
        for (int i : s.train()) {
            all.add(i);
        }
        for (int i : s.test()) {
            assertThat(all.add(i)).isTrue();
        }
        assertThat(all).hasSize(36);
    }

    @Test
    void probesRunEndToEnd() {
        Utterances u = corpus();
        AudioProbes.Split split = AudioProbes.split(u);
        try (Cpc trained = new Cpc(params()); Cpc random = new Cpc(params())) {
            float[] losses = AudioProbes.pretrain(trained, AudioProbes.subset(u, split.train()), 3, 9);
            assertThat(losses).hasSize(3);
            for (float l : losses) {
                assertThat(l).isFinite();
            }
            AudioProbes.Result r = AudioProbes.probe(trained, random, u, split, AudioProbes.probeOptions(1));
            for (double a : new double[] {r.speaker().cpc(), r.speaker().random(), r.speaker().logmel(), r.word().cpc(),
                    r.word().random(), r.word().logmel()}) {
                assertThat(a).isBetween(0.0, 1.0);
            }
            assertThat(r.speaker().logmel()).isGreaterThan(1.0 / 3 + 0.3);
            assertThat(r.trainSize()).isEqualTo(27);
            assertThat(r.testSize()).isEqualTo(9);
        }
    }

    @Test
    void pretrainIsSeeded() {
        Utterances train = AudioProbes.subset(corpus(), AudioProbes.split(corpus()).train());
        try (Cpc a = new Cpc(params()); Cpc b = new Cpc(params())) {
            assertThat(AudioProbes.pretrain(a, train, 2, 4)).containsExactly(AudioProbes.pretrain(b, train, 2, 4));
        }
    }

    @Test
    void resamplesToSixteenKilohertz() {
        Utterances u = corpus();
        Utterances at22 = new Utterances(List.of(new float[22050]), 22050, List.of("a"), List.of("w"), new int[1],
                new int[1]);
        assertThat(AudioProbes.to16k(u)).isSameAs(u);
        assertThat(AudioProbes.to16k(at22).audio().get(0)).hasSize(16000);
        assertThat(AudioProbes.to16k(at22).sampleRate()).isEqualTo(16000);
    }

    @Test
    void surpriseAnomalyRunsAndIsDeterministic() {
        Utterances u = corpus();
        AudioProbes.Split split = AudioProbes.split(u);
        List<SurpriseAnomaly.TestStream> streams = SurpriseAnomaly.build(u, split.test(), 3);
        assertThat(streams).hasSize(3);
        for (SurpriseAnomaly.TestStream t : streams) {
            assertThat(t.own()).hasSize(3);
            assertThat(t.switchSpan()).isNotNull();
            assertThat(t.switchSpeaker()).isNotEqualTo(t.speaker());
            assertThat(t.bursts()).isNotEmpty();
            for (int[] b : t.bursts()) {
                assertThat(b[1] - b[0]).isEqualTo(4800);
                assertThat(b[1] + 3200 <= t.switchSpan()[0] || t.switchSpan()[1] + 3200 <= b[0]).isTrue();
            }
            // 3 own utterances + 1 switched, each followed by 0.2 s of silence
            assertThat(t.samples()).hasSize(4 * (8000 + 3200));
        }
        List<SurpriseAnomaly.TestStream> again = SurpriseAnomaly.build(u, split.test(), 3);
        assertThat(again.get(1).samples()).containsExactly(streams.get(1).samples());
        try (Cpc random = new Cpc(params())) {
            SurpriseAnomaly.Result r1 = SurpriseAnomaly.evaluate(random, streams);
            SurpriseAnomaly.Result r2 = SurpriseAnomaly.evaluate(random, again);
            assertThat(r2).isEqualTo(r1);
            assertThat(r1.aucNoise()).isBetween(0.0, 1.0);
            assertThat(r1.aucSwitch()).isBetween(0.0, 1.0);
            assertThat(r1.noiseChunks()).isGreaterThan(0);
            assertThat(r1.switchChunks()).isGreaterThan(0);
            assertThat(r1.normalChunks()).isGreaterThan(r1.noiseChunks());
            assertThat(r1.excludedChunks()).isGreaterThan(0);
        }
    }

    @Test
    void chunkLabels() {
        SurpriseAnomaly.TestStream t = new SurpriseAnomaly.TestStream(0, new float[10000],
                List.of(new int[] {0, 3000}, new int[] {6000, 8000}), new int[] {3500, 5000}, 1,
                List.of(new int[] {7000, 7500}));
        assertThat(SurpriseAnomaly.label(t, 0, 1600)).isEqualTo(SurpriseAnomaly.NORMAL);
        assertThat(SurpriseAnomaly.label(t, 1600, 3200)).isEqualTo(SurpriseAnomaly.NORMAL);
        assertThat(SurpriseAnomaly.label(t, 3200, 4800)).isEqualTo(SurpriseAnomaly.SWITCH);
        assertThat(SurpriseAnomaly.label(t, 5000, 6000)).isEqualTo(SurpriseAnomaly.EXCLUDED);
        assertThat(SurpriseAnomaly.label(t, 6400, 8000)).isEqualTo(SurpriseAnomaly.NOISE);
        assertThat(SurpriseAnomaly.label(t, 8000, 9600)).isEqualTo(SurpriseAnomaly.EXCLUDED);
    }
}
