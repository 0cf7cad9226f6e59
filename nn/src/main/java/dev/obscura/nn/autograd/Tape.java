package dev.obscura.nn.autograd;

import dev.obscura.nn.engine.TensorEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The record of one forward pass, for reverse-mode differentiation. Every function of {@link Functional} appends
 * its result to the tape of its input, in execution order, which is a topological order of the graph;
 * {@link #backward} walks it in reverse, so each node's gradient is complete before its closure runs.
 *
 * <p>A tape owns what it records: the values and gradients of computed nodes and the tensors saved for the
 * backward pass ({@link #save}, masks). {@link #close} releases them all through the engine, so a training step is
 * {@code try (Tape<T> tape = new Tape<>(engine)) { forward; loss.backward(); optimiser.step(); }}. It does not own
 * the values of {@link #input}/{@link #variable} nodes, nor parameters and their gradients.
 *
 * <p>Not thread-safe.
 *
 * @param <T> the engine's tensor type
 */
public final class Tape<T> implements AutoCloseable {
    private final TensorEngine<T> engine;
    private final List<Variable<T>> nodes = new ArrayList<>();
    private final List<Variable<T>> leaves = new ArrayList<>();
    private final List<T> saved = new ArrayList<>();

    /** An empty tape over {@code engine}. */
    public Tape(final TensorEngine<T> engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /** The engine. */
    public TensorEngine<T> engine() {
        return engine;
    }

    /** A leaf without a gradient (data): the caller keeps ownership of {@code value}. */
    public Variable<T> input(final T value) {
        final Variable<T> v = new Variable<>(this, null, value, false, null);
        leaves.add(v);
        return v;
    }

    /** A leaf that collects a gradient (for gradient checks): the caller keeps ownership of {@code value}. */
    public Variable<T> variable(final T value) {
        final Variable<T> v = new Variable<>(this, null, value, true, null);
        leaves.add(v);
        return v;
    }

    /**
     * Records a computed node holding {@code value} (the tape takes ownership). {@code backward} is kept only when
     * {@code requiresGrad} (some input requires a gradient).
     */
    public Variable<T> record(final T value, final boolean requiresGrad, final Variable.Backward<T> backward) {
        final Variable<T> v = new Variable<>(this, null, value, requiresGrad, requiresGrad ? backward : null);
        nodes.add(v);
        return v;
    }

    /** Keeps {@code t} (a mask, say) until {@link #close}, which releases it. Returns {@code t}. */
    public T save(final T t) {
        saved.add(t);
        return t;
    }

    /** Adds {@code g} (taking ownership) to the gradient of {@code v}; used by backward closures. */
    public void accumulate(final Variable<T> v, final T g) {
        v.accumulate(engine, g);
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
        output.accumulate(engine, seed);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).runBackward();
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

    /** Releases every value, gradient and saved tensor this tape owns, and forgets its nodes. Idempotent. */
    @Override
    public void close() {
        for (final Variable<T> v : nodes) {
            v.releaseAll(engine);
        }
        for (final Variable<T> v : leaves) {
            v.releaseGrad(engine);
        }
        for (final T t : saved) {
            engine.release(t);
        }
        nodes.clear();
        leaves.clear();
        saved.clear();
    }
}
