/**
 * Losses whose gradients are closed forms through the engine: {@link dev.obscura.nn.loss.SoftmaxCrossEntropy} and
 * {@link dev.obscura.nn.loss.MeanSquaredError}.
 */
package dev.obscura.nn.loss;
