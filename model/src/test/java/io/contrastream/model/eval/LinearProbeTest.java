package io.contrastream.model.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.model.util.Rng;

import org.junit.jupiter.api.Test;

class LinearProbeTest {

    private record Data(float[][] x, int[] y) {}

    private static float[][] means(long seed, int classes, int dim) {
        Rng rng = Rng.seeded(seed);
        float[][] means = new float[classes][dim];
        for (float[] m : means) {
            for (int c = 0; c < dim; c++) {
                m[c] = (float) (6 * rng.nextGaussian());
            }
        }
        return means;
    }

    /** Unit-variance Gaussian blobs around the means, then an offset and uneven feature scales. */
    private static Data sample(float[][] means, long seed, int perClass) {
        Rng rng = Rng.seeded(seed);
        int classes = means.length;
        int dim = means[0].length;
        float[][] x = new float[perClass * classes][dim];
        int[] y = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = i % classes;
            for (int c = 0; c < dim; c++) {
                x[i][c] = (float) ((means[y[i]][c] + rng.nextGaussian()) * (1 + c) + 100);
            }
        }
        return new Data(x, y);
    }

    @Test
    void separatesGaussianBlobsAndIsDeterministicForASeed() {
        float[][] means = means(1, 5, 16);
        Data train = sample(means, 10, 300);
        Data test = sample(means, 11, 100);
        LinearProbe.Options opts = LinearProbe.Options.defaults().withEpochs(10).withBatchSize(64).withSeed(3);
        int[] first = LinearProbe.predict(train.x(), train.y(), test.x(), 5, opts);
        int[] second = LinearProbe.predict(train.x(), train.y(), test.x(), 5, opts);
        assertThat(second).containsExactly(first);
        assertThat(LinearProbe.top1(train.x(), train.y(), test.x(), test.y(), 5, opts)).isGreaterThanOrEqualTo(0.99);
    }

    @Test
    void convergesForOtherSeedsAndWithWeightDecay() {
        float[][] means = means(2, 3, 8);
        Data train = sample(means, 20, 200);
        Data test = sample(means, 21, 100);
        for (long seed : new long[] {0, 1, 2}) {
            LinearProbe.Options opts = LinearProbe.Options.defaults().withEpochs(5).withSeed(seed).withWeightDecay(1e-4f);
            assertThat(LinearProbe.top1(train.x(), train.y(), test.x(), test.y(), 3, opts)).isGreaterThanOrEqualTo(0.99);
        }
    }
}
