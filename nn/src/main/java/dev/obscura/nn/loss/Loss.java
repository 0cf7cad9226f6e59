package dev.obscura.nn.loss;

import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.engine.TensorEngine;

/**
 * The loss of one forward pass: its scalar value and the way back. The gradient of each loss is computed in
 * closed form through the engine and seeds {@link Tape#backward}, so a secure engine never evaluates the loss
 * itself (a logarithm), only its gradient.
 *
 * @param <T> the engine's tensor type
 */
public interface Loss<T> {

    /**
     * The mean loss over the batch, computed in double from the values {@link TensorEngine#toFloats} returns: free
     * in plaintext, a reveal of the predictions for a secure engine (call it only when they may be public).
     */
    double value();

    /** Seeds the tape of the predictions with the loss gradient and runs {@link Tape#backward}. Call once. */
    void backward();
}
