package io.contrastream.model.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.SyntheticImages;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.encoder.Encoders;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.param.Params;
import io.contrastream.model.state.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The serving model: for the same weights it embeds bit for bit what the recipe embeds (before any
 * import: the recipe's seeded initial weights), holds the encoder's parameters only, refuses weights of
 * another configuration; and the encoder's bytes convert to safetensors with PyTorch names.
 */
class EncoderModelTest {
    final ImageSet images = SyntheticImages.generate(10, 28, 5);

    float[] flat(int from, int n) {
        float[] out = new float[n * 784];
        for (int i = 0; i < n; i++) {
            System.arraycopy(images.images().get(from + i).data, 0, out, i * 784, 784);
        }
        return out;
    }

    /** Two training steps, so the weights and batch-norm statistics differ from the initial ones. */
    static void train(AbstractRecipe r, float[] v0, float[] v1) {
        List<float[]> views = r.viewsPerRecord() == 1 ? List.of(v0) : List.of(v0, v1); // CMC: its views are computed
        ViewBatch b = new ViewBatch(4, 1, 28, 28, views, new long[4]);
        for (int i = 0; i < 2; i++) {
            r.step(b);
        }
    }

    static long count(Block b) {
        long n = 0;
        for (Pair<String, Parameter> p : b.getParameters()) {
            n += p.getValue().getArray().size();
        }
        return n;
    }

    void sameAsRecipe(String method, String arch) {
        EncoderConfig enc = EncoderConfig.preset(arch, 1, 28);
        Params params = Recipes.defaults(method);
        try (AbstractRecipe r = Recipes.create(method, params, enc);
                EncoderModel m = EncoderModel.forRecipe(method, params, enc, null)) {
            assertThat(m.embed(flat(0, 6), 6)).as("%s %s version 0", method, arch)
                    .isDeepEqualTo(r.embed(flat(0, 6), 6));
            train(r, flat(0, 4), flat(4, 4));
            byte[] weights = r.exportEncoder();
            m.importEncoder(weights);
            float[][] served = m.embed(flat(2, 6), 6);
            assertThat(served).as("%s %s trained", method, arch).isDeepEqualTo(r.embed(flat(2, 6), 6));
            assertThat(served[0]).hasSize(m.embeddingDim());
            long encoderParams = 0;
            for (Block e : m.encoders()) {
                encoderParams += count(e);
            }
            assertThat(m.parameterCount()).isEqualTo(encoderParams).isEqualTo((weightsScalars(weights)));
            System.out.printf("EncoderModel %s %s: %d parameters (encoder bytes %d; the recipe's training state %d"
                    + " bytes)%n", method, arch, m.parameterCount(), weights.length, r.exportState().length);
        }
    }

    /** Scalars in an encoder's bytes, counted from its safetensors form. */
    static long weightsScalars(byte[] weights) {
        try {
            return SafeTensors.fromEncoder(weights).values().stream().mapToLong(t -> t.data().length).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void resnetSmallEmbedsAsTheRecipe() {
        sameAsRecipe("simclr", "resnet-small");
    }

    @Test
    void vitTinyEmbedsAsTheRecipe() {
        sameAsRecipe("moco-v3", "vit-tiny");
    }

    @Test
    void cmcViewsEmbedAsTheRecipe() {
        sameAsRecipe("cmc", "resnet-small");
    }

    @Test
    void onlyTheEncoderIsBuilt() {
        EncoderConfig enc = EncoderConfig.smallResNet(1, 28);
        try (EncoderModel m = new EncoderModel(enc, 42, null)) {
            assertThat(m.encoders()).hasSize(1);
            Block alone = Encoders.build(enc);
            try (var manager = ai.djl.ndarray.NDManager.newBaseManager()) {
                alone.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(2, 1, 28, 28));
                assertThat(m.parameterCount()).isEqualTo(count(alone));
            }
            assertThat(m.encoders().get(0).getParameters().values()).noneMatch(Parameter::requiresGradient);
            assertThat(m.embeddingDim()).isEqualTo(128);
        }
    }

    @Test
    void refusesWeightsOfAnotherEncoder() {
        try (AbstractRecipe r = Recipes.create("simclr", Recipes.defaults("simclr"), EncoderConfig.vitTiny(1, 28, false));
                EncoderModel m = new EncoderModel(EncoderConfig.smallResNet(1, 28), 42, null)) {
            assertThatThrownBy(() -> m.importEncoder(r.exportEncoder())).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("cannot load encoder weights");
        }
    }

    @Test
    void encoderBytesBecomeSafetensorsWithTorchNames() throws IOException {
        try (AbstractRecipe r = Recipes.create("simclr", Recipes.defaults("simclr"), EncoderConfig.smallResNet(1, 28))) {
            byte[] weights = r.exportEncoder();
            Map<String, SafeTensors.Tensor> t = SafeTensors.fromEncoder(weights);
            assertThat(t.keySet()).startsWith("0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var")
                    .contains("3.0.0.0.weight", "3.0.1.0.weight", "3.0.1.1.running_var");
            assertThat(t.get("0.weight").shape()).containsExactly(16, 1, 3, 3);
            SafeTensors.Contents back = SafeTensors.read(SafeTensors.write(t, Map.of("method", "simclr")));
            assertThat(back.metadata()).containsExactly(Map.entry("method", "simclr"));
            assertThat(back.tensors().keySet()).containsExactlyElementsOf(t.keySet());
            t.forEach((k, v) -> {
                assertThat(back.tensors().get(k).shape()).as(k).containsExactly(v.shape());
                assertThat(back.tensors().get(k).data()).as(k).containsExactly(v.data());
            });
        }
        try (AbstractRecipe r = Recipes.create("simclr", Recipes.defaults("simclr"), EncoderConfig.vitTiny(1, 28, false))) {
            assertThat(SafeTensors.fromEncoder(r.exportEncoder()).keySet()).contains("cls", "pos", "patch.weight",
                    "patch.bias", "block0.norm1.weight", "block0.qkv.weight", "block3.fc2.bias", "norm.bias");
        }
        Params cpc = io.contrastream.model.method.cpc.Cpc.SPEC.defaults();
        try (var m = new io.contrastream.model.method.cpc.Cpc(cpc)) { // g_enc and g_ar, then the predictor as block 1
            assertThat(SafeTensors.fromEncoder(m.exportEncoder()).keySet()).contains("genc.0.weight", "genc.0.bias",
                    "gar.weight_ih_l0", "gar.weight_hh_l0", "gar.bias_ih_l0", "gar.bias_hh_l0", "1.weight");
        }
    }
}
