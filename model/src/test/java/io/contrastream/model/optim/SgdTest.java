package io.contrastream.model.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SgdTest {
    private static final float[] LRS = {0.1f, 0.05f, 0.08f, 0.02f, 0.1f};

    @ParameterizedTest(name = "momentum={0} wd={1} nesterov={2}")
    @CsvSource({"0,0,false", "0,0.01,false", "0.9,0,false", "0.9,0.01,false", "0.9,0.01,true"})
    void matchesPlainJavaReference(float momentum, float wd, boolean nesterov) {
        float[][] w = QuadraticProblem.initialWeights(7);
        float[][] buf = new float[w.length][];
        try (QuadraticProblem q = new QuadraticProblem(w);
                NDManager state = NDManager.newBaseManager()) {
            Sgd sgd = new Sgd(state, momentum, wd, nesterov);
            for (float lr : LRS) {
                q.computeGradients();
                sgd.step(q.params(), lr);

                float[][] g = q.referenceGradients(w);
                for (int p = 0; p < w.length; p++) {
                    boolean first = buf[p] == null;
                    if (first) {
                        buf[p] = new float[w[p].length];
                    }
                    for (int i = 0; i < w[p].length; i++) {
                        float d = g[p][i];
                        if (wd != 0f) {
                            d = wd * w[p][i] + d;
                        }
                        if (momentum != 0f) {
                            buf[p][i] = first ? d : momentum * buf[p][i] + d;
                            d = nesterov ? momentum * buf[p][i] + d : buf[p][i];
                        }
                        w[p][i] -= lr * d;
                    }
                }
                QuadraticProblem.assertClose(w, q.weights(), 1e-6, "sgd");
            }
        }
    }

    @Test
    void updatesTheParametersOfARealBlock() {
        try (NDManager m = NDManager.newBaseManager(); NDManager state = NDManager.newBaseManager()) {
            Linear block = Linear.builder().setUnits(3).build();
            block.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
            block.initialize(m, DataType.FLOAT32, new Shape(2, 4));
            List<Parameter> params = new ArrayList<>(block.getParameters().values());
            float[][] before = new float[params.size()][];
            for (int p = 0; p < params.size(); p++) {
                before[p] = params.get(p).getArray().toFloatArray();
            }
            float[][] grads = new float[params.size()][];
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.create(new float[] {1, 2, 3, 4, -1, 0.5f, 2, 0}, new Shape(2, 4));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray out = block.forward(new ParameterStore(step, false), new NDList(x), true).singletonOrThrow();
                    gc.backward(out.square().sum());
                }
                for (int p = 0; p < params.size(); p++) {
                    try (NDArray g = params.get(p).getArray().getGradient()) {
                        grads[p] = g.toFloatArray();
                    }
                }
            }
            new Sgd(state, 0f, 0f, false).step(params, 0.5f);
            for (int p = 0; p < params.size(); p++) {
                float[] after = params.get(p).getArray().toFloatArray();
                for (int i = 0; i < after.length; i++) {
                    assertThat(after[i]).isEqualTo(before[p][i] - 0.5f * grads[p][i]);
                }
            }
        }
    }

    @Test
    void stepsIdenticallyOnAThreadWhoseGradModeIsOn() throws Exception {
        float[][] init = QuadraticProblem.initialWeights(8);
        float[][] onMain;
        try (QuadraticProblem q = new QuadraticProblem(init); NDManager state = NDManager.newBaseManager()) {
            Sgd sgd = new Sgd(state, 0.9f, 1e-2f, true);
            for (int s = 0; s < 3; s++) {
                q.computeGradients();
                sgd.step(q.params(), 0.1f);
            }
            onMain = q.weights();
        }
        float[][][] onWorker = new float[1][][];
        boolean[] gradModeOnWorker = new boolean[1];
        Throwable[] failure = new Throwable[1];
        // libtorch's grad mode is per thread and on by default: only the thread that loaded the
        // engine has it off. The optimizer must not record a graph or trip over in-place updates there.
        Thread worker = new Thread(() -> {
            try (QuadraticProblem q = new QuadraticProblem(init); NDManager state = NDManager.newBaseManager()) {
                gradModeOnWorker[0] = ai.djl.pytorch.jni.JniUtils.isGradMode();
                Sgd sgd = new Sgd(state, 0.9f, 1e-2f, true);
                for (int s = 0; s < 3; s++) {
                    q.computeGradients();
                    sgd.step(q.params(), 0.1f);
                }
                onWorker[0] = q.weights();
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        worker.start();
        worker.join();
        assertThat(failure[0]).isNull();
        assertThat(gradModeOnWorker[0]).isTrue();
        for (int p = 0; p < onMain.length; p++) {
            assertThat(onWorker[0][p]).containsExactly(onMain[p]);
        }
    }

    @Test
    void rejectsNesterovWithoutMomentum() {
        try (NDManager state = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> new Sgd(state, 0f, 0f, true)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
