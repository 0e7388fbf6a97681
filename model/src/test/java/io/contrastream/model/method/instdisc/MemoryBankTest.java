package io.contrastream.model.method.instdisc;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.model.util.Rng;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import org.junit.jupiter.api.Test;

/** The bounded bank: ids take ring slots first in first out, evict the oldest, sample in range, save exactly. */
class MemoryBankTest {
    @Test
    void ringAssignsEvictsAndInitialisesRandomUnitRows() {
        InMemoryBank bank = new InMemoryBank(3, 4, 1);
        assertThat(bank.find(100)).isEqualTo(-1);
        assertThat(bank.slotFor(100)).isZero();
        assertThat(bank.slotFor(200)).isEqualTo(1);
        assertThat(bank.slotFor(100)).isZero(); // known ids keep their slot
        assertThat(bank.slotFor(300)).isEqualTo(2);
        assertThat(bank.slotFor(400)).isZero(); // the oldest instance (100) is evicted
        assertThat(bank.find(100)).isEqualTo(-1);
        assertThat(bank.find(400)).isZero();
        float[] r = bank.row(1); // never written: the slot's seeded random unit vector
        double norm = 0;
        for (float x : r) {
            norm += x * x;
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(new InMemoryBank(3, 4, 1).row(1)).containsExactly(r);
        bank.setRow(1, new float[] {0, 1, 0, 0});
        assertThat(bank.row(1)).containsExactly(0, 1, 0, 0);
        int[] s = bank.sample(1000, Rng.seeded(2));
        assertThat(java.util.Arrays.stream(s).boxed().toList()).allMatch(x -> x >= 0 && x < 3).contains(0, 1, 2);
    }

    @Test
    void savesAndRestoresExactly() throws Exception {
        InMemoryBank bank = new InMemoryBank(5, 2, 3);
        for (long id = 0; id < 7; id++) {
            bank.setRow(bank.slotFor(id * 10), new float[] {id, -id});
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bank.write(new DataOutputStream(bytes));
        InMemoryBank copy = new InMemoryBank(5, 2, 3);
        copy.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        for (long id = 0; id < 7; id++) {
            assertThat(copy.find(id * 10)).isEqualTo(bank.find(id * 10));
        }
        for (int slot = 0; slot < 5; slot++) {
            assertThat(copy.row(slot)).containsExactly(bank.row(slot));
        }
        assertThat(copy.slotFor(999)).isEqualTo(bank.slotFor(999)); // same ring position
    }
}
