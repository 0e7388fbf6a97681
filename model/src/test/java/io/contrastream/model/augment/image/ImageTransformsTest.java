package io.contrastream.model.augment.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.model.util.Rng;
import org.junit.jupiter.api.Test;

class ImageTransformsTest {

    static Image random(int c, int h, int w, long seed) {
        Rng r = Rng.seeded(seed);
        float[] px = new float[c * h * w];
        for (int i = 0; i < px.length; i++) {
            px[i] = r.nextFloat();
        }
        return new Image(c, h, w, px);
    }

    static Image constant(int c, int h, int w, float v) {
        float[] px = new float[c * h * w];
        java.util.Arrays.fill(px, v);
        return new Image(c, h, w, px);
    }

    static void assertInUnitRange(Image img) {
        for (float v : img.data) {
            assertThat(v).isBetween(0f, 1f);
        }
    }

    @Test
    void flipTwiceIsIdentityAndInputIsUntouched() {
        Image in = random(3, 5, 7, 1);
        Image before = in.copy();
        HorizontalFlip flip = new HorizontalFlip(1.0);
        Image once = flip.apply(in, Rng.seeded(2));
        assertThat(once.get(1, 2, 0)).isEqualTo(in.get(1, 2, 6));
        Image twice = flip.apply(once, Rng.seeded(3));
        assertThat(twice.data).containsExactly(in.data);
        assertThat(in.data).containsExactly(before.data);
        assertThat(once.data).isNotSameAs(in.data);
        assertThat(new HorizontalFlip(0.0).apply(in, Rng.seeded(4)).data).containsExactly(in.data);
    }

    @Test
    void fullCropWithUnitRatioIsIdentity() {
        Image in = random(3, 16, 16, 5);
        RandomResizedCrop crop = new RandomResizedCrop(16, 1.0, 1.0, 1.0, 1.0);
        for (long s = 0; s < 5; s++) {
            Image out = crop.apply(in, Rng.seeded(s));
            for (int i = 0; i < in.data.length; i++) {
                assertThat(out.data[i]).isCloseTo(in.data[i], org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }

    @Test
    void cropResizesAnyInputToTheOutputSize() {
        Image in = random(1, 28, 28, 6);
        RandomResizedCrop crop = new RandomResizedCrop(32, 0.08, 1.0);
        for (long s = 0; s < 20; s++) {
            Image out = crop.apply(in, Rng.seeded(s));
            assertThat(out.channels).isEqualTo(1);
            assertThat(out.height).isEqualTo(32);
            assertThat(out.width).isEqualTo(32);
            assertInUnitRange(out);
        }
        Image wide = random(3, 10, 40, 7);
        Image out = new RandomResizedCrop(12, 0.9, 1.0, 1.0, 1.0).apply(wide, Rng.seeded(8));
        assertThat(out.height).isEqualTo(12);
        assertThat(out.width).isEqualTo(12);
    }

    @Test
    void resizeKeepsConstantsAndSameSizeIsCopy() {
        Image in = random(3, 9, 9, 9);
        assertThat(new Resize(9).apply(in, null).data).containsExactly(in.data);
        Image c = new Resize(20, 13).apply(constant(1, 7, 5, 0.25f), null);
        assertThat(c.height).isEqualTo(20);
        assertThat(c.width).isEqualTo(13);
        for (float v : c.data) {
            assertThat(v).isCloseTo(0.25f, org.assertj.core.data.Offset.offset(1e-6f));
        }
        // Downscaling 4x4 -> 2x2 with pixel-centre alignment averages 2x2 blocks.
        Image grid = new Image(1, 4, 4, new float[] {0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1});
        Image half = new Resize(2).apply(grid, null);
        assertThat(half.data).containsExactly(0.5f, 0f, 0f, 1f);
    }

    @Test
    void grayscaleMakesChannelsEqualAndLeavesGrayAlone() {
        Image in = random(3, 6, 6, 10);
        Image out = new RandomGrayscale(1.0).apply(in, Rng.seeded(1));
        assertThat(out.channels).isEqualTo(3);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 6; x++) {
                float expected = 0.299f * in.get(0, y, x) + 0.587f * in.get(1, y, x) + 0.114f * in.get(2, y, x);
                assertThat(out.get(0, y, x)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6f));
                assertThat(out.get(1, y, x)).isEqualTo(out.get(0, y, x));
                assertThat(out.get(2, y, x)).isEqualTo(out.get(0, y, x));
            }
        }
        Image gray = random(1, 6, 6, 11);
        assertThat(new RandomGrayscale(1.0).apply(gray, Rng.seeded(1)).data).containsExactly(gray.data);
    }

    @Test
    void solarizeInvertsAtOrAboveThreshold() {
        Image in = new Image(1, 1, 4, new float[] {0.2f, 0.5f, 0.7f, 1.0f});
        Image out = new Solarize(1.0, 0.5f).apply(in, Rng.seeded(1));
        assertThat(out.data).containsExactly(0.2f, 0.5f, 1f - 0.7f, 0f);
        assertThat(new Solarize(0.0, 0.5f).apply(in, Rng.seeded(1)).data).containsExactly(in.data);
    }

