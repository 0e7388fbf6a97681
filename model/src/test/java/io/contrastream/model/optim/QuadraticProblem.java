package io.contrastream.model.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.contrastream.model.util.Rng;

import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture: a few named parameters and the loss {@code Σ sum(a ⊙ w ⊙ w + c ⊙ w)}, whose gradient
 * {@code 2·a ⊙ w + c} a plain-Java reference can compute from its own copy of the weights.
 *
 * <pre>{@code
 * try (QuadraticProblem q = new QuadraticProblem(QuadraticProblem.initialWeights(1))) {
 *     q.computeGradients();
 *     optimizer.step(q.params(), 0.1f);
 * }
 * }</pre>
 */
final class QuadraticProblem implements AutoCloseable {
    static final String[] NAMES = {"weight", "bias", "gamma", "weight"};
    static final Shape[] SHAPES = {new Shape(3, 4), new Shape(3), new Shape(4), new Shape(2, 3)};

    private final NDManager manager = NDManager.newBaseManager();
    private final List<Parameter> params = new ArrayList<>();
    private final float[][] a;
    private final float[][] c;

    QuadraticProblem(float[][] weights) {
        this(weights, NAMES, SHAPES);
    }

    QuadraticProblem(float[][] weights, String[] names, Shape[] shapes) {
        Rng rng = Rng.seeded(42);
        a = new float[weights.length][];
        c = new float[weights.length][];
        for (int p = 0; p < weights.length; p++) {
            NDArray array = manager.create(weights[p].clone(), shapes[p]);
            array.setRequiresGradient(true);
            params.add(Parameter.builder().setName(names[p]).setType(Parameter.Type.WEIGHT)
                    .optArray(array).build());
            a[p] = new float[weights[p].length];
            c[p] = new float[weights[p].length];
            for (int i = 0; i < a[p].length; i++) {
                a[p][i] = 0.2f + rng.nextFloat();
                c[p][i] = (float) rng.uniform(-1, 1);
            }
        }
    }

    /** Deterministic initial weights for {@link #SHAPES}. */
    static float[][] initialWeights(long seed) {
        Rng rng = Rng.seeded(seed);
        float[][] w = new float[SHAPES.length][];
        for (int p = 0; p < SHAPES.length; p++) {
            w[p] = new float[(int) SHAPES[p].size()];
            for (int i = 0; i < w[p].length; i++) {
                w[p][i] = (float) rng.uniform(-1, 1);
            }
        }
        return w;
    }

    List<Parameter> params() {
        return params;
    }

    NDManager manager() {
        return manager;
    }

    /** Zeroes the gradients, then runs the loss forward and backward (constants are NDArrays). */
    void computeGradients() {
        for (Parameter p : params) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray loss = step.zeros(new Shape());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                for (int p = 0; p < params.size(); p++) {
                    NDArray w = params.get(p).getArray();
                    NDArray av = step.create(a[p], w.getShape());
                    NDArray cv = step.create(c[p], w.getShape());
                    loss = loss.add(av.mul(w).mul(w).sum()).add(cv.mul(w).sum());
                }
                gc.backward(loss);
            }
        }
    }

    /** The gradient the reference uses: {@code 2·a ⊙ w + c} in float. */
    float[][] referenceGradients(float[][] w) {
        float[][] g = new float[w.length][];
        for (int p = 0; p < w.length; p++) {
            g[p] = new float[w[p].length];
            for (int i = 0; i < w[p].length; i++) {
                g[p][i] = 2f * a[p][i] * w[p][i] + c[p][i];
            }
        }
        return g;
    }

    float[][] weights() {
        float[][] w = new float[params.size()][];
        for (int p = 0; p < params.size(); p++) {
            w[p] = params.get(p).getArray().toFloatArray();
        }
        return w;
    }

    static float[][] copy(float[][] w) {
        float[][] out = new float[w.length][];
        for (int p = 0; p < w.length; p++) {
            out[p] = w[p].clone();
        }
        return out;
    }

    /**
     * Fails unless every value is within {@code rel·max(|ref|, 1)}: relative for the O(1) weights here,
     * and absolute near zero where an update cancels the weight (like {@code allclose(rtol, atol=rtol)}).
     */
    static void assertClose(float[][] expected, float[][] actual, double rel, String what) {
        for (int p = 0; p < expected.length; p++) {
            for (int i = 0; i < expected[p].length; i++) {
                double e = expected[p][i];
                double x = actual[p][i];
                double tol = rel * Math.max(Math.abs(e), 1.0);
                if (!(Math.abs(e - x) <= tol)) {
                    throw new AssertionError(what + ": parameter " + p + " element " + i + " expected " + e
                            + " but was " + x + " (|diff| " + Math.abs(e - x) + " > " + tol + ")");
                }
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
