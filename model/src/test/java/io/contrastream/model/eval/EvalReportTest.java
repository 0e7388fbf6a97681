package io.contrastream.model.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;

import org.junit.jupiter.api.Test;

class EvalReportTest {

    @Test
    void lineHasTheExactFormat() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY); // a decimal comma must not leak in
            EvalReport r = new EvalReport(0.81234, 0.9, 0.79126, 0.00004);
            assertThat(r.line()).isEqualTo("knn_top1=0.8123 linear_top1=0.9000 raw_knn_top1=0.7913 random_knn_top1=0.0000");
        } finally {
            Locale.setDefault(before);
        }
    }
}
