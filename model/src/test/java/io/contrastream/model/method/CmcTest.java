package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.cmc.Cmc;
import io.contrastream.model.method.cmc.CmcViews;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CMC: its views against known values, the views it picks, and colour and three-view recipes. */
class CmcTest {

    @Test
    void labOfKnownColours() {
        // sRGB primaries and white in CIE L*a*b* (D65): L* 100 / 53.24 / 87.73 / 32.30
        float[][] rgb = {{1, 1, 1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        double[][] lab = {{100, 0, 0}, {53.24, 80.09, 67.20}, {87.73, -86.18, 83.18}, {32.30, 79.19, -107.86}};
        for (int k = 0; k < rgb.length; k++) {
            float[] px = rgb[k]; // one 1x1 image, channel-major
            float[] l = CmcViews.compute("l", px, 1, 3, 1, 1);
            float[] ab = CmcViews.compute("ab", px, 1, 3, 1, 1);
            assertThat(l[0] * 100.0).as("L* of %s", Arrays.toString(px)).isCloseTo(lab[k][0], within(0.05));
            assertThat(ab[0] * 110.0).as("a* of %s", Arrays.toString(px)).isCloseTo(lab[k][1], within(0.1));
            assertThat(ab[1] * 110.0).as("b* of %s", Arrays.toString(px)).isCloseTo(lab[k][2], within(0.1));
        }
    }

    @Test
    void sobelOfARampAndAFlatImage() {
        int h = 5;
        int w = 6;
        float a = 0.1f;
        float[] ramp = new float[2 * h * w]; // image 0: g = a·x; image 1: flat 0.7
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                ramp[y * w + x] = a * x;
                ramp[h * w + y * w + x] = 0.7f;
            }
        }
        float[] edges = CmcViews.compute("sobel", ramp, 2, 1, h, w);
        for (int y = 0; y < h; y++) {
            // interior: (1 + 2 + 1) · (g(x+1) − g(x−1)) = 8a; borders replicate, so half of it
            assertThat(edges[y * w + 2]).isCloseTo(8 * a, within(1e-5f));
            assertThat(edges[y * w]).isCloseTo(4 * a, within(1e-5f));
            assertThat(edges[y * w + w - 1]).isCloseTo(4 * a, within(1e-5f));
            for (int x = 0; x < w; x++) {
                assertThat(edges[h * w + y * w + x]).isEqualTo(0f);
            }
        }
        assertThat(CmcViews.compute("intensity", ramp, 2, 1, h, w)).isEqualTo(ramp);
    }

    @Test
    void viewsFollowTheInputAndColourViewsNeedColour() {
        Params auto = Recipes.defaults("cmc");
        assertThat(Cmc.views(auto, EncoderConfig.smallResNet(1, 28))).containsExactly("intensity", "sobel");
        assertThat(Cmc.views(auto, EncoderConfig.smallResNet(3, 28))).containsExactly("l", "ab");
        Params lab = Recipes.defaults("cmc").set(RecipeParams.CMC_VIEWS, "l,ab");
        assertThatThrownBy(() -> Cmc.views(lab, EncoderConfig.smallResNet(1, 28)))
                .hasMessageContaining("needs RGB input").hasMessageContaining("intensity,sobel");
        assertThatThrownBy(() -> Recipes.defaults("cmc").set(RecipeParams.CMC_VIEWS, "l,l"))
                .hasMessageContaining("cmc-views");
        assertThatThrownBy(() -> Recipes.defaults("cmc").set(RecipeParams.CMC_VIEWS, "sobel"))
                .hasMessageContaining("cmc-views");
    }

    @Test
    void colourThreeViewCmcTrainsResumesAndEmbedsEveryView() {
        EncoderConfig rgb = EncoderConfig.smallResNet(3, 28);
        for (String graph : List.of("full", "core")) {
            Params p = Recipes.defaults("cmc").set(RecipeParams.CMC_VIEWS, "l,ab,sobel").set(RecipeParams.CMC_GRAPH, graph)
                    .set(OptimizerParams.BATCH, 8);
            byte[] straight;
            try (AbstractRecipe r = Recipes.create("cmc", p, rgb)) {
                assertThat(r.encoderConfig()).isEqualTo(rgb);
                assertThat(r.viewsPerRecord()).isEqualTo(1);
                float first = r.step(TestBatches.batch(r, 8, 0)).loss();
                // 3 pairs (full) or 2 (core), two directions each, all near log 8 at the start
                int terms = graph.equals("full") ? 6 : 4;
                assertThat((double) first).isCloseTo(terms * Math.log(8), within(terms * 0.6));
                r.step(TestBatches.batch(r, 8, 1));
                straight = r.exportState();
                float[][] h = r.embed(TestBatches.batch(r, 8, 9).views().get(0), 8);
                assertThat(h[0]).hasSize(3 * rgb.outDim());
                byte[] enc = r.exportEncoder();
                try (AbstractRecipe other = Recipes.create("cmc", p.set(RecipeParams.SEED, 7L), rgb)) {
                    other.importEncoder(enc);
                    assertThat(Arrays.deepEquals(other.embed(TestBatches.batch(r, 8, 9).views().get(0), 8), h)).isTrue();
                }
            }
            try (AbstractRecipe r = Recipes.create("cmc", p.set(RecipeParams.SEED, 42L), rgb)) {
                r.step(TestBatches.batch(r, 8, 0));
                byte[] midway = r.exportState();
                try (AbstractRecipe resumed = Recipes.create("cmc", p.set(RecipeParams.SEED, 5L), rgb)) {
                    resumed.importState(midway);
                    resumed.step(TestBatches.batch(resumed, 8, 1));
                    assertThat(resumed.exportState()).isEqualTo(straight);
                }
            }
        }
    }
}
