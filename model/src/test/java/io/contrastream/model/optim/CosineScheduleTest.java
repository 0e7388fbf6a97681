package io.contrastream.model.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CosineScheduleTest {

    @Test
    void warmsUpLinearlyThenDecaysAlongAHalfCosine() {
        CosineSchedule s = new CosineSchedule(0.4f, 100, 1100, 0.004f);
        assertThat(s.at(0)).isEqualTo(0f);
        assertThat(s.at(50)).isCloseTo(0.2f, within(1e-7f));
        assertThat(s.at(100)).isCloseTo(0.4f, within(1e-7f));
        assertThat(s.at(600)).isCloseTo((0.4f + 0.004f) / 2, within(1e-7f));
        assertThat(s.at(350)).isCloseTo(0.004f + 0.396f * (float) (0.5 * (1 + Math.cos(Math.PI / 4))), within(1e-7f));
        assertThat(s.at(1100)).isCloseTo(0.004f, within(1e-9f));
        assertThat(s.at(5000)).isEqualTo(0.004f);
        assertThat(s.at(-3)).isEqualTo(0f);
    }

    @Test
    void withoutWarmupStartsAtTheBase() {
        CosineSchedule s = CosineSchedule.decay(1f, 10, 0f);
        assertThat(s.at(0)).isEqualTo(1f);
        assertThat(s.at(5)).isCloseTo(0.5f, within(1e-7f));
        assertThat(s.at(10)).isEqualTo(0f);
    }

    @Test
    void cosineIncreaseRisesFromStartToEnd() {
        assertThat(CosineSchedule.cosineIncrease(0.99f, 1f, 0, 1000)).isEqualTo(0.99f);
        assertThat(CosineSchedule.cosineIncrease(0.99f, 1f, 500, 1000)).isCloseTo(0.995f, within(1e-7f));
        assertThat(CosineSchedule.cosineIncrease(0.99f, 1f, 1000, 1000)).isEqualTo(1f);
        assertThat(CosineSchedule.cosineIncrease(0.99f, 1f, 4000, 1000)).isEqualTo(1f);
        assertThat(CosineSchedule.cosineIncrease(0.99f, 1f, 250, 1000))
                .isLessThan(CosineSchedule.cosineIncrease(0.99f, 1f, 750, 1000));
    }

    @Test
    void rejectsWarmupLongerThanTheSchedule() {
        assertThatThrownBy(() -> new CosineSchedule(1f, 10, 5, 0f)).isInstanceOf(IllegalArgumentException.class);
    }
}
