package io.contrastream.model.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * InstDisc's NCE loss against a slow loop written from the paper (eqs. 3–6), a closed form, the
 * Monte-Carlo normaliser, and the autograd gradient after forced GC against finite differences.
 */
class NceLossTest {
    static final float TAU = 0.5f;
    static final double N_INSTANCES = 1000;
    static final float Z = 7.5f;
    static final double[][] NOISE = LossTest.random(Rng.seeded(31), 6, 4);

    /** −mean_i [log h(i, v_i) + Σ_j log(1 − h(j, v_i))], h = P/(P + m/n), P = exp(uᵀv/τ)/Z. */
    static double reference(double[][] v, double[][] pos, double[][] noise, float z) {
        int m = noise.length;
        double mPn = m / N_INSTANCES;
        double total = 0;
        for (int i = 0; i < v.length; i++) {
            double p = Math.exp(LossReference.dot(v[i], pos[i]) / TAU) / z;
            double term = Math.log(p / (p + mPn));
            for (double[] u : noise) {
                double q = Math.exp(LossReference.dot(v[i], u) / TAU) / z;
                term += Math.log(1 - q / (q + mPn));
            }
            total += term;
        }
        return -total / v.length;
    }

    @Test
    void matchesTheSlowLoop() {
        Rng rng = Rng.seeded(32);
        double[][] v = LossTest.random(rng, 5, 4);
        double[][] pos = LossTest.random(rng, 5, 4);
        try (NDManager m = NDManager.newBaseManager()) {
            float got = new NceLoss(TAU, N_INSTANCES).compute(LossTest.nd(m, v), LossTest.nd(m, pos),
                    LossTest.nd(m, NOISE), Z).getFloat();
            assertThat((double) got).isCloseTo(reference(v, pos, NOISE, Z), within(1e-4));
        }
    }

    @Test
    void everyProbabilityAtTheNoiseLevelGivesMPlusOneLogTwo() {
        // v ⟂ every memory: P = 1/Z; with Z = n/m, P = m·P_n, so h = 1/2 everywhere
        int m = 3;
        double n = 600;
        try (NDManager nd = NDManager.newBaseManager()) {
            NDArray v = nd.create(new float[] {1, 0, 0, 0, 1, 0, 0, 0}, new Shape(2, 4));
            NDArray pos = nd.create(new float[] {0, 1, 0, 0, 0, 1, 0, 0}, new Shape(2, 4));
            NDArray noise = nd.create(new float[] {0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0}, new Shape(m, 4));
            float got = new NceLoss(0.07f, n).compute(v, pos, noise, (float) (n / m)).getFloat();
            assertThat((double) got).isCloseTo((m + 1) * Math.log(2), within(1e-5));
        }
    }

    @Test
    void normaliserIsNTimesTheMeanExponential() {
        double[][] v = LossTest.random(Rng.seeded(33), 5, 4);
        double mean = 0;
        for (double[] row : v) {
            for (double[] u : NOISE) {
                mean += Math.exp(LossReference.dot(row, u) / TAU);
            }
        }
        mean /= v.length * NOISE.length;
        try (NDManager m = NDManager.newBaseManager()) {
            float z = new NceLoss(TAU, N_INSTANCES).estimateNormaliser(LossTest.nd(m, v), LossTest.nd(m, NOISE));
            assertThat((double) z).isCloseTo(N_INSTANCES * mean, within(1e-3 * N_INSTANCES * mean));
        }
    }

    @Test
    void gradientSurvivesGc() {
        LossTest.checkGradient((v, pos) -> new NceLoss(TAU, N_INSTANCES).compute(v, pos.stopGradient(),
                LossTest.nd(v.getManager(), NOISE), Z), (v, pos) -> reference(v, pos, NOISE, Z));
    }
}
