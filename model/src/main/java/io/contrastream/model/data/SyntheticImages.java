package io.contrastream.model.data;

import io.contrastream.model.augment.image.Image;
import io.contrastream.model.util.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * A built-in labelled image set for machines without Fashion-MNIST: ten classes of simple shapes
 * (disc, ring, square, frame, cross, horizontal bars, vertical bars, diagonal, triangle, two dots)
 * at random positions, sizes and brightness, with pixel noise. Image i depends only on (seed, i).
 *
 * <pre>{@code
 * ImageSet fallback = SyntheticImages.generate(10_000, 28, 42);
 * }</pre>
 */
public final class SyntheticImages {
    public static final List<String> CLASSES = List.of("disc", "ring", "square", "frame", "cross", "h-bars",
            "v-bars", "diagonal", "triangle", "two-dots");

    private SyntheticImages() {}

    public static ImageSet generate(int n, int size, long seed) {
        List<Image> images = new ArrayList<>(n);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % CLASSES.size();
            images.add(draw(labels[i], size, Rng.of(seed, i)));
        }
        return new ImageSet(images, labels, CLASSES);
    }

    static Image draw(int cls, int size, Rng rng) {
        float[] px = new float[size * size];
        double r = size * rng.uniform(0.18, 0.32);
        double cx = rng.uniform(r + 1, size - r - 1);
        double cy = rng.uniform(r + 1, size - r - 1);
        float level = (float) rng.uniform(0.55, 1.0);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double dx = x + 0.5 - cx;
                double dy = y + 0.5 - cy;
                double d = Math.hypot(dx, dy);
                double ax = Math.abs(dx);
                double ay = Math.abs(dy);
                double t = r * 0.3;
                boolean on = switch (cls) {
                    case 0 -> d <= r;
                    case 1 -> d <= r && d >= r - t;
                    case 2 -> ax <= r && ay <= r;
                    case 3 -> ax <= r && ay <= r && (ax >= r - t || ay >= r - t);
                    case 4 -> (ax <= t / 2 && ay <= r) || (ay <= t / 2 && ax <= r);
                    case 5 -> ax <= r && ay <= r && ((int) Math.floor((dy + r) / t)) % 2 == 0;
                    case 6 -> ax <= r && ay <= r && ((int) Math.floor((dx + r) / t)) % 2 == 0;
                    case 7 -> ax <= r && ay <= r && Math.abs(dx - dy) <= t;
                    case 8 -> dy <= r && dy >= -r && ax <= (dy + r) / 2;
                    default -> Math.hypot(dx - r / 2, dy) <= t || Math.hypot(dx + r / 2, dy) <= t;
                };
                float noise = (float) (rng.nextGaussian() * 0.05);
                px[y * size + x] = Math.min(1f, Math.max(0f, (on ? level : 0.05f) + noise));
            }
        }
        return new Image(1, size, size, px);
    }
}
