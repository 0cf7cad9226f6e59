package dev.obscura.nn.layers;

import dev.obscura.nn.autograd.Functional;
import dev.obscura.nn.autograd.Variable;

/**
 * {@code [N, *]} to {@code [N, prod(*)]}, row-major (a view, no copy).
 *
 * @param <T> the engine's tensor type
 */
public final class Flatten<T> implements Module<T> {
    @Override
    public Variable<T> forward(final Variable<T> x) {
        return Functional.flatten(x);
    }
}
