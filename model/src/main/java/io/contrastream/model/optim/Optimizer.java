package io.contrastream.model.optim;

import ai.djl.nn.Parameter;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * A first-order optimizer whose whole state (momentum buffers, moment estimates, step counts) can be
 * exported and restored bit-exactly, unlike DJL's built-in optimizers.
 *
 * <pre>{@code
 * Optimizer opt = new Sgd(stateManager, 0.9f, 1e-4f, false);
 * // ... backward pass done, grad mode off:
 * opt.step(params, lr);
 * opt.writeState(out);              // checkpoint
 * Optimizer again = new Sgd(otherManager, 0.9f, 1e-4f, false);
 * again.readState(in);              // restore; continues bit-identically
 * again.verifyState(params);        // optional early check of names and shapes
 * }</pre>
 *
 * <p>State is keyed by position in the parameter list given to {@link #step}; the parameter's name
 * and shape are stored alongside and checked on the first step after a restore (or by
 * {@link #verifyState}), so restoring into a different model fails with a clear message instead of
 * silently applying the wrong buffers.
 */
public interface Optimizer {

    /**
     * Updates every parameter with {@link Parameter#requiresGradient()} in place from the gradient
     * held by its array. Must be called outside any {@code GradientCollector}. Parameters that do
     * not require a gradient are left untouched but still occupy their position.
     *
     * @param params the model's parameters, always in the same order
     * @param lr the learning rate for this step (from a schedule)
     */
    void step(List<Parameter> params, float lr);

    /**
     * As {@link #step(List, float)} with a learning rate per parameter (SimSiam's predictor at a fixed
     * rate while the rest follows the schedule).
     *
     * @param lrs one rate per entry of {@code params}
     */
    void step(List<Parameter> params, float[] lrs);

    /** Writes the whole state (hyper-parameters, per-parameter buffers, step counts) bit-exactly. */
    void writeState(DataOutputStream out) throws IOException;

    /**
     * Replaces the state with one written by {@link #writeState} of the same optimizer type and
     * hyper-parameters.
     *
     * @throws IOException when the stream is not such a state
     */
    void readState(DataInputStream in) throws IOException;

    /**
     * Checks that the current (e.g. just restored) state belongs to these parameters: same count,
     * names and shapes at every position.
     *
     * @throws IllegalStateException with a description of the first mismatch
     */
    void verifyState(List<Parameter> params);

    /** A short name, e.g. {@code "sgd"}, {@code "lars"}, {@code "adamw"}. */
    String name();
}
