package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.dino.Dino;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import org.junit.jupiter.api.Test;

/** DINO: the teacher temperature warm-up, the centre following the teacher outputs, learning a repeated batch. */
class DinoTest {

    @Test
    void teacherTemperatureWarmsUpLinearly() {
        assertThat(Dino.teacherTemperature(0.04, 0.07, 100, 0)).isEqualTo(0.04f);
        assertThat(Dino.teacherTemperature(0.04, 0.07, 100, 50)).isEqualTo(0.055f);
        assertThat(Dino.teacherTemperature(0.04, 0.07, 100, 100)).isEqualTo(0.07f);
        assertThat(Dino.teacherTemperature(0.04, 0.07, 0, 0)).isEqualTo(0.07f);
        Params p = Recipes.defaults("dino");
        assertThat(p.get(OptimizerParams.OPTIMIZER)).isEqualTo("adamw");
        assertThat(p.get(RecipeParams.TEMPERATURE)).isEqualTo(0.1);
    }

    @Test
    void multiCropFeedsSmallCropsToTheStudentOnly() {
        Params p = Recipes.defaults("dino").set(OptimizerParams.BATCH, 8).set(RecipeParams.OUT_DIM, 32);
        assertThat(p.get(RecipeParams.LOCAL_CROPS)).isEqualTo(4);
        for (EncoderConfig enc : new EncoderConfig[] {EncoderConfig.preset("vit-tiny", 1, 28), RecipeStateTest.ENC}) {
            try (Dino r = (Dino) Recipes.create("dino", p, enc)) {
                assertThat(r.viewsPerRecord()).isEqualTo(6);
                ViewBatch b = TestBatches.batch(r, 8, 0);
                assertThat(b.shape(1)).containsExactly(1, 28, 28);
                assertThat(b.shape(5)).containsExactly(1, 14, 14);
                float[] c0 = r.center();
                float loss = r.step(b).loss();
                assertThat(loss).as(enc.arch()).isFinite();
                // changing only the small crops changes the loss: they reach the student
                java.util.List<float[]> views = new java.util.ArrayList<>(b.views());
                float[] noisy = views.get(4).clone();
                for (int i = 0; i < noisy.length; i++) {
                    noisy[i] = 1f - noisy[i];
                }
                views.set(4, noisy);
                ViewBatch changed = new ViewBatch(8, 1, 28, 28, views, b.recordIds(), b.shapes());
                try (Dino a = (Dino) Recipes.create("dino", p, enc); Dino bb = (Dino) Recipes.create("dino", p, enc)) {
                    float la = a.step(b).loss();
                    float lb = bb.step(changed).loss();
                    assertThat(la).isEqualTo(loss);
                    assertThat(lb).isNotEqualTo(la);
                    assertThat(bb.center()).isEqualTo(a.center()); // the centre follows the teacher's global views only
                }
                assertThat(c0).containsOnly(0f);
            }
        }
        Params vitOdd = Recipes.defaults("dino").set(RecipeParams.LOCAL_CROP_SIZE, 12);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Recipes.create("dino", vitOdd, EncoderConfig.preset("vit-tiny", 1, 28)))
                .hasMessageContaining("local-crop-size=7");
    }

    @Test
    void theCentreFollowsTheTeacherAndTheStudentLearns() {
        for (EncoderConfig enc : new EncoderConfig[] {EncoderConfig.preset("vit-tiny", 1, 28), RecipeStateTest.ENC}) {
            // a fixed teacher (momentum 1) and a centre that equals the batch mean after one step (momentum 0):
            // from step 2 on the student minimises a fixed objective on the repeated batch
            Params p = Recipes.defaults("dino").set(OptimizerParams.BATCH, 16).set(OptimizerParams.LR, 0.02)
                    .set(RecipeParams.OUT_DIM, 64).set(RecipeParams.TEACHER_TEMP_WARMUP, 0L)
                    .set(RecipeParams.BASE_TARGET_MOMENTUM, 1.0).set(RecipeParams.CENTER_MOMENTUM, 0.0);
            try (Dino r = (Dino) Recipes.create("dino", p, enc)) {
                assertThat(r.center()).containsOnly(0f);
                ViewBatch b = TestBatches.batch(r, 16, 0);
                float first = r.step(b).loss();
                float[] c = r.center();
                double norm = 0;
                for (float v : c) {
                    norm += v * v;
                }
                assertThat(norm).as(enc.arch()).isGreaterThan(0);
                first = r.step(b).loss();
                assertThat(r.center()).isEqualTo(c); // the fixed teacher's mean output on the same batch
                float last = first;
                for (int s = 0; s < 8; s++) {
                    last = r.step(b).loss();
                }
                assertThat(last).as(enc.arch()).isLessThan(first);
            }
        }
    }
}
