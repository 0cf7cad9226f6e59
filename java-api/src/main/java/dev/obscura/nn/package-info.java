/**
 * Neural networks written once over a tensor interface, so that one model definition trains and runs in plaintext
 * and secret-shared.
 *
 * <ul>
 *   <li>{@link dev.obscura.nn.TensorEngine}: the operations the rest of the package needs, with exact contracts
 *       (shapes, NCHW, row-major). {@link dev.obscura.nn.PlainEngine} implements them in {@code float}, with
 *       convolution as im2col + GEMM on a {@link dev.obscura.nn.FloatGemm}, which {@link dev.obscura.nn.FloatGemms}
 *       discovers: OpenBLAS when {@code obscura-native} is on the class path, else
 *       {@link dev.obscura.nn.JavaFloatGemm}; property {@code obscura.gemm} overrides. A secure engine implements the same interface
 *       over {@link dev.obscura.mpc.SecureOps}; nothing else in the package changes.</li>
 *   <li>Autograd: a {@link dev.obscura.nn.Tape} records {@link dev.obscura.nn.Variable}s with backward closures;
 *       {@link dev.obscura.nn.Tape#backward} walks it in reverse. {@link dev.obscura.nn.Functional} holds the
 *       differentiable functions; the tape owns and releases its intermediate tensors.</li>
 *   <li>Layers ({@link dev.obscura.nn.Module}): {@link dev.obscura.nn.Linear}, {@link dev.obscura.nn.Conv2d},
 *       {@link dev.obscura.nn.ReLU}, {@link dev.obscura.nn.MaxPool2d}, {@link dev.obscura.nn.AvgPool2d},
 *       {@link dev.obscura.nn.Flatten}, {@link dev.obscura.nn.Sequential}; {@link dev.obscura.nn.MnistCnn} builds
 *       the default network.</li>
 *   <li>Losses ({@link dev.obscura.nn.Loss}): {@link dev.obscura.nn.SoftmaxCrossEntropy} and
 *       {@link dev.obscura.nn.MeanSquaredError}, whose gradients are closed forms through the engine.</li>
 *   <li>Optimiser: {@link dev.obscura.nn.Sgd} with momentum and weight decay (PyTorch semantics).</li>
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
