package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import io.contrastream.model.util.Rng;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import org.junit.jupiter.api.Test;

class QueueAndMomentumTest {

    @Test
    void queueIsFifoWithWrapAndExportsItsPointer() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            KeyQueue q = new KeyQueue(m, 5, 2, Rng.seeded(1));
            float[] init = q.keys().toFloatArray();
            for (int i = 0; i < 5; i++) {
                assertThat(Math.hypot(init[2 * i], init[2 * i + 1])).isCloseTo(1.0, within(1e-5));
            }
            q.enqueue(m.create(new float[] {1, 1, 2, 2, 3, 3}, new Shape(3, 2)));
            assertThat(q.pointer()).isEqualTo(3);
            q.enqueue(m.create(new float[] {4, 4, 5, 5, 6, 6}, new Shape(3, 2)));
            assertThat(q.pointer()).isEqualTo(1);
            assertThat(q.keys().toFloatArray()).containsExactly(6, 6, 2, 2, 3, 3, 4, 4, 5, 5);

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            q.write(new DataOutputStream(bytes));
            KeyQueue restored = new KeyQueue(m, 5, 2, Rng.seeded(2));
            restored.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
            assertThat(restored.pointer()).isEqualTo(1);
            assertThat(restored.keys().toFloatArray()).isEqualTo(q.keys().toFloatArray());
        }
    }

    @Test
    void dirtyRowsTrackWritesSinceTheLastFlush() {
        try (NDManager m = NDManager.newBaseManager()) {
            KeyQueue q = new KeyQueue(m, 5, 2, Rng.seeded(1));
            assertThat(q.dirtyRows()).containsExactly(0, 1, 2, 3, 4); // a new queue is all new
            q.markClean();
            q.enqueue(m.create(new float[] {1, 1, 2, 2}, new Shape(2, 2)));
            assertThat(q.dirtyRows()).containsExactly(0, 1);
            q.markClean();
            q.enqueue(m.create(new float[] {3, 3, 4, 4, 5, 5, 6, 6}, new Shape(4, 2)));
            assertThat(q.dirtyRows()).containsExactly(2, 3, 4, 0); // wrapped
            q.enqueue(m.create(new float[] {7, 7, 8, 8}, new Shape(2, 2)));
            assertThat(q.dirtyRows()).containsExactly(3, 4, 0, 1, 2); // more than capacity: every row once

            KeyQueue r = new KeyQueue(m, 5, 2, Rng.seeded(9));
            r.load(q.toArray(), q.pointer());
            assertThat(r.toArray()).isEqualTo(q.toArray());
            assertThat(r.pointer()).isEqualTo(q.pointer());
            assertThat(r.dirtyRows()).isEmpty();
        }
    }

    @Test
    void momentumUpdateFollowsTheFormulaAndIsNotTrained() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block online = Linear.builder().setUnits(3).build();
            online.setInitializer(new NormalInitializer(), ai.djl.nn.Parameter.Type.WEIGHT);
            online.initialize(m, DataType.FLOAT32, new Shape(1, 4));
            MomentumCopy copy = new MomentumCopy(online, Linear.builder().setUnits(3).build(), m, new Shape(1, 4));
            NDArray w = online.getParameters().get(0).getValue().getArray();
            NDArray t = copy.block().getParameters().get(0).getValue().getArray();
            assertThat(t.toFloatArray()).isEqualTo(w.toFloatArray());
            assertThat(t.hasGradient()).isFalse();

            float[] before = t.toFloatArray();
            w.addi(m.ones(w.getShape())); // online moves by +1
            copy.update(0.9f);
            float[] online1 = w.toFloatArray();
            float[] after = t.toFloatArray();
            for (int i = 0; i < after.length; i++) {
                assertThat(after[i]).isCloseTo(0.9f * before[i] + 0.1f * online1[i], within(1e-6f));
            }
            copy.update(1f);
            assertThat(t.toFloatArray()).isEqualTo(after);
            copy.update(0f);
            assertThat(t.toFloatArray()).isEqualTo(online1);
        }
    }
}
