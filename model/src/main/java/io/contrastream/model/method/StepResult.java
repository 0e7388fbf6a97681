package io.contrastream.model.method;

/**
 * What one training step did.
 *
 * @param step the step counter after this step (unchanged when skipped)
 * @param loss the loss of the batch (may be NaN/Inf when skipped)
 * @param lr the learning rate used
 * @param skipped true when a non-finite loss or gradient made the guard skip the update
 */
public record StepResult(long step, float loss, float lr, boolean skipped) {}
