package io.contrastream.model.method;

import io.contrastream.model.augment.image.ImageTransform;
import io.contrastream.model.encoder.EncoderConfig;

/**
 * A self-supervised method as one object: encoder, heads, loss, optimizer and (where the method
 * has them) momentum copy and queue, trained one batch at a time.
 *
 * <pre>{@code
 * try (Recipe r = Recipes.create(name, Recipes.defaults(name), EncoderConfig.smallResNet(1, 28))) {
 *     StepResult s = r.step(batch);            // batch: 2 augmented views per record
 *     byte[] state = r.exportState();          // everything: weights, optimizer, EMA, queue, step, RNG
 *     float[][] h = r.embed(images, n);        // representations of un-augmented images
 * }
 * }</pre>
 */
public interface Recipe extends AutoCloseable {
    /** The method name, e.g. {@code moco-v2}. */
    String name();

    EncoderConfig encoderConfig();

    /** The augmentation pipeline the method's paper defines, for inputs of the encoder's size. */
    ImageTransform augmentation();

    /**
     * One pipeline per view index where the paper's views differ (BYOL, MoCo v3, DINO: blur always on
     * view 0, blur rarely and solarize on view 1); otherwise {@link #augmentation()} for every view.
     */
    default java.util.List<ImageTransform> viewAugmentations() {
        return java.util.List.of(augmentation());
    }

    /** Views per record that {@link #step} expects. */
    int viewsPerRecord();

    /** One optimisation step on a batch of views. A non-finite loss or gradient skips the update. */
    StepResult step(ViewBatch batch);

    /** Steps taken (skipped ones excluded). */
    long stepCount();

    /** Steps the numerics guard skipped. */
    long skippedSteps();

    /** Representations h of {@code n} images (flat N x C x H x W floats), inference mode. */
    float[][] embed(float[] images, int n);

    /** Every piece of training state, bit-exact. */
    byte[] exportState();

    /** Restores a state exported by a recipe of the same method and configuration. */
    void importState(byte[] state);

    /** The online encoder's weights only (for serving), bit-exact. */
    byte[] exportEncoder();

    @Override
    void close();
}
