package io.contrastream.model.augment.image;

import io.contrastream.model.util.Rng;
import java.util.List;

/**
 * Applies a list of transforms in order, all drawing from the same random stream.
 *
 * <pre>{@code
 * ImageTransform pipeline = new Compose(List.of(new RandomResizedCrop(28, 0.2, 1.0), new HorizontalFlip(0.5)));
 * Image view = pipeline.apply(in, rng);
 * }</pre>
 */
public final class Compose implements ImageTransform {
    private final List<ImageTransform> steps;

    /** @param steps the transforms, applied first to last (copied; no nulls) */
    public Compose(List<ImageTransform> steps) {
        if (steps == null) {
            throw new IllegalArgumentException("Compose steps must be a list, got null");
        }
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) == null) {
                throw new IllegalArgumentException("Compose step " + i + " is null; every step must be a transform");
            }
        }
        this.steps = List.copyOf(steps);
    }

    /** The transforms, in order (unmodifiable). */
    public List<ImageTransform> steps() {
        return steps;
    }

    @Override
    public Image apply(Image in, Rng rng) {
        Image current = in;
        for (ImageTransform step : steps) {
            current = step.apply(current, rng);
        }
        return current == in ? in.copy() : current;
    }

    @Override
    public String toString() {
        return "Compose" + steps;
    }
}
