package io.contrastream.model.method.cpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Streaming inference: chunks of any size give the frames of the whole signal (to float
 * tolerance), and export → import mid-stream continues identically.
 */
class CpcStreamerTest {
    static final int UTTERANCE = 20800; // 1.3 s at 16 kHz: 128 frames

    static Params params() {
        return Cpc.SPEC.defaults().set(CpcParams.WINDOW_SAMPLES, 6400).set(OptimizerParams.BATCH, 4);
    }

    static float[] utterance() {
        return CpcRecipeTest.tones(123, 1, UTTERANCE).window(0);
    }

    /** All frames of feeding {@code wave} in chunks of {@code size} (the last one shorter). */
    static List<CpcStreamer.Frames> feed(CpcStreamer s, float[] wave, int from, int to, int size) {
        List<CpcStreamer.Frames> out = new ArrayList<>();
        for (int i = from; i < to; i += size) {
            out.add(s.accept(java.util.Arrays.copyOfRange(wave, i, Math.min(to, i + size))));
        }
        return out;
    }

    record Flat(float[][] z, float[][] c, float[][][] p, float[] surprise) {}

    static Flat flat(List<CpcStreamer.Frames> parts) {
        List<float[]> z = new ArrayList<>();
        List<float[]> c = new ArrayList<>();
        List<float[][]> p = new ArrayList<>();
        List<Float> s = new ArrayList<>();
        long next = 0;
        for (CpcStreamer.Frames f : parts) {
            assertThat(f.firstFrame()).isEqualTo(next);
            next += f.size();
            for (int i = 0; i < f.size(); i++) {
                z.add(f.z()[i]);
                c.add(f.c()[i]);
                p.add(f.predictions()[i]);
                s.add(f.surprise()[i]);
            }
        }
        float[] sur = new float[s.size()];
        for (int i = 0; i < sur.length; i++) {
            sur[i] = s.get(i);
        }
        return new Flat(z.toArray(float[][]::new), c.toArray(float[][]::new), p.toArray(float[][][]::new), sur);
    }

    static void assertClose(float[][] got, float[][] want, double tol, String what) {
        assertThat(got.length).as(what + " frames").isEqualTo(want.length);
        double worst = 0;
        for (int t = 0; t < want.length; t++) {
            for (int j = 0; j < want[t].length; j++) {
                worst = Math.max(worst, Math.abs(got[t][j] - want[t][j]) / Math.max(1, Math.abs(want[t][j])));
            }
        }
        assertThat(worst).as(what + ": largest relative difference").isLessThanOrEqualTo(tol);
    }

    @Test
    void chunksGiveTheFramesOfTheWholeUtterance() {
        float[] wave = utterance();
        try (Cpc cpc = new Cpc(params())) {
            cpc.step(CpcRecipeTest.tones(1, 4, 6400)); // trained a little: not the initial weights
            float[][] context = cpc.context(wave);
            assertThat(context.length).isEqualTo(128);
            Flat whole = flat(List.of(cpc.newStreamer().accept(wave)));
            assertClose(whole.c(), context, 1e-5, "whole stream vs context()");
            for (int size : new int[] {1600, 999, 160, 7001}) {
                CpcStreamer s = cpc.newStreamer();
                Flat chunked = flat(feed(s, wave, 0, wave.length, size));
                assertClose(chunked.c(), whole.c(), 1e-5, "c_t in chunks of " + size);
                assertClose(chunked.z(), whole.z(), 1e-5, "z_t in chunks of " + size);
                for (int t = 0; t < 128; t++) {
                    assertClose(chunked.p()[t], whole.p()[t], 1e-5, "predictions of frame " + t);
                }
                assertThat(s.framesEmitted()).isEqualTo(128);
                assertThat(s.pendingSamples()).isEqualTo(UTTERANCE - 128 * 160);
                assertThat(Float.isNaN(chunked.surprise()[0])).isTrue();
                for (int t = 1; t < 128; t++) {
                    assertThat(chunked.surprise()[t]).as("surprise %d", t).isFinite().isPositive();
                    assertThat((double) chunked.surprise()[t]).isCloseTo(whole.surprise()[t],
                            org.assertj.core.api.Assertions.within(1e-4 * Math.max(1, Math.abs(whole.surprise()[t]))));
                }
            }
        }
    }

    @Test
    void surpriseIsTheInfoNceOfThePastPredictions() {
        float[] wave = utterance();
        try (Cpc cpc = new Cpc(params())) {
            Flat f = flat(List.of(cpc.newStreamer().accept(wave)));
            int k = cpc.config().predictionSteps();
            for (int t : new int[] {1, 5, 40, 127}) {
                int h = Math.min(k, t);
                double sum = 0;
                for (int s = 1; s <= h; s++) {
                    float[] p = f.p()[t - s][s - 1];
                    double[] sc = new double[h + 1];
                    double denom = 0;
                    for (int j = 0; j <= h; j++) {
                        for (int q = 0; q < p.length; q++) {
                            sc[j] += (double) f.z()[t - j][q] * p[q];
                        }
                    }
                    for (double v : sc) {
                        denom += Math.exp(v);
                    }
                    sum += -Math.log(Math.exp(sc[0]) / denom);
                }
                assertThat((double) f.surprise()[t]).isCloseTo(sum / h,
                        org.assertj.core.api.Assertions.within(1e-4 * Math.max(1, sum / h)));
            }
        }
    }

    @Test
    void exportImportMidStreamContinuesIdentically() {
        float[] wave = utterance();
        try (Cpc cpc = new Cpc(params()); Cpc other = new Cpc(params().set(RecipeParams.SEED, 99L))) {
            CpcStreamer a = cpc.newStreamer();
            feed(a, wave, 0, 8000, 999); // stops mid-frame
            byte[] state = a.exportState();
            assertThat(a.pendingSamples()).isBetween(465 - 160, 464);
            Flat rest = flatFrom(feed(a, wave, 8000, wave.length, 1600));
            // a fresh streamer of another model instance holding the same weights
            other.importEncoder(cpc.exportEncoder());
            CpcStreamer b = other.newStreamer();
            b.importState(state);
            assertThat(b.exportState()).isEqualTo(state);
            assertThat(b.framesEmitted()).isEqualTo(cpc.config().frames(8000));
            List<CpcStreamer.Frames> parts = feed(b, wave, 8000, wave.length, 1600);
            assertThat(parts.get(0).firstFrame()).isEqualTo(cpc.config().frames(8000));
            Flat resumed = flatFrom(parts);
            assertThat(resumed.c()).isEqualTo(rest.c());
            assertThat(resumed.z()).isEqualTo(rest.z());
            assertThat(resumed.p()).isEqualTo(rest.p());
            assertThat(resumed.surprise()).isEqualTo(rest.surprise());
            assertThat(b.exportState()).isEqualTo(a.exportState());
            // a state of another model shape is refused
            Params wider = params().set(CpcParams.CPC_CHANNELS, 32);
            try (Cpc w = new Cpc(wider)) {
                assertThatThrownBy(() -> w.newStreamer().importState(state)).hasMessageContaining("cannot import");
            }
        }
    }

    /** Like {@link #flat} for a list that starts mid-stream. */
    static Flat flatFrom(List<CpcStreamer.Frames> parts) {
        long first = parts.get(0).firstFrame();
        List<CpcStreamer.Frames> shifted = new ArrayList<>();
        for (CpcStreamer.Frames f : parts) {
            shifted.add(new CpcStreamer.Frames(f.firstFrame() - first, f.z(), f.c(), f.predictions(), f.surprise()));
        }
        return flat(shifted);
    }
}
