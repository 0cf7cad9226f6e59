/**
 * Reverse-mode differentiation over any engine: a {@link dev.obscura.nn.autograd.Tape} records
 * {@link dev.obscura.nn.autograd.Variable}s with their backward closures and owns the intermediate tensors;
 * {@link dev.obscura.nn.autograd.Functional} holds the differentiable functions the layers are made of.
 */
package dev.obscura.nn.autograd;
