package io.contrastream.flink.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.DecodedImage;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trainer's sample keeps about the requested fraction, the same records on every run. */
class TrainSamplerTest {
    static DecodedImage record(int i) {
        DecodedImage d = new DecodedImage();
        d.recordId = "r-" + i;
        return d;
    }

    @Test
    void keepsTheFractionDeterministically() {
        TrainSampler quarter = new TrainSampler(JobConfig.of(Map.of("train-sample", "0.25")));
        TrainSampler again = new TrainSampler(JobConfig.of(Map.of("train-sample", "0.25")));
        TrainSampler otherSeed = new TrainSampler(JobConfig.of(Map.of("train-sample", "0.25", "seed", "7")));
        int kept = 0;
        int differ = 0;
        for (int i = 0; i < 20_000; i++) {
            boolean k = quarter.filter(record(i));
            assertThat(again.filter(record(i))).isEqualTo(k);
            kept += k ? 1 : 0;
            differ += k != otherSeed.filter(record(i)) ? 1 : 0;
        }
        assertThat(kept / 20_000.0).isBetween(0.24, 0.26);
        assertThat(differ).as("another seed samples other records").isGreaterThan(5_000);
    }

    @Test
    void everythingByDefault() {
        TrainSampler all = new TrainSampler(JobConfig.of(Map.of()));
        for (int i = 0; i < 1000; i++) {
            assertThat(all.filter(record(i))).isTrue();
        }
    }
}
