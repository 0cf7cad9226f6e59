package dev.obscura.privacy;

import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.loss.Loss;

/**
 * The training loss of a batch, as the mean over its examples of a per-example loss, so that the gradient of one
 * example's loss is the batch size times its share of the batch gradient. {@code SoftmaxCrossEntropy::of} is one.
 */
@FunctionalInterface
public interface ExampleLoss {
    /** The mean loss of {@code outputs [N, ...]} (on a tape) against the {@code N} {@code labels}. */
    Loss<PlainTensor> of(Variable<PlainTensor> outputs, int[] labels);
}
