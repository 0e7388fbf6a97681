package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * N steps, export, import into a fresh recipe, M more steps equals N + M steps straight, bit for
 * bit: weights, optimizer state, momentum copy, queue and pointer, step counter and RNG. This also
 * proves gradients are zeroed every step (a fresh recipe starts with no accumulated gradient).
 */
class RecipeStateTest {
    static final EncoderConfig ENC = EncoderConfig.smallResNet(1, 28);

    /**
     * Every method, plus the variants whose networks differ: "method", "method:key=value", and
     * "method@encoder" for an encoder other than {@link #ENC}.
     */
    static List<String> cases() {
        List<String> out = new ArrayList<>(Recipes.IMAGE_METHODS);
        out.addAll(List.of("byol:mlp-norm=gn-ws", "byol:mlp-norm=none", "simclr-v2:use-momentum-encoder=true",
                "moco-v3@vit-tiny-frozen", "moco-v3@vit-tiny", "dino@vit-tiny", "swav:swav-queue=16",
                "swav:freeze-prototypes-steps=2", "cmc:cmc-graph=core", "instdisc:instdisc-loss=softmax",
                "swav:local-crops=0", "dino:local-crops=0"));
        return out;
    }

    static String method(String testCase) {
        return testCase.split("@")[0].split(":")[0];
    }

    /** The case's encoder: {@link #ENC} unless it names one after '@'. */
    static EncoderConfig encoder(String testCase) {
        String[] parts = testCase.split("@");
        return parts.length > 1 ? EncoderConfig.preset(parts[1], ENC.inChannels(), ENC.inputSize()) : ENC;
    }

    /** The defaults of a case's method with its variant setting applied. */
    static Params defaults(String testCase) {
        String[] parts = testCase.split("@")[0].split(":");
        Params p = Recipes.defaults(parts[0]);
        if (parts.length > 1) {
            String[] kv = parts[1].split("=");
            p.set(kv[0], kv[1]);
        }
        return p;
    }

    static Params small(String testCase) {
        return smallQueue(defaults(testCase).set(OptimizerParams.BATCH, 8))
                .set(OptimizerParams.WARMUP_STEPS, 2L).set(OptimizerParams.TOTAL_STEPS, 10L);
    }

    /** A queue of 24 keys for the methods that have one (the others refuse the key). */
    static Params smallQueue(Params p) {
        return p.declares(RecipeParams.QUEUE_SIZE) ? p.set(RecipeParams.QUEUE_SIZE, 24) : p;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void exportImportResumesBitExact(String testCase) {
        String method = method(testCase);
        EncoderConfig enc = encoder(testCase);
        byte[] straight;
        float[][] straightEmbed;
        try (AbstractRecipe r = Recipes.create(method, small(testCase), enc)) {
            for (int s = 0; s < 5; s++) {
                assertThat(r.step(TestBatches.batch(r, 8, s)).skipped()).isFalse();
            }
            straight = r.exportState();
            straightEmbed = r.embed(TestBatches.batch(r, 8, 100).views().get(0), 8);
            assertThat(r.stepCount()).isEqualTo(5);
        }
        byte[] midway;
        try (AbstractRecipe r = Recipes.create(method, small(testCase), enc)) {
            for (int s = 0; s < 3; s++) {
                r.step(TestBatches.batch(r, 8, s));
            }
            midway = r.exportState();
        }
        try (AbstractRecipe r = Recipes.create(method, small(testCase).set(RecipeParams.SEED, 1234L), enc)) {
            r.importState(midway);
            assertThat(r.stepCount()).isEqualTo(3);
            assertThat(r.exportState()).isEqualTo(midway);
            for (int s = 3; s < 5; s++) {
                r.step(TestBatches.batch(r, 8, s));
            }
            assertThat(r.exportState()).as("state after 3 + restore + 2 steps").isEqualTo(straight);
            float[][] resumedEmbed = r.embed(TestBatches.batch(r, 8, 100).views().get(0), 8);
            assertThat(Arrays.deepEquals(resumedEmbed, straightEmbed)).isTrue();
        }
        assertThat(straight).isNotEqualTo(midway);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void anEndlessStreamTrainsAtAConstantRate(String testCase) {
        // total-steps = 0 is the streaming default: no decay, the weights must still move
        String method = method(testCase);
        var p = smallQueue(defaults(testCase).set(OptimizerParams.BATCH, 8));
        try (AbstractRecipe r = Recipes.create(method, p, encoder(testCase))) {
            byte[] before = r.exportEncoder();
            float lr = r.currentLr();
            assertThat(lr).isEqualTo((float) (p.get(OptimizerParams.LR) * 8 / 256));
            r.step(TestBatches.batch(r, 8, 0));
            r.step(TestBatches.batch(r, 8, 1));
            assertThat(r.currentLr()).isEqualTo(lr);
            assertThat(r.exportEncoder()).isNotEqualTo(before);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"moco-v2", "simclr", "byol", "simsiam", "simclr-v2", "moco-v3"})
    void importRejectsOtherMethodOrShape(String method) {
        try (AbstractRecipe a = Recipes.create(method, small(method), ENC);
                AbstractRecipe b = Recipes.create("invaspread", small("invaspread"), ENC)) {
            byte[] state = a.exportState();
            assertThatThrownBy(() -> b.importState(state)).hasMessageContaining("cannot be imported");
        }
    }
}
