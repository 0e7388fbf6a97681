package io.contrastream.model.data.audio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Awkward rate ratios get a table built once (no filter per output sample) that stays close to the formula. */
class SincKernelTest {
    static float[] noise(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian() * 0.3f;
        }
        return x;
    }

    /** Σ|Δtap|: the largest output error the branch can cause for inputs within [-1, 1]. */
    static double l1(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += Math.abs((double) a[j] - b[j]);
        }
        return s;
    }

    @Test
    void anAwkwardRatioComputesNoFilterPerOutputSample() {
        SincKernel k = SincKernel.of(191_999, 16_000);   // L = 16,000, M = 191,999: L·2W ≈ 13 M floats
        long before = SincKernel.formulaBranches();
        float[] y = SincKernel.resample(noise(24_000, 1), 191_999, 16_000);   // 2,001 outputs, 2,001 phases
        assertThat(y).hasSize(2001);
        float[] chunk = noise(3000, 2);
        for (int p = 0; p < k.upFactor(); p += 7) {
            k.apply(chunk, 0, p);
        }
        assertThat(SincKernel.formulaBranches() - before).as("formula evaluations after construction").isZero();
        assertThat(k.isExact()).isFalse();
        assertThat(k.halfWidth()).isEqualTo(405);
        assertThat(k.tabulatedPhases()).isEqualTo(1024);   // (1024 + 1) · 810 taps ≤ 2^20 floats
    }

    @Test
    void interpolatedBranchesStayWithin1e6OfTheFormula() {
        // down and up, at the edges of the accepted rates [8000, 192000] and of the table's size
        int[][] ratios = {{191_999, 16_000}, {8_001, 16_000}, {16_000, 8_001}, {8_000, 191_999}, {191_999, 8_000},
            {44_101, 48_000}};
        Random rnd = new Random(3);
        for (int[] r : ratios) {
            SincKernel k = SincKernel.of(r[0], r[1]);
            assertThat(k.isExact()).as("%s -> %s", r[0], r[1]).isFalse();
            double worst = 0;
            for (int i = 0; i < 300; i++) {
                int p = i == 0 ? 0 : i == 1 ? 1 : i == 2 ? k.upFactor() - 1 : rnd.nextInt(k.upFactor());
                float[] h = k.branch(p);
                worst = Math.max(worst, l1(h, k.directBranch(p)));
                double sum = 0;
                for (float v : h) {
                    sum += v;
                }
                assertThat(Math.abs(sum - 1)).as("DC gain of branch %s", p).isLessThan(1e-5);
            }
            assertThat(worst).as("%s -> %s: max Σ|Δtap|", r[0], r[1]).isLessThan(1e-6);   // measured ≤ 2.2e-7
            assertThat(k.branch(0)).as("branch 0 is the formula's").containsExactly(k.directBranch(0));
        }
    }

    @Test
    void resamplingAt191999HzMatchesTheDirectFormulaWithin1e4() {
        float[] x = noise(96_000, 4);   // 0.5 s
        for (int i = 0; i < x.length; i += 997) {
            x[i] = i % 2 == 0 ? 1f : -1f;   // a few full-scale clicks
        }
        float[] y = SincKernel.resample(x, 191_999, 16_000);
        SincKernel k = SincKernel.of(191_999, 16_000);
        int w = k.halfWidth();
        float[] padded = new float[x.length + 2 * w];
        System.arraycopy(x, 0, padded, w - 1, x.length);
        double worst = 0;
        long ipos = 0;
        int phase = 0;
        for (int i = 0; i < y.length; i++) {
            if (i % 8 == 0) {   // every 8th output against the formula (each costs 810 Bessel functions)
                float[] h = k.directBranch(phase);
                double s = 0;
                for (int j = 0; j < h.length; j++) {
                    s += (double) padded[(int) ipos + j] * h[j];
                }
                worst = Math.max(worst, Math.abs(y[i] - s));
            }
            phase += k.downFactor();
            ipos += phase / k.upFactor();
            phase %= k.upFactor();
        }
        assertThat(worst).isLessThan(1e-4);
    }

    @Test
    void theUsualRatesStayExact() {
        int[][] ratios = {{22_050, 16_000}, {44_100, 16_000}, {48_000, 16_000}, {8_000, 16_000}, {192_000, 16_000},
            {48_000, 44_100}, {16_000, 22_050}, {11_025, 16_000}, {96_000, 16_000}};
        for (int[] r : ratios) {
            SincKernel k = SincKernel.of(r[0], r[1]);
            assertThat(k.isExact()).as("%s -> %s", r[0], r[1]).isTrue();
            assertThat(k.tabulatedPhases()).isEqualTo(k.upFactor());
            for (int p = 0; p < k.upFactor(); p += Math.max(1, k.upFactor() / 50)) {
                assertThat(k.branch(p)).containsExactly(k.directBranch(p));
            }
        }
    }
}
