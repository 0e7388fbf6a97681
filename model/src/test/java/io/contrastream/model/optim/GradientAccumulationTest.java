package io.contrastream.model.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

/** Facts about DJL's PyTorch engine that the training loop relies on. */
class GradientAccumulationTest {

    @Test
    void gradientsAccumulateAcrossBackwardPassesUntilZeroed() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f, 2f, 3f});
            w.setRequiresGradient(true);
            NDArray c = m.create(new float[] {0.5f, -1f, 2f});
            for (int pass = 0; pass < 2; pass++) {
                try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray cs = c.duplicate();
                    cs.attach(step);
                    gc.backward(cs.mul(w).sum());
                }
            }
            assertThat(gradient(w)).containsExactly(1f, -2f, 4f);

            JniUtils.zeroGrad((PtNDArray) w);
            assertThat(gradient(w)).containsExactly(0f, 0f, 0f);
        }
    }

    @Test
    void zeroGradClearsNaNGradientsAndIsHarmlessBeforeAnyBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f, 2f, 3f});
            w.setRequiresGradient(true);
            JniUtils.zeroGrad((PtNDArray) w); // no gradient yet
            assertThat(gradient(w)).containsExactly(0f, 0f, 0f);

            try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray bad = step.create(new float[] {Float.NaN, Float.POSITIVE_INFINITY, 1f});
                gc.backward(bad.mul(w).sum());
            }
            float[] g = gradient(w);
            assertThat(g[0]).isNaN();
            assertThat(g[1]).isInfinite();

            JniUtils.zeroGrad((PtNDArray) w);
            assertThat(gradient(w)).containsExactly(0f, 0f, 0f);
        }
    }

    private static float[] gradient(NDArray w) {
        try (NDArray g = w.getGradient()) { // getGradient() adds a new handle to w's manager: close it
            return g.toFloatArray();
        }
    }
}
