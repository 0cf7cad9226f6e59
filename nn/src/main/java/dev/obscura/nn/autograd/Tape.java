package dev.obscura.nn.autograd;

import dev.obscura.mpc.Label;
import dev.obscura.mpc.Scope;
import dev.obscura.nn.engine.Labels;
import dev.obscura.nn.engine.TensorEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The record of one forward pass, for reverse-mode differentiation. Every function of {@link Functional} appends
 * its result to the tape of its input, in execution order, which is a topological order of the graph;
 * {@link #backward} walks it in reverse, so each node's gradient is complete before its closure runs.
 *
 * <p>A tape is a {@link Scope} of its engine ({@link TensorEngine#scope()}), opened by its constructor and closed
 * by {@link #close}: it owns what it records (the values and gradients of computed nodes and of its leaves, and the
 * tensors saved for the backward pass, {@link #save}, masks), and every other tensor the engine makes while it is
 * the innermost open scope, and releases them all when it closes. So a training step is
 * {@code try (Tape<T> tape = new Tape<>(engine)) { forward; loss.backward(); optimiser.step(); }}, and a
 * temporary made inside it needs no release of its own. Parameters and inputs stay outside it: the values of
 * {@link #input}/{@link #variable} nodes remain their caller's, and parameters take their values and gradients out
 * of every scope ({@link TensorEngine#detach}). Close the tape after any scope opened inside it.
 *
 * <p>Not thread-safe.
 *
 * @param <T> the engine's tensor type
 */
public final class Tape<T> implements AutoCloseable {
    private final TensorEngine<T> engine;
    private final Scope scope;
    private final List<Variable<T>> nodes = new ArrayList<>();
    private final List<Variable<T>> leaves = new ArrayList<>();

    /** An empty tape over {@code engine}: opens a scope inside the engine's innermost one. */
    public Tape(final TensorEngine<T> engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.scope = engine.scope();
    }

    /** The engine. */
    public TensorEngine<T> engine() {
        return engine;
    }

    /**
     * A leaf without a gradient (data): the caller keeps ownership of {@code value} (made inside the tape, it goes to
     * the enclosing scope, as if kept).
     */
    public Variable<T> input(final T value) {
        return leaf(value, false);
    }

    /** A leaf that collects a gradient (for gradient checks): the caller keeps ownership of {@code value}. */
    public Variable<T> variable(final T value) {
        return leaf(value, true);
    }

    private Variable<T> leaf(final T value, final boolean requiresGrad) {
        final Variable<T> v = new Variable<>(this, null, "", scope.keep(value), requiresGrad, null);
        leaves.add(v);
        return v;
    }

    /**
     * Records a computed node holding {@code value} (the tape takes ownership). {@code backward} is kept only when
     * {@code requiresGrad} (some input requires a gradient), with the engine's label now ({@link Labels}), under
     * which {@link #backward} runs it.
     */
    public Variable<T> record(final T value, final boolean requiresGrad, final Variable.Backward<T> backward) {
        final Variable<T> v = new Variable<>(this, null, engine.label(), scope.own(value), requiresGrad,
            requiresGrad ? backward : null);
        nodes.add(v);
        return v;
    }

    /** Keeps {@code t} (a mask, say) until {@link #close}, which releases it. Returns {@code t}. */
    public T save(final T t) {
        return scope.own(t);
    }

    /**
     * Adds {@code g} (taking ownership) to the gradient of {@code v}; used by backward closures. The tape owns the
     * gradients of its nodes and leaves; a parameter's gradient is taken out of every scope.
     */
    public void accumulate(final Variable<T> v, final T g) {
        v.accumulate(engine, g);
        if (v.tape() == this && v.grad() != null) {
            scope.own(v.grad());
        }
    }

    /**
     * Reverse-mode differentiation from {@code output} seeded with {@code seed} (the gradient of the loss with
     * respect to {@code output}, its shape; the tape takes ownership): afterwards every variable that requires a
     * gradient and on which {@code output} depends holds its gradient. Call once per tape.
     */
    public void backward(final Variable<T> output, final T seed) {
        if (output.tape() != this) {
            throw new IllegalArgumentException("output is not on this tape, output=" + output);
        }
        if (!output.requiresGrad()) {
            engine.release(seed);
            throw new IllegalArgumentException("output does not depend on anything that requires a gradient");
        }
        accumulate(output, seed);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            final Variable<T> node = nodes.get(i);
            try (Label ignored = engine.label(Labels.backward(node.label()))) {
                node.runBackward();
            }
        }
    }

    /**
     * {@link #backward(Variable, Object)} from a scalar output (one element), seeded with 1.
     *
     * @throws IllegalArgumentException when {@code output} has more than one element
     */
    public void backward(final Variable<T> output) {
        final int[] shape = engine.shape(output.value());
        long n = 1;
        for (final int d : shape) {
            n *= d;
        }
        if (n != 1) {
            throw new IllegalArgumentException("backward() needs a scalar output; pass a seed gradient otherwise, shape="
                + dev.obscura.ring.Shapes.toString(shape));
        }
        backward(output, engine.fromFloats(new float[] {1f}, shape));
    }

    /**
     * Closes the tape's scope, releasing every value, gradient, saved tensor and temporary it owns, and forgets its
     * nodes. Idempotent.
     */
    @Override
    public void close() {
        scope.close();
        nodes.forEach(Variable::forgetGrad);
        leaves.forEach(Variable::forgetGrad);
        nodes.clear();
        leaves.clear();
    }
}
