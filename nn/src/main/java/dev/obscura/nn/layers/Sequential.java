package dev.obscura.nn.layers;

import dev.obscura.mpc.Label;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.Labels;
import dev.obscura.nn.engine.TensorEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * Modules applied in order; its parameters are theirs, in order. While layer {@code i} runs, the engine's label is
 * {@code "layer i (Kind), forward"} (inside the label of an enclosing network, {@link Labels}), and the tape records
 * it for the layer's backward pass, so that a secure engine's checked mode names the layer.
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
        final TensorEngine<T> engine = x.tape() == null ? null : x.tape().engine();
        Variable<T> h = x;
        for (int i = 0; i < layers.size(); i++) {
            final Module<T> layer = layers.get(i);
            if (engine == null) {
                h = layer.forward(h);
                continue;
            }
            try (Label ignored = engine.label(Labels.forward(Labels.child(engine.label(), Labels.layer(i, layer))))) {
                h = layer.forward(h);
            }
        }
        return h;
    }

    @Override
    public List<Variable<T>> parameters() {
        return parameters;
    }
}
