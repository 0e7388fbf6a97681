package io.contrastream.model.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LarsTest {
    private static final float[] LRS = {1.0f, 0.5f, 0.8f, 0.3f, 1.2f};

    @ParameterizedTest(name = "momentum={0} wd={1} eta={2}")
    @CsvSource({"0.9,0.000001,0.001", "0.9,0.01,0.02", "0,0.01,0.02"})
    void matchesPlainJavaReference(float momentum, float wd, float eta) {
        float[][] w = QuadraticProblem.initialWeights(11);
        float[][] buf = new float[w.length][];
        try (QuadraticProblem q = new QuadraticProblem(w);
                NDManager state = NDManager.newBaseManager()) {
            Lars lars = new Lars(state, momentum, wd, eta, Lars.DEFAULT_EXCLUDE);
            for (float lr : LRS) {
                q.computeGradients();
                lars.step(q.params(), lr);

                float[][] g = q.referenceGradients(w);
                for (int p = 0; p < w.length; p++) {
                    boolean excluded = Lars.DEFAULT_EXCLUDE.test(QuadraticProblem.NAMES[p]);
                    float[] d = g[p].clone();
                    float local = 1f;
                    if (!excluded) {
                        double wn = 0;
                        double gn = 0;
                        for (int i = 0; i < d.length; i++) {
                            d[i] = wd * w[p][i] + d[i];
                            wn += (double) w[p][i] * w[p][i];
                            gn += (double) d[i] * d[i];
                        }
                        wn = Math.sqrt(wn);
                        gn = Math.sqrt(gn);
                        local = wn > 0 && gn > 0 ? (float) (eta * wn / gn) : 1f;
                    }
                    if (buf[p] == null) {
                        buf[p] = new float[d.length];
                    }
                    for (int i = 0; i < d.length; i++) {
                        buf[p][i] = momentum * buf[p][i] + local * d[i];
                        w[p][i] -= lr * buf[p][i];
                    }
                }
                QuadraticProblem.assertClose(w, q.weights(), 1e-6, "lars");
            }
        }
    }

    @Test
    void trustRatioIsOneWhenANormIsZero() {
        assertThat(Lars.localLr(0.001f, 0f, 3f)).isEqualTo(1f);
        assertThat(Lars.localLr(0.001f, 2f, 0f)).isEqualTo(1f);
        assertThat(Lars.localLr(0.001f, 2f, 4f)).isEqualTo(0.0005f);
    }

    @Test
    void excludesBiasesAndBatchNormByDefault() {
        assertThat(Lars.DEFAULT_EXCLUDE.test("bias")).isTrue();
        assertThat(Lars.DEFAULT_EXCLUDE.test("gamma")).isTrue();
        assertThat(Lars.DEFAULT_EXCLUDE.test("beta")).isTrue();
        assertThat(Lars.DEFAULT_EXCLUDE.test("weight")).isFalse();
    }
}
