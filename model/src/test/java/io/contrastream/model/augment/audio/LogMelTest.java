package io.contrastream.model.augment.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LogMelTest {
    static float[] tone(double hz, int n, double amp) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amp * Math.sin(2 * Math.PI * hz * i / LogMel.RATE));
        }
        return x;
    }

    @Test
    void frameCountIsOnePlusFullHops() {
        for (int n : new int[] {400, 559, 560, 16000, 8001}) {
            assertThat(LogMel.frames(new float[n]).length).as("n=%d", n).isEqualTo(1 + (n - 400) / 160);
        }
        assertThat(LogMel.frames(new float[100]).length).isEqualTo(1); // zero-padded to one frame
        assertThat(LogMel.frames(new float[16000])[0]).hasSize(40);
    }

    @Test
    void silenceGivesTheLogOfTheFloor() {
        float[][] s = LogMel.frames(new float[1600]);
        for (float[] row : s) {
            for (float v : row) {
                assertThat(v).isEqualTo((float) Math.log(1e-6));
            }
        }
        float[] p = LogMel.pooled(new float[1600]);
        assertThat(p).hasSize(80);
        assertThat(p[0]).isCloseTo((float) Math.log(1e-6), within(1e-4f));
        assertThat(p[40]).isCloseTo(0f, within(1e-4f));
    }

    @Test
    void aToneLandsInTheBandWhoseCentreIsNearestOnTheMelScale() {
        for (double hz : new double[] {1000, 250, 3000}) {
            float[][] s = LogMel.frames(tone(hz, 4000, 0.5));
            int peak = 0;
            for (int m = 1; m < 40; m++) {
                if (s[5][m] > s[5][peak]) {
                    peak = m;
                }
            }
            // expected from the formula: band m's centre is mel⁻¹((m + 1)·mel(8000)/41)
            double mel = 2595 * Math.log10(1 + hz / 700.0);
            double step = 2595 * Math.log10(1 + 8000 / 700.0) / 41;
            int expected = (int) Math.round(mel / step) - 1;
            assertThat(peak).as("%s Hz", hz).isEqualTo(expected);
            assertThat(Math.abs(LogMel.centreHz(peak) - hz)).isLessThan(LogMel.centreHz(peak) * 0.1);
        }
        // 1 kHz: mel = 1000.0, step = 2840.0/41 = 69.27, 1000.0/69.27 = 14.44 -> edge 14 = band 13 (centre 955 Hz)
        assertThat(LogMel.centreHz(13)).isCloseTo(955, within(10.0));
    }

    @Test
    void fftMatchesTheDefinition() {
        double[] re = new double[512];
        double[] im = new double[512];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 512; i++) {
            re[i] = r.nextGaussian();
            im[i] = r.nextGaussian();
        }
        double[] r0 = re.clone();
        double[] i0 = im.clone();
        LogMel.fft(re, im);
        for (int k : new int[] {0, 1, 7, 100, 256, 511}) {
            double sr = 0;
            double si = 0;
            for (int n = 0; n < 512; n++) {
                double a = -2 * Math.PI * k * n / 512;
                sr += r0[n] * Math.cos(a) - i0[n] * Math.sin(a);
                si += r0[n] * Math.sin(a) + i0[n] * Math.cos(a);
            }
            assertThat(re[k]).isCloseTo(sr, within(1e-9));
            assertThat(im[k]).isCloseTo(si, within(1e-9));
        }
    }

    @Test
    void pooledIsMeanThenStd() {
        float[] x = tone(500, 3200, 0.3);
        for (int i = 1600; i < 3200; i++) {
            x[i] *= 0.1f;
        }
        float[][] s = LogMel.frames(x);
        float[] p = LogMel.pooled(x);
        double mean = 0;
        for (float[] row : s) {
            mean += row[7];
        }
        mean /= s.length;
        double var = 0;
        for (float[] row : s) {
            var += (row[7] - mean) * (row[7] - mean);
        }
        assertThat(p[7]).isCloseTo((float) mean, within(1e-4f));
        assertThat(p[47]).isCloseTo((float) Math.sqrt(var / s.length), within(1e-3f));
        assertThat(p[47]).isGreaterThan(0.5f);
    }
}
