package io.contrastream.model.method;

/**
 * A recipe one of whose views comes from the record's audio, not its image (CMC with the
 * {@code audio} view). The training loop and the streaming job build that view with
 * {@code LogMelView.augmented(wave16k, Rng.of(seed, recordId, audioView()))}.
 *
 * <pre>{@code
 * if (recipe instanceof CrossModalRecipe cm && cm.audioView() >= 0) {
 *     views.set(cm.audioView(), audioViews);   // N x 1 x 32 x 32
 * }
 * float[][] z = cm.projectAudio(audioViews, n);   // N x 128, L2-normalised, the shared space
 * }</pre>
 */
public interface CrossModalRecipe {
    /** Index of the view built from audio, or -1 when this configuration has none. */
    int audioView();

    /** The image side's head output, L2-normalised: N x d (the space the loss compares views in). */
    float[][] projectImages(float[] images, int n);

    /** The audio side's head output, L2-normalised: N x d, of N views of {@code LogMelView.SHAPE}. */
    float[][] projectAudio(float[] audioViews, int n);
}
