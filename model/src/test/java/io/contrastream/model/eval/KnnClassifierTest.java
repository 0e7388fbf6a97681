package io.contrastream.model.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.util.Rng;

import org.junit.jupiter.api.Test;

class KnnClassifierTest {

    @Test
    void handMadeSetHasTheKnownAnswer() {
        // class 0 points along +x, class 1 along +y, one class-1 outlier near +x
        float[][] train = {{1, 0}, {2, 0.1f}, {3, -0.1f}, {0, 1}, {0.1f, 2}, {-0.1f, 5}, {1, 0.03f}};
        int[] trainY = {0, 0, 0, 1, 1, 1, 1};
        float[][] test = {{5, 0}, {0, 0.5f}, {1, 1.2f}, {-1, 0}};
        int[] testY = {0, 1, 1, 0};
        // k=3, τ=0.07: {5,0} -> three +x points incl. the outlier; vote 2·w(0) vs w(1): class 0
        // {1,1.2} is closer to +y; {-1,0} has all similarities <= 0 and the nearest are +y points:
        // wrongly predicted 1, so accuracy is 3/4
        assertThat(KnnClassifier.top1(train, trainY, test, testY, 3, 0.07, 2)).isEqualTo(0.75);
        int[][] pred = KnnClassifier.predict(train, trainY, test, new int[] {3}, 0.07, 2);
        assertThat(pred[0]).containsExactly(0, 1, 1, 1);
    }

    @Test
    void weightsDecideBetweenAFewCloseAndManyFarNeighbours() {
        // one very similar class-1 neighbour against two less similar class-0 neighbours
        float[][] train = {{1, 0.02f}, {1, 0.6f}, {1, -0.6f}};
        int[] trainY = {1, 0, 0};
        float[][] test = {{1, 0}};
        // small τ: the closest dominates; large τ: votes are nearly equal and the majority wins
        assertThat(KnnClassifier.predict(train, trainY, test, new int[] {3}, 0.07, 2)[0][0]).isEqualTo(1);
        assertThat(KnnClassifier.predict(train, trainY, test, new int[] {3}, 10.0, 2)[0][0]).isEqualTo(0);
    }

    @Test
    void kOneIsTheNearestNeighbourByCosine() {
        Rng rng = Rng.seeded(5);
        int n = 700;
        int m = 300;
        int d = 9;
        float[][] train = gaussian(rng, n, d);
        float[][] test = gaussian(rng, m, d);
        int[] trainY = new int[n];
        for (int i = 0; i < n; i++) {
            trainY[i] = rng.nextInt(5);
        }
        int[] expected = new int[m];
        for (int i = 0; i < m; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                double cos = dot(test[i], train[j]) / Math.sqrt(dot(test[i], test[i]) * dot(train[j], train[j]));
                if (cos > best) {
                    best = cos;
                    expected[i] = trainY[j];
                }
            }
        }
        int[][] pred = KnnClassifier.predict(train, trainY, test, new int[] {1}, 0.07, 5);
        assertThat(pred[0]).containsExactly(expected);
        assertThat(KnnClassifier.top1(train, trainY, test, expected, 1, 0.07, 5)).isEqualTo(1.0);
    }

    @Test
    void tiesAreBrokenByLowerIndexAndLowerClass() {
        float[][] train = {{1, 0}, {2, 0}, {3, 0}, {0, 1}};
        int[] trainY = {2, 1, 0, 0};
        float[][] test = {{1, 0}};
        // three identical similarities: k=1 keeps index 0 (class 2), k=2 ties classes 2 and 1 -> 1
        assertThat(KnnClassifier.predict(train, trainY, test, new int[] {1, 2, 3}, 0.07, 3))
                .isDeepEqualTo(new int[][] {{2}, {1}, {0}});
    }

    @Test
    void manyKsAtOnceMatchSeparateRunsAndKIsClampedToTheTrainingSetSize() {
        Rng rng = Rng.seeded(9);
        float[][] train = gaussian(rng, 400, 6);
        float[][] test = gaussian(rng, 100, 6);
        int[] trainY = new int[400];
        int[] testY = new int[100];
        for (int i = 0; i < 400; i++) {
            trainY[i] = train[i][0] > 0 ? 1 : 0;
        }
        for (int i = 0; i < 100; i++) {
            testY[i] = test[i][0] > 0 ? 1 : 0;
        }
        double[] both = KnnClassifier.top1(train, trainY, test, testY, new int[] {5, 50}, 0.07, 2);
        assertThat(both[0]).isEqualTo(KnnClassifier.top1(train, trainY, test, testY, 5, 0.07, 2));
        assertThat(both[1]).isEqualTo(KnnClassifier.top1(train, trainY, test, testY, 50, 0.07, 2));
        assertThat(both[1]).isGreaterThan(0.8);
        assertThat(KnnClassifier.top1(train, trainY, test, testY, 10_000, 0.07, 2))
                .isEqualTo(KnnClassifier.top1(train, trainY, test, testY, 400, 0.07, 2));
    }

    @Test
    void rejectsBadInput() {
        float[][] x = {{1, 0}};
        assertThatThrownBy(() -> KnnClassifier.top1(x, new int[] {3}, x, new int[] {0}, 1, 0.07, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KnnClassifier.top1(x, new int[] {0}, x, new int[] {0}, 0, 0.07, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static float[][] gaussian(Rng rng, int n, int d) {
        float[][] x = new float[n][d];
        for (float[] row : x) {
            for (int c = 0; c < d; c++) {
                row[c] = (float) rng.nextGaussian();
            }
        }
        return x;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
