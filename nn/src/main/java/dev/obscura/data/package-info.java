/**
 * MNIST loading: {@link dev.obscura.data.Mnist} finds the four IDX files (an explicit directory, the system property
 * {@code obscura.mnist.dir}, the environment variable {@code OBSCURA_MNIST_DIR}, or the default
 * {@code shared/data/mnist} in the working directory or above it, then in the project root or above it), validates
 * them and returns an immutable, thread-safe {@link dev.obscura.data.MnistData} with its
 * {@link dev.obscura.data.MnistSplit training and test splits}. Splits keep the raw pixel bytes and normalise on
 * copy, into caller-supplied arrays for training loops.
 * Every failure is a {@link dev.obscura.data.MnistException} whose message states the facts.
 */
package dev.obscura.data;
