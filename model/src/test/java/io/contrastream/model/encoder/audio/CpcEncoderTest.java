package io.contrastream.model.encoder.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.contrastream.model.encoder.SeededInitializer;
import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

/** The paper's geometry (hop 160, receptive field 465) and the encoder's shapes and seeding. */
class CpcEncoderTest {

    @Test
    void paperGeometry() {
        CpcEncoderConfig p = CpcEncoderConfig.paper();
        assertThat(p.channels()).isEqualTo(512);
        assertThat(p.gruUnits()).isEqualTo(256);
        assertThat(p.predictionSteps()).isEqualTo(12);
        assertThat(p.hop()).isEqualTo(160);
        assertThat(p.receptiveField()).isEqualTo(465);
        assertThat(p.frames(20480)).isEqualTo(126);
        assertThat(p.frames(464)).isZero();
        assertThat(p.frames(465)).isEqualTo(1);
        for (int t = 0; t < 5000; t += 7) { // the closed form equals the layer-by-layer count
            int want = t < 465 ? 0 : (t - 465) / 160 + 1;
            assertThat(p.frames(t)).as("frames(%d)", t).isEqualTo(want);
        }
        assertThat(p.samplesFor(3)).isEqualTo(465 + 320);
        CpcEncoderConfig cpu = CpcEncoderConfig.cpu();
        assertThat(cpu.hop()).isEqualTo(160);
        assertThat(cpu.receptiveField()).isEqualTo(465);
        assertThat(cpu).isEqualTo(new CpcEncoderConfig(64, 64, CpcEncoderConfig.PAPER_KERNELS,
                CpcEncoderConfig.PAPER_STRIDES, 12));
        assertThatThrownBy(() -> new CpcEncoderConfig(8, 8, new int[] {3}, new int[] {1, 2}, 2))
                .hasMessageContaining("as many kernels");
    }

    @Test
    void shapesAndSeededWeights() {
        CpcEncoderConfig cfg = CpcEncoderConfig.cpu().with(8, 6, 3);
        try (NDManager m = NDManager.newBaseManager()) {
            float[][] weights = new float[3][];
            for (int i = 0; i < 3; i++) {
                CpcEncoder enc = new CpcEncoder(cfg);
                enc.setInitializer(new SeededInitializer(Rng.seeded(i < 2 ? 5 : 6)), Parameter.Type.WEIGHT);
                enc.initialize(m, DataType.FLOAT32, new Shape(2, 1, cfg.receptiveField()));
                NDList out = enc.forward(new ParameterStore(m, false),
                        new NDList(m.randomUniform(-1, 1, new Shape(3, 1, 2000))), false);
                assertThat(out.get(0).getShape()).isEqualTo(new Shape(3, 8, cfg.frames(2000)));
                assertThat(out.get(1).getShape()).isEqualTo(new Shape(3, cfg.frames(2000), 6));
                assertThat(out.get(2).getShape()).isEqualTo(new Shape(1, 3, 6));
                weights[i] = enc.getParameters().stream().filter(e -> e.getKey().endsWith("l_0_i2h_WEIGHT")).findFirst()
                        .orElseThrow(() -> new AssertionError(enc.getParameters().keys())).getValue().getArray()
                        .toFloatArray();
            }
            assertThat(weights[0]).isEqualTo(weights[1]);
            assertThat(weights[0]).isNotEqualTo(weights[2]);
        }
    }
}
