/**
 * Tensor engines: the operations the rest of {@code nn} is written against ({@link
 * dev.obscura.nn.engine.TensorEngine}),
 * in plaintext {@code float} ({@link dev.obscura.nn.engine.PlainEngine}, convolutions as im2col and a
 * {@link dev.obscura.backend.FloatGemm}) and on secret shares ({@link dev.obscura.nn.engine.SecureEngine}, over
 * {@link dev.obscura.mpc.SecureOps}). A model, a loss and an optimiser run unchanged on either.
 */
package dev.obscura.nn.engine;
