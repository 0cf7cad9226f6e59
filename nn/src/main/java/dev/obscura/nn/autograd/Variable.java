package dev.obscura.nn.autograd;

import dev.obscura.nn.engine.TensorEngine;
import java.util.Objects;

/**
 * A node of the autograd graph: a value, the gradient accumulated into it by {@link Tape#backward}, and, for a
 * computed node, the closure that sends its gradient on to its inputs.
 *
 * <p>Three kinds:
 * <ul>
 *   <li>a <b>parameter</b> ({@link #parameter}): lives across steps, on no tape and in no scope; its value is
 *       replaced by the optimiser ({@link #assign}), its gradient accumulates over a step until {@link #zeroGrad};
 *       both are taken out of every open scope ({@link TensorEngine#detach}), so a step inside a tape keeps
 *       them;</li>
 *   <li>an <b>input</b> ({@link Tape#input}, {@link Tape#variable}): a leaf of one step's graph whose value the
 *       caller owns, with or without a gradient;</li>
 *   <li>a <b>computed</b> node ({@link Tape#record}): owned by its tape, which releases its value and gradient on
 *       {@link Tape#close}.</li>
 * </ul>
 *
 * <p>A gradient that reaches a parameter must be a tensor that no tape records (every function in
 * {@link Functional} computes a fresh one), since the parameter keeps it after the tape is closed.
 *
 * @param <T> the engine's tensor type
 */
public final class Variable<T> {
    private final Tape<T> tape;
    private final String name;
    private final String label;
    private final boolean requiresGrad;
    private final Backward<T> backward;
    private T value;
    private T grad;

    Variable(final Tape<T> tape, final String name, final String label, final T value, final boolean requiresGrad,
             final Backward<T> backward) {
        this.tape = tape;
        this.name = name;
        this.label = label;
        this.value = Objects.requireNonNull(value, "value");
        this.requiresGrad = requiresGrad;
        this.backward = backward;
    }

    /** A trainable parameter named {@code name} holding {@code value} (taking ownership). */
    public static <T> Variable<T> parameter(final String name, final T value) {
        return new Variable<>(null, Objects.requireNonNull(name, "name"), "", value, true, null);
    }

    /** The value. */
    public T value() {
        return value;
    }

    /** The accumulated gradient, or {@code null} when none has reached this variable. */
    public T grad() {
        return grad;
    }

    /** Whether gradients flow to this variable. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Whether this is a parameter (on no tape). */
    public boolean isParameter() {
        return tape == null;
    }

    /** The parameter's name, or {@code null} for a node of a tape. */
    public String name() {
        return name;
    }

    /**
     * The engine's label when this node was recorded ({@link TensorEngine#label()}): the tape runs its backward
     * closure under it, in the backward pass. Empty for leaves and parameters.
     */
    String label() {
        return label;
    }

    /** The tape this node belongs to; {@code null} for a parameter. */
    public Tape<T> tape() {
        return tape;
    }

    /**
     * Replaces a parameter's value, releasing the old one through {@code engine} (the optimiser's update). The new
     * value is taken out of every open scope of the engine: the parameter owns it.
     *
     * @throws IllegalStateException when this is not a parameter
     */
    public void assign(final TensorEngine<T> engine, final T newValue) {
        if (tape != null) {
            throw new IllegalStateException("only a parameter can be assigned, variable=" + this);
        }
        final T old = value;
        value = engine.detach(Objects.requireNonNull(newValue, "newValue"));
        engine.release(old);
    }

    /** Releases a parameter's gradient through {@code engine} and forgets it. */
    public void zeroGrad(final TensorEngine<T> engine) {
        if (grad != null) {
            engine.release(grad);
            grad = null;
        }
    }

    /**
     * Hands the gradient over to the caller and forgets it ({@code null} when there is none): it is taken out of
     * the tape's scope, so it outlives the tape.
     */
    public T takeGrad() {
        final T g = grad;
        grad = null;
        return g != null && tape != null ? tape.engine().detach(g) : g;
    }

    /**
     * Adds {@code g} (taking ownership) to the gradient: the first contribution becomes the gradient, later ones are
     * summed into a new tensor and both addends released. Ignored when this variable does not require a gradient.
     * A parameter's gradient is taken out of every open scope of {@code engine}.
     */
    void accumulate(final TensorEngine<T> engine, final T g) {
        if (!requiresGrad) {
            engine.release(g);
            return;
        }
        if (grad == null) {
            grad = g;
        } else {
            final T sum = engine.add(grad, g);
            engine.release(grad);
            engine.release(g);
            grad = sum;
        }
        if (tape == null) {
            engine.detach(grad);
        }
    }

    /** Forgets the gradient, which its tape released. */
    void forgetGrad() {
        grad = null;
    }

    /** Runs this node's backward closure on its gradient, if it has both. */
    void runBackward() {
        if (backward != null && grad != null) {
            backward.apply(grad);
        }
    }

    @Override
    public String toString() {
        return "Variable{" + (name != null ? "name=" + name + ", " : "") + "requiresGrad=" + requiresGrad + "}";
    }

    /**
     * The backward closure of a computed node: given the node's gradient (which it must not release or keep), it
     * computes the gradient of each input that requires one and {@link Tape#accumulate accumulates} it there.
     *
     * @param <T> the engine's tensor type
     */
    @FunctionalInterface
    public interface Backward<T> {
        /** Propagates {@code gradOut} to the inputs. */
        void apply(T gradOut);
    }
}
