package dev.obscura.nn.layers;

import dev.obscura.nn.autograd.Variable;
import java.util.ArrayList;
import java.util.List;

/**
 * Modules applied in order; its parameters are theirs, in order.
 *
 * @param <T> the engine's tensor type
 */
public final class Sequential<T> implements Module<T> {
    private final List<Module<T>> layers;
    private final List<Variable<T>> parameters;

    /** The layers, applied first to last. */
    public Sequential(final List<? extends Module<T>> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a sequential network needs at least one layer");
        }
        this.layers = List.copyOf(layers);
        final List<Variable<T>> all = new ArrayList<>();
        for (final Module<T> layer : this.layers) {
            all.addAll(layer.parameters());
        }
        this.parameters = List.copyOf(all);
    }

    /** The layers, first to last. */
    @SafeVarargs
    public static <T> Sequential<T> of(final Module<T>... layers) {
        final List<Module<T>> list = new ArrayList<>(layers.length);
        for (final Module<T> layer : layers) {
            list.add(layer);
        }
        return new Sequential<>(list);
    }

    /** The layers, first to last. */
    public List<Module<T>> layers() {
        return layers;
    }

    @Override
    public Variable<T> forward(final Variable<T> x) {
        Variable<T> h = x;
        for (final Module<T> layer : layers) {
            h = layer.forward(h);
        }
        return h;
    }

    @Override
    public List<Variable<T>> parameters() {
        return parameters;
    }
}
