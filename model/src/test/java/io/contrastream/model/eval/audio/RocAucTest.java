package io.contrastream.model.eval.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RocAucTest {
    @Test
    void perfectReversedAndTies() {
        assertThat(RocAuc.auc(new double[] {3, 4, 5}, new double[] {0, 1, 2})).isEqualTo(1.0);
        assertThat(RocAuc.auc(new double[] {0, 1, 2}, new double[] {3, 4, 5})).isEqualTo(0.0);
        assertThat(RocAuc.auc(new double[] {7, 7}, new double[] {7, 7, 7})).isEqualTo(0.5);
    }

    @Test
    void handComputedCase() {
        // pos {1, 3, 3}, neg {0, 3, 2}: pairs (p > n) + 0.5 (p == n) over 9:
        // 1: >0 -> 1;  3: >0, tie 3, >2 -> 2.5;  3: 2.5  => 6 / 9
        assertThat(RocAuc.auc(new double[] {1, 3, 3}, new double[] {0, 3, 2})).isCloseTo(6.0 / 9, within(1e-12));
        // brute force on a random case
        java.util.Random r = new java.util.Random(5);
        double[] p = new double[37];
        double[] n = new double[23];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextInt(6);
        }
        for (int i = 0; i < n.length; i++) {
            n[i] = r.nextInt(6) - 1;
        }
        double pairs = 0;
        for (double a : p) {
            for (double b : n) {
                pairs += a > b ? 1 : a == b ? 0.5 : 0;
            }
        }
        assertThat(RocAuc.auc(p, n)).isCloseTo(pairs / (p.length * n.length), within(1e-12));
    }

    @Test
    void nanScoresAreExcludedAndCounted() {
        RocAuc.Result r = RocAuc.of(new double[] {2, Double.NaN, 3}, new double[] {Double.NaN, 1, 2.5});
        assertThat(r.nanExcluded()).isEqualTo(2);
        assertThat(r.positives()).isEqualTo(2);
        assertThat(r.negatives()).isEqualTo(2);
        assertThat(r.auc()).isCloseTo(0.75, within(1e-12));
        assertThat(RocAuc.of(new double[] {Double.NaN}, new double[] {1}).auc()).isNaN();
        assertThat(RocAuc.auc(new double[0], new double[] {1})).isNaN();
    }
}
