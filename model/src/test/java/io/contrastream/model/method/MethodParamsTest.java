package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Param;
import io.contrastream.model.param.Params;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each method's parameter group declares exactly its keys; the registry's facts come from the specs. */
class MethodParamsTest {
    private static final EncoderConfig ENC = EncoderConfig.smallResNet(1, 28);

    @Test
    void aKeyTheMethodDoesNotUseIsRefusedWithItsOwnList() {
        Params moco = Recipes.defaults("moco-v2");
        assertThatThrownBy(() -> moco.set("prototypes", "10")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("moco-v2 has no parameter 'prototypes'; its parameters: seed, optimizer, lr,")
                .hasMessageContaining("queue-size").hasMessageNotContaining("sinkhorn");
        assertThatThrownBy(() -> moco.set(RecipeParams.PROTOTYPES, 10)).hasMessageContaining("'prototypes'");
        assertThatThrownBy(() -> moco.get(RecipeParams.PROTOTYPES)).hasMessageContaining("moco-v2 has no parameter");
        assertThat(Recipes.defaults("swav").set("prototypes", "10").get(RecipeParams.PROTOTYPES)).isEqualTo(10);
        assertThatThrownBy(() -> Recipes.defaults("byol").set("proj-bn", "false")).hasMessageContaining("mlp-norm");
        assertThatThrownBy(() -> Cpc.SPEC.defaults().set("temperature", "0.1"))
                .hasMessageStartingWith("cpc has no parameter 'temperature'");
    }

    @Test
    void everySpecsDefaultsValidateAndRoundTripAsText() {
        Set<String> names = new HashSet<>();
        for (MethodSpec spec : Recipes.SPECS) {
            assertThat(names.add(spec.name())).as("name %s once", spec.name()).isTrue();
            Params p = spec.defaults();
            assertThat(p.owner()).isEqualTo(spec.name());
            assertThat(p.declared()).isEqualTo(spec.params());
            assertThat(new HashSet<>(spec.params())).as("%s declares a key twice", spec).hasSameSizeAs(spec.params());
            assertThat(spec.params()).as("%s: the common group", spec).containsAll(RecipeParams.COMMON);
            for (Map.Entry<String, Object> e : p.asMap().entrySet()) {
                Param<?> param = spec.params().stream().filter(q -> q.name().equals(e.getKey())).findFirst().orElseThrow();
                assertThat(param.parse(String.valueOf(e.getValue()))).as("%s %s", spec, e.getKey()).isEqualTo(e.getValue());
            }
        }
        assertThat(Recipes.METHODS).hasSize(13).contains("cpc", "cmc", "moco-v2");
        assertThat(Recipes.IMAGE_METHODS).hasSize(12).doesNotContain("cpc");
    }

    @Test
    void todaysDefaultsAreKept() {
        assertThat(Recipes.defaults("moco-v2").asMap()).containsEntry("temperature", 0.2).containsEntry("proj-layers", 2)
                .containsEntry("queue-size", 4096).containsEntry("weight-decay", 1e-4).containsEntry("batch", 256);
        assertThat(Recipes.defaults("dino").asMap()).containsEntry("optimizer", "adamw").containsEntry("lr", 5e-4)
                .containsEntry("local-crops", 4).containsEntry("out-dim", 1024);
        assertThat(Recipes.defaults("cpc").asMap()).containsEntry("optimizer", "adam").containsEntry("batch", 8)
                .containsEntry("lr", 2e-4 * 256 / 8).containsEntry("window-samples", 20480);
        assertThat(Recipes.defaults("swav").get(OptimizerParams.WEIGHT_DECAY)).isEqualTo(1e-6);
    }

    @Test
    void modalityAndViewsAreFunctionsOfTheParameters() {
        for (String m : Recipes.IMAGE_METHODS) {
            MethodSpec spec = Recipes.spec(m);
            Params p = spec.defaults();
            int expected = m.equals("cmc") ? 1 : m.equals("swav") || m.equals("dino") ? 6 : 2;
            assertThat(spec.viewCount(p)).as(m).isEqualTo(expected);
            assertThat(spec.modality(p)).as(m).isEqualTo(MethodSpec.Modality.IMAGE);
            assertThat(spec.audioView(p)).isEqualTo(-1);
            int global = m.equals("byol") || m.equals("moco-v3") || m.equals("dino") ? 2 : 1;
            assertThat(spec.viewAugmentations(p, ENC)).as(m).hasSize(spec.localCrops(p) == 0 ? global : 2 + 4);
        }
        Params av = Recipes.defaults("cmc").set(RecipeParams.CMC_VIEWS, "intensity,audio");
        assertThat(cmc().modality(av)).isEqualTo(MethodSpec.Modality.IMAGE_AUDIO);
        assertThat(cmc().viewCount(av)).isEqualTo(2);
        assertThat(cmc().audioView(av)).isEqualTo(1);
        assertThat(Cpc.SPEC.modality(Cpc.SPEC.defaults())).isEqualTo(MethodSpec.Modality.AUDIO);
        assertThatThrownBy(() -> Cpc.SPEC.viewCount(Cpc.SPEC.defaults())).hasMessageContaining("audio");
        assertThatThrownBy(() -> Recipes.create("cpc", Cpc.SPEC.defaults(), ENC)).hasMessageContaining("audio");
        assertThatThrownBy(() -> Recipes.spec("mocov9")).hasMessageContaining("unknown method 'mocov9'")
                .hasMessageContaining("cpc");
    }

    @Test
    void crossSettingChecksNeedNoNetwork() {
        EncoderConfig vit = EncoderConfig.preset("vit-tiny", 1, 28);
        assertThatThrownBy(() -> Recipes.spec("dino").check(Recipes.defaults("dino").set(RecipeParams.LOCAL_CROP_SIZE, 10),
                vit)).hasMessageContaining("local-crop-size=7");
        Recipes.spec("dino").check(Recipes.defaults("dino"), vit);
        assertThatThrownBy(() -> Recipes.spec("swav").check(Recipes.defaults("swav").set(RecipeParams.SWAV_QUEUE, 16),
                ENC)).hasMessageContaining("swav-queue 16 must hold");
        assertThatThrownBy(() -> Recipes.spec("moco-v2").create(Recipes.defaults("simclr"), ENC, null))
                .hasMessageContaining("parameters of simclr cannot configure moco-v2");
    }

    private static MethodSpec cmc() {
        return Recipes.spec("cmc");
    }

    @Test
    void theStateHeaderIsTheOneEveryEarlierBuildWrote() throws Exception {
        // magic "CSR1", the method's name, step, skipped, the RNG: what savepoints of earlier builds hold
        Params p = Recipes.defaults("moco-v2").set(OptimizerParams.BATCH, 8).set(RecipeParams.QUEUE_SIZE, 24);
        try (AbstractRecipe r = Recipes.create("moco-v2", p, ENC)) {
            assertThat(header(r.exportState(), "moco-v2")).isEqualTo(List.of(0L, 0L,
                    io.contrastream.model.util.Rng.of(42L, 2).state()));
        }
        Params c = Cpc.SPEC.defaults().set(io.contrastream.model.method.cpc.CpcParams.CPC_CHANNELS, 8)
                .set(io.contrastream.model.method.cpc.CpcParams.CPC_GRU, 8);
        try (Cpc cpc = new Cpc(c)) {
            assertThat(header(cpc.exportState(), "cpc")).isEqualTo(List.of(0L, 0L,
                    io.contrastream.model.util.Rng.of(42L, 2).state()));
        }
    }

    private static List<Long> header(byte[] state, String name) throws java.io.IOException {
        var in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(state));
        assertThat(new String(state, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("CSR1");
        assertThat(in.readInt()).isEqualTo(0x43535231);
        assertThat(in.readUTF()).isEqualTo(name);
        return List.of(in.readLong(), in.readLong(), in.readLong());
    }
}
