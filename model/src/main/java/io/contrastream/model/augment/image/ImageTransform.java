package io.contrastream.model.augment.image;

import io.contrastream.model.util.Rng;

/**
 * One image augmentation (or deterministic preprocessing step).
 *
 * <pre>{@code
 * ImageTransform flip = new HorizontalFlip(0.5);
 * Image out = flip.apply(in, Rng.of(seed, recordId, viewIndex));
 * }</pre>
 *
 * <p>Contract: {@link #apply} never modifies {@code in} and always returns a new {@link Image} that
 * shares no pixel array with its input. Implementations hold no mutable state, so one instance may
 * be used from many threads at once; all randomness comes from the {@link Rng} argument, so the
 * output depends only on the input pixels and the state of that stream.
 */
@FunctionalInterface
public interface ImageTransform {

    /**
     * Transforms {@code in}.
     *
     * @param in the input image, left unchanged
     * @param rng the random stream to draw from (advanced by this call)
     * @return a new image
     */
    Image apply(Image in, Rng rng);

    /** Checks that {@code p} is a probability, naming {@code what} in the error. */
    static double checkProbability(String what, double p) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(what + " must be a probability in [0, 1], got " + p);
        }
        return p;
    }
}
