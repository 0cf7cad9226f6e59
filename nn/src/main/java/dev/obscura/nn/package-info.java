/**
 * Neural networks written once over a tensor engine, so that one model definition trains and runs in plaintext and
 * secret-shared. The sub-packages are the layers of that design:
 *
 * <ul>
 *   <li>{@link dev.obscura.nn.engine}: the {@code TensorEngine} contract (shapes, NCHW, row-major, ownership) and
 *       its plaintext and secure implementations;</li>
 *   <li>{@link dev.obscura.nn.autograd}: the tape, variables and differentiable functions;</li>
 *   <li>{@link dev.obscura.nn.layers}: modules built from those functions;</li>
 *   <li>{@link dev.obscura.nn.loss} and {@link dev.obscura.nn.optim}: losses and the optimiser;</li>
 *   <li>{@link dev.obscura.nn.io}: the model file;</li>
 *   <li>{@link dev.obscura.nn.models}: ready-made networks.</li>
 * </ul>
 *
 * <p>A training step:
 * <pre>{@code
 * try (Tape<T> tape = new Tape<>(engine)) {
 *     Variable<T> logits = model.forward(tape.input(images));
 *     SoftmaxCrossEntropy.of(logits, labels).backward();
 *     sgd.step();
 * }
 * }</pre>
 *
 * <p>Nothing here is thread-safe: one engine, model and optimiser per thread.
 */
package dev.obscura.nn;
