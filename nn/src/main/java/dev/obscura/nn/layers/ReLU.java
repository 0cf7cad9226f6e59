package dev.obscura.nn.layers;

import dev.obscura.nn.autograd.Functional;
import dev.obscura.nn.autograd.Variable;

/**
 * {@code max(x, 0)} elementwise (any shape).
 *
 * @param <T> the engine's tensor type
 */
public final class ReLU<T> implements Module<T> {
    @Override
    public Variable<T> forward(final Variable<T> x) {
        return Functional.relu(x);
    }
}
