package dev.obscura.nn.layers;

import dev.obscura.nn.autograd.Functional;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.TensorEngine;
import java.util.List;

/**
 * A layer or a network: a differentiable function of one activation, with its trainable parameters. Written only
 * against {@link TensorEngine} and {@link Functional}, so the same module runs in plaintext and secret-shared.
 *
 * @param <T> the engine's tensor type
 */
public interface Module<T> {

    /** The output for {@code x}, recorded on {@code x}'s tape. */
    Variable<T> forward(Variable<T> x);

    /** The trainable parameters, in a fixed order (empty for layers without any). */
    default List<Variable<T>> parameters() {
        return List.of();
    }
}
