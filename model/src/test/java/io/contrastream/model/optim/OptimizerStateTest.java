package io.contrastream.model.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OptimizerStateTest {
    private static final float[] LRS = {0.05f, 0.04f, 0.03f, 0.02f, 0.01f, 0.03f};

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("sgd", (Function<NDManager, Optimizer>) m -> new Sgd(m, 0.9f, 1e-3f, false)),
                Arguments.of("sgd-nesterov", (Function<NDManager, Optimizer>) m -> new Sgd(m, 0.9f, 1e-3f, true)),
                Arguments.of("lars", (Function<NDManager, Optimizer>) m -> new Lars(m, 0.9f, 1e-3f, 0.01f, Lars.DEFAULT_EXCLUDE)),
                Arguments.of("adam", (Function<NDManager, Optimizer>) m -> new Adam(m, 0.9f, 0.999f, 1e-8f, 1e-3f, false)),
                Arguments.of("adamw", (Function<NDManager, Optimizer>) m -> new Adam(m, 0.9f, 0.999f, 1e-8f, 0.05f, true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void restoreContinuesBitIdentically(String label, Function<NDManager, Optimizer> factory) throws IOException {
        float[][] init = QuadraticProblem.initialWeights(19);
        float[][] straight;
        try (QuadraticProblem q = new QuadraticProblem(init); NDManager m = NDManager.newBaseManager()) {
            Optimizer opt = factory.apply(m);
            for (float lr : LRS) {
                q.computeGradients();
                opt.step(q.params(), lr);
            }
            straight = q.weights();
        }

        byte[] state;
        float[][] halfway;
        try (QuadraticProblem q = new QuadraticProblem(init); NDManager m = NDManager.newBaseManager()) {
            Optimizer opt = factory.apply(m);
            for (int s = 0; s < 3; s++) {
                q.computeGradients();
                opt.step(q.params(), LRS[s]);
            }
            state = export(opt);
            halfway = q.weights();
        }

        float[][] resumed;
        try (QuadraticProblem q = new QuadraticProblem(halfway); NDManager m = NDManager.newBaseManager()) {
            Optimizer opt = factory.apply(m);
            opt.readState(new DataInputStream(new ByteArrayInputStream(state)));
            opt.verifyState(q.params());
            for (int s = 3; s < LRS.length; s++) {
                q.computeGradients();
                opt.step(q.params(), LRS[s]);
            }
            resumed = q.weights();
            assertThat(export(opt)).isNotEmpty();
        }
        for (int p = 0; p < straight.length; p++) {
            assertThat(resumed[p]).as("%s parameter %d", label, p).containsExactly(straight[p]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void memoryDoesNotGrowWithSteps(String label, Function<NDManager, Optimizer> factory) {
        try (QuadraticProblem q = new QuadraticProblem(QuadraticProblem.initialWeights(2));
                NDManager m = NDManager.newBaseManager()) {
            Optimizer opt = factory.apply(m);
            q.computeGradients();
            opt.step(q.params(), 0.01f);
            int stateArrays = m.getManagedArrays().size();
            int paramArrays = q.manager().getManagedArrays().size();
            for (int s = 0; s < 5; s++) {
                q.computeGradients();
                opt.step(q.params(), 0.01f);
            }
            assertThat(m.getManagedArrays()).as(label + " state arrays").hasSize(stateArrays);
            assertThat(q.manager().getManagedArrays()).as(label + " parameter arrays").hasSize(paramArrays);
        }
    }

    @Test
    void restoringIntoDifferentParametersFailsClearly() throws IOException {
        byte[] state;
        try (QuadraticProblem q = new QuadraticProblem(QuadraticProblem.initialWeights(1));
                NDManager m = NDManager.newBaseManager()) {
            Sgd sgd = new Sgd(m, 0.9f, 0f, false);
            q.computeGradients();
            sgd.step(q.params(), 0.1f);
            state = export(sgd);
        }
        Shape[] otherShapes = {new Shape(3, 4), new Shape(3), new Shape(5), new Shape(2, 3)};
        float[][] otherWeights = {new float[12], new float[3], new float[5], new float[6]};
        try (QuadraticProblem other = new QuadraticProblem(otherWeights, QuadraticProblem.NAMES, otherShapes);
                NDManager m = NDManager.newBaseManager()) {
            Sgd sgd = new Sgd(m, 0.9f, 0f, false);
            sgd.readState(new DataInputStream(new ByteArrayInputStream(state)));
            assertThatThrownBy(() -> sgd.verifyState(other.params()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("mismatch at parameter #2")
                    .hasMessageContaining("'gamma' (4)")
                    .hasMessageContaining("(5)");
            other.computeGradients();
            assertThatThrownBy(() -> sgd.step(other.params(), 0.1f)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> sgd.step(other.params().subList(0, 2), 0.1f))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("4 parameters but 2");
        }
        String[] otherNames = {"weight", "bias", "beta", "weight"};
        try (QuadraticProblem other = new QuadraticProblem(QuadraticProblem.initialWeights(1), otherNames,
                QuadraticProblem.SHAPES); NDManager m = NDManager.newBaseManager()) {
            Sgd sgd = new Sgd(m, 0.9f, 0f, false);
            sgd.readState(new DataInputStream(new ByteArrayInputStream(state)));
            assertThatThrownBy(() -> sgd.verifyState(other.params())).hasMessageContaining("'beta'");
        }
    }

    @Test
    void restoringIntoAnotherOptimizerOrSettingFails() throws IOException {
        byte[] state;
        try (NDManager m = NDManager.newBaseManager()) {
            state = export(new Sgd(m, 0.9f, 0f, false));
            Adam adam = new Adam(m);
            assertThatThrownBy(() -> adam.readState(new DataInputStream(new ByteArrayInputStream(state))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("'sgd'").hasMessageContaining("'adam'");
            Sgd otherMomentum = new Sgd(m, 0.8f, 0f, false);
            assertThatThrownBy(() -> otherMomentum.readState(new DataInputStream(new ByteArrayInputStream(state))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("hyper-parameters");
            Sgd garbage = new Sgd(m, 0.9f, 0f, false);
            assertThatThrownBy(() -> garbage.readState(new DataInputStream(new ByteArrayInputStream(new byte[8]))))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void aStateWrittenBeforeAnyStepRestoresIntoAnyModel() throws IOException {
        try (QuadraticProblem q = new QuadraticProblem(QuadraticProblem.initialWeights(6));
                NDManager m = NDManager.newBaseManager()) {
            byte[] empty = export(new Lars(m, 0.9f, 1e-6f));
            Lars lars = new Lars(m, 0.9f, 1e-6f);
            lars.readState(new DataInputStream(new ByteArrayInputStream(empty)));
            lars.verifyState(q.params());
            q.computeGradients();
            lars.step(q.params(), 0.1f);
        }
    }

    @Test
    void frozenParametersAreSkippedButKeepTheirPosition() {
        try (QuadraticProblem q = new QuadraticProblem(QuadraticProblem.initialWeights(4));
                NDManager m = NDManager.newBaseManager()) {
            Parameter frozen = q.params().get(1);
            q.computeGradients();
            frozen.freeze(true);
            float[] before = frozen.getArray().toFloatArray();
            float[] otherBefore = q.params().get(0).getArray().toFloatArray();
            new Adam(m).step(q.params(), 0.1f);
            assertThat(frozen.getArray().toFloatArray()).containsExactly(before);
            assertThat(q.params().get(0).getArray().toFloatArray()).isNotEqualTo(otherBefore);
        }
    }

    private static byte[] export(Optimizer opt) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            opt.writeState(out);
        }
        return bytes.toByteArray();
    }
}
