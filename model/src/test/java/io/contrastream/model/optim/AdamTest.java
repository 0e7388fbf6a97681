package io.contrastream.model.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdamTest {
    private static final float[] LRS = {0.01f, 0.02f, 0.015f, 0.01f, 0.005f, 0.02f};

    @ParameterizedTest(name = "wd={0} decoupled={1}")
    @CsvSource({"0,false", "0.01,false", "0.05,true"})
    void matchesPlainJavaReference(float wd, boolean decoupled) {
        float beta1 = 0.9f;
        float beta2 = 0.999f;
        float eps = 1e-8f;
        float[][] w = QuadraticProblem.initialWeights(3);
        float[][] m = new float[w.length][];
        float[][] v = new float[w.length][];
        try (QuadraticProblem q = new QuadraticProblem(w);
                NDManager state = NDManager.newBaseManager()) {
            Adam adam = new Adam(state, beta1, beta2, eps, wd, decoupled);
            assertThat(adam.name()).isEqualTo(decoupled ? "adamw" : "adam");
            int t = 0;
            for (float lr : LRS) {
                q.computeGradients();
                adam.step(q.params(), lr);

                t++;
                float[][] g = q.referenceGradients(w);
                double bc1 = 1 - Math.pow(beta1, t);
                double bc2 = 1 - Math.pow(beta2, t);
                for (int p = 0; p < w.length; p++) {
                    if (m[p] == null) {
                        m[p] = new float[w[p].length];
                        v[p] = new float[w[p].length];
                    }
                    for (int i = 0; i < w[p].length; i++) {
                        float d = g[p][i];
                        if (wd != 0f && decoupled) {
                            w[p][i] *= (float) (1.0 - (double) lr * wd);
                        } else if (wd != 0f) {
                            d = wd * w[p][i] + d;
                        }
                        m[p][i] = beta1 * m[p][i] + (1 - beta1) * d;
                        v[p][i] = beta2 * v[p][i] + (1 - beta2) * d * d;
                        double denom = Math.sqrt(v[p][i]) / Math.sqrt(bc2) + eps;
                        w[p][i] = (float) (w[p][i] - lr / bc1 * m[p][i] / denom);
                    }
                }
                QuadraticProblem.assertClose(w, q.weights(), 1e-6, "adam");
            }
        }
    }

    @Test
    void firstStepMovesEachWeightByAboutLr() {
        // with bias correction the first Adam step is lr·sign(g) (up to ε)
        float[][] w = QuadraticProblem.initialWeights(5);
        try (QuadraticProblem q = new QuadraticProblem(w);
                NDManager state = NDManager.newBaseManager()) {
            q.computeGradients();
            new Adam(state).step(q.params(), 0.01f);
            float[][] after = q.weights();
            float[][] g = q.referenceGradients(w);
            for (int p = 0; p < w.length; p++) {
                for (int i = 0; i < w[p].length; i++) {
                    assertThat((double) w[p][i] - after[p][i]).isCloseTo(0.01 * Math.signum(g[p][i]),
                            org.assertj.core.data.Offset.offset(1e-6));
                }
            }
        }
    }
}
