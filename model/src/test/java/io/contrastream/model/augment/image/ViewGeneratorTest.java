package io.contrastream.model.augment.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.method.registry.Recipes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ViewGeneratorTest {

    private static List<ImageTransform> recipes(int size, boolean gray) {
        return List.of(Augmentations.mocoV1(size, gray), Augmentations.mocoV2(size, gray),
                Augmentations.simclr(size, 1.0, gray), Augmentations.simclr(size, 0.5, gray),
                Augmentations.invaspread(size, gray));
    }

    @Test
    void viewsDependOnlyOnSeedRecordAndViewIndex() {
        Image in = ImageTransformsTest.random(3, 28, 28, 1);
        for (ImageTransform recipe : recipes(28, false)) {
            ViewGenerator a = new ViewGenerator(recipe, 42);
            ViewGenerator b = new ViewGenerator(recipe, 42);
            assertThat(a.view(in, 7, 0).data).containsExactly(b.view(in, 7, 0).data);
            // Across 10 records some view differs (a single pair could coincide by chance, e.g. p = 0.8 jitter).
            boolean differs = false;
            for (long r = 8; r < 18 && !differs; r++) {
                differs = !java.util.Arrays.equals(a.view(in, 7, 0).data, a.view(in, r, 0).data);
            }
            assertThat(differs).as("different records give different views for %s", recipe).isTrue();
            assertThat(a.view(in, 7, 0).data).isNotEqualTo(a.view(in, 7, 1).data);
            assertThat(a.view(in, 7, 0).data).isNotEqualTo(new ViewGenerator(recipe, 43).view(in, 7, 0).data);
        }
    }

    @Test
    void recipesGiveTheRightShapeAndRange() {
        Image rgb = ImageTransformsTest.random(3, 28, 28, 2);
        Image gray = ImageTransformsTest.random(1, 28, 28, 3);
        for (int size : new int[] {28, 32}) {
            for (boolean isGray : new boolean[] {true, false}) {
                Image in = isGray ? gray : rgb;
                for (ImageTransform recipe : recipes(size, isGray)) {
                    ViewGenerator gen = new ViewGenerator(recipe, 5);
                    for (long r = 0; r < 30; r++) {
                        Image v = gen.view(in, r, 0);
                        assertThat(v.channels).isEqualTo(in.channels);
                        assertThat(v.height).isEqualTo(size);
                        assertThat(v.width).isEqualTo(size);
                        ImageTransformsTest.assertInUnitRange(v);
                    }
                }
            }
        }
        // The RGB recipes also accept gray images.
        assertThat(Augmentations.mocoV2(28).apply(gray, io.contrastream.model.util.Rng.seeded(1)).channels).isEqualTo(1);
    }

    @Test
    void batchViewsAreFlatBatchMajorCopiesOfSingleViews() {
        List<Image> batch = new ArrayList<>();
        long[] ids = new long[5];
        for (int i = 0; i < 5; i++) {
            batch.add(ImageTransformsTest.random(1, 28, 28, 10 + i));
            ids[i] = 100 + i;
        }
        ViewGenerator gen = new ViewGenerator(Augmentations.simclr(28, 0.5, true), 9);
        float[] flat = gen.views(batch, ids, 1);
        assertThat(flat).hasSize(5 * 28 * 28);
        for (int i = 0; i < 5; i++) {
            float[] one = gen.view(batch.get(i), ids[i], 1).data;
            assertThat(java.util.Arrays.copyOfRange(flat, i * 784, (i + 1) * 784)).containsExactly(one);
        }
        assertThatThrownBy(() -> gen.views(batch, new long[] {1, 2}, 0)).hasMessageContaining("5 images but 2 record ids");
        assertThatThrownBy(() -> gen.views(List.of(), new long[0], 0)).hasMessageContaining("empty batch");
        List<Image> mixed = List.of(ImageTransformsTest.random(1, 4, 4, 1), ImageTransformsTest.random(1, 5, 5, 1));
        assertThatThrownBy(() -> new ViewGenerator(new HorizontalFlip(0.5), 1).views(mixed, new long[] {1, 2}, 0))
                .hasMessageContaining("share one shape");
    }

    @Test
    void pipelinesAndStrengthAreChecked() {
        assertThat(((Compose) Augmentations.mocoV2(28, false)).steps()).hasSize(5);
        assertThat(((Compose) Augmentations.mocoV2(28, true)).steps()).hasSize(4);
        assertThatThrownBy(() -> Augmentations.simclr(28, 3.0)).hasMessageContaining("[0, 2.5]");
    }

    @Test
    void eachViewIndexUsesItsOwnPipelineAsBYOLsAsymmetricPair() {
        ImageTransform v0 = Augmentations.byolView(28, true, 0);
        ImageTransform v1 = Augmentations.byolView(28, true, 1);
        ViewGenerator gen = new ViewGenerator(java.util.List.of(v0, v1), 11);
        Image in = Image.zeros(1, 28, 28);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                in.set(0, y, x, (x * 7 + y * 3) % 28 / 28f);
            }
        }
        assertThat(gen.view(in, 5, 0).data).isEqualTo(v0.apply(in, io.contrastream.model.util.Rng.of(11, 5, 0)).data);
        assertThat(gen.view(in, 5, 1).data).isEqualTo(v1.apply(in, io.contrastream.model.util.Rng.of(11, 5, 1)).data);
        assertThat(gen.view(in, 5, 2).data).isEqualTo(v1.apply(in, io.contrastream.model.util.Rng.of(11, 5, 2)).data);
        assertThat(gen.pipeline(0)).isSameAs(v0);
        assertThat(gen.pipeline(7)).isSameAs(v1);
        var recipes = io.contrastream.model.method.registry.Recipes.spec("byol").viewAugmentations(
                io.contrastream.model.method.registry.Recipes.defaults("byol"), io.contrastream.model.encoder.EncoderConfig.smallResNet(1, 28));
        assertThat(recipes).hasSize(2);
        assertThat(io.contrastream.model.method.registry.Recipes.spec("simclr").viewAugmentations(
                io.contrastream.model.method.registry.Recipes.defaults("simclr"),
                io.contrastream.model.encoder.EncoderConfig.smallResNet(1, 28))).hasSize(1);
        assertThatThrownBy(() -> new ViewGenerator(java.util.List.of(), 1)).hasMessageContaining("one transform per view");
    }
}