    @Test
    void blurPreservesConstantImagesAndSmoothsNoise() {
        Image flat = constant(3, 28, 28, 0.6f);
        GaussianBlur blur = new GaussianBlur(1.0, 0.1, 2.0);
        for (long s = 0; s < 5; s++) {
            for (float v : blur.apply(flat, Rng.seeded(s)).data) {
                assertThat(v).isCloseTo(0.6f, org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
        Image noise = random(1, 32, 32, 12);
        Image smooth = GaussianBlur.blur(noise, 2.0, 3);
        assertThat(variance(smooth)).isLessThan(variance(noise));
        assertThat(GaussianBlur.kernelSize(28)).isEqualTo(3);
        assertThat(GaussianBlur.kernelSize(224)).isEqualTo(23);
        assertThat(GaussianBlur.kernelSize(96)).isEqualTo(11);
        // Reflect padding works on images smaller than the kernel.
        assertInUnitRange(GaussianBlur.blur(random(1, 2, 1, 13), 1.0, 5));
    }

    private static double variance(Image img) {
        double mean = 0;
        for (float v : img.data) {
            mean += v;
        }
        mean /= img.data.length;
        double var = 0;
        for (float v : img.data) {
            var += (v - mean) * (v - mean);
        }
        return var / img.data.length;
    }

    @Test
    void colorJitterOnGrayOnlyChangesBrightnessAndContrast() {
        ColorJitter jitter = new ColorJitter(0.4, 0.4, 0.4, 0.4, 1.0);
        Image flat = constant(1, 8, 8, 0.5f);
        for (long s = 0; s < 20; s++) {
            Image out = jitter.apply(flat, Rng.seeded(s));
            assertThat(out.channels).isEqualTo(1);
            for (float v : out.data) {
                assertThat(v).isEqualTo(out.data[0]);
            }
            assertThat(out.data[0]).isBetween(0.3f - 1e-6f, 0.7f + 1e-6f);
        }
        // Saturation and hue alone leave a gray image unchanged.
        Image gray = random(1, 8, 8, 14);
        assertThat(new ColorJitter(0, 0, 0.9, 0.5, 1.0).apply(gray, Rng.seeded(1)).data).containsExactly(gray.data);
    }

    @Test
    void colorJitterOnRgbStaysInRangeAndKeepsGrayPixelsGrayUnderHue() {
        Image in = random(3, 12, 12, 15);
        ColorJitter jitter = new ColorJitter(0.8, 0.8, 0.8, 0.2, 1.0);
        for (long s = 0; s < 20; s++) {
            Image out = jitter.apply(in, Rng.seeded(s));
            assertInUnitRange(out);
            assertThat(out.data).isNotEqualTo(in.data);
        }
        Image flatRgb = constant(3, 4, 4, 0.4f);
        Image hueOnly = new ColorJitter(0, 0, 0, 0.5, 1.0).apply(flatRgb, Rng.seeded(3));
        assertThat(hueOnly.data).containsExactly(flatRgb.data);
        // A half-turn hue shift of pure red gives cyan.
        Image red = new Image(3, 1, 1, new float[] {1f, 0f, 0f});
        boolean sawCyan = false;
        for (long s = 0; s < 2000 && !sawCyan; s++) {
            Image o = new ColorJitter(0, 0, 0, 0.5, 1.0).apply(red, Rng.seeded(s));
            sawCyan = o.data[0] < 0.02f && o.data[1] > 0.98f && o.data[2] > 0.98f;
        }
        assertThat(sawCyan).isTrue();
    }

    @Test
    void composeAppliesInOrder() {
        Image in = new Image(1, 1, 3, new float[] {0.9f, 0.1f, 0.6f});
        Compose c = new Compose(java.util.List.of(new Solarize(1.0, 0.5f), new HorizontalFlip(1.0)));
        assertThat(c.apply(in, Rng.seeded(1)).data[0]).isCloseTo(0.4f, org.assertj.core.data.Offset.offset(1e-6f));
        Image same = new Compose(java.util.List.of()).apply(in, Rng.seeded(1));
        assertThat(same).isNotSameAs(in);
        assertThat(same.data).containsExactly(in.data);
    }

    @Test
    void constructorsRejectBadParametersAndSayWhatIsAllowed() {
        assertThatThrownBy(() -> new HorizontalFlip(1.5)).hasMessageContaining("[0, 1]").hasMessageContaining("1.5");
        assertThatThrownBy(() -> new RandomGrayscale(-0.1)).hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> new Solarize(0.5, 2f)).hasMessageContaining("threshold must be in [0, 1]");
        assertThatThrownBy(() -> new RandomResizedCrop(0, 0.2, 1.0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new RandomResizedCrop(28, 0.0, 1.0)).hasMessageContaining("0 < minScale <= maxScale <= 1");
        assertThatThrownBy(() -> new RandomResizedCrop(28, 0.5, 0.2)).hasMessageContaining("0 < minScale");
        assertThatThrownBy(() -> new RandomResizedCrop(28, 0.2, 1.0, 2.0, 1.0)).hasMessageContaining("minRatio <= maxRatio");
        assertThatThrownBy(() -> new ColorJitter(-1, 0, 0, 0, 1)).hasMessageContaining("brightness must be finite and >= 0");
        assertThatThrownBy(() -> new ColorJitter(0, 0, 0, 0.6, 1)).hasMessageContaining("hue must be in [0, 0.5]");
        assertThatThrownBy(() -> new ColorJitter(0, 0, 0, 0, Double.NaN)).hasMessageContaining("p must be a probability");
        assertThatThrownBy(() -> new GaussianBlur(0.5, 0, 2)).hasMessageContaining("0 < sigmaMin <= sigmaMax");
        assertThatThrownBy(() -> new Resize(0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new Compose(java.util.Arrays.asList(new Resize(2), null))).hasMessageContaining("step 1 is null");
    }
}
