package dev.obscura.nn.optim;

import dev.obscura.mpc.Label;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.Labels;
import dev.obscura.nn.engine.TensorEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent with momentum and weight decay, PyTorch's {@code torch.optim.SGD} (no dampening, no
 * Nesterov): for each parameter {@code w} with gradient {@code g},
 * <pre>
 *   d = g + weightDecay * w
 *   v = momentum * v + d      (v = d on the first step)
 *   w = w - lr * v            (with momentum 0: w = w - lr * d)
 * </pre>
 * every step through the engine ({@link TensorEngine#scale}, {@link TensorEngine#add}, {@link TensorEngine#sub}),
 * so the velocities and weights of a secure engine stay shared. A parameter without a gradient is skipped.
 *
 * @param <T> the engine's tensor type
 */
public final class Sgd<T> {
    private final TensorEngine<T> engine;
    private final List<Variable<T>> parameters;
    private final List<T> velocities;
    private final float learningRate;
    private final float momentum;
    private final float weightDecay;

    /** An optimiser over {@code parameters}. */
    public Sgd(final TensorEngine<T> engine, final List<Variable<T>> parameters, final float learningRate,
               final float momentum, final float weightDecay) {
        if (!(learningRate > 0) || !(momentum >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("need learningRate > 0, momentum >= 0, weightDecay >= 0, learningRate="
                + learningRate + ", momentum=" + momentum + ", weightDecay=" + weightDecay);
        }
        for (final Variable<T> p : parameters) {
            if (!p.isParameter()) {
                throw new IllegalArgumentException("only parameters can be optimised, variable=" + p);
            }
        }
        this.engine = engine;
        this.parameters = List.copyOf(parameters);
        this.velocities = new ArrayList<>();
        for (int i = 0; i < this.parameters.size(); i++) {
            velocities.add(null);
        }
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    /** Plain SGD with momentum, no weight decay. */
    public Sgd(final TensorEngine<T> engine, final List<Variable<T>> parameters, final float learningRate,
               final float momentum) {
        this(engine, parameters, learningRate, momentum, 0f);
    }

    /**
     * Updates every parameter that has a gradient (see the class comment) and consumes the gradients: afterwards no
     * parameter has one (the first step's momentum buffer is the gradient itself, taken over without a copy).
     */
    public void step() {
        for (int i = 0; i < parameters.size(); i++) {
            final Variable<T> p = parameters.get(i);
            if (p.grad() == null) {
                continue;
            }
            try (Label ignored = engine.label(Labels.child(engine.label(),
                "optimiser (Sgd), parameter " + i + " (" + p.name() + ")"))) {
                step(i, p);
            }
        }
    }

    /** The update of parameter {@code i}, {@code p}, which has a gradient. */
    private void step(final int i, final Variable<T> p) {
        final T g = p.grad();
        T d = g;
        boolean ownD = false;
        if (weightDecay != 0f) {
            final T decay = engine.scale(p.value(), weightDecay);
            d = engine.add(g, decay);
            engine.release(decay);
            ownD = true;
        }
        final T direction;
        if (momentum != 0f) {
            final T v = velocities.get(i);
            final T next;
            if (v == null) {
                next = ownD ? d : p.takeGrad();
            } else {
                final T kept = engine.scale(v, momentum);
                next = engine.add(kept, d);
                engine.release(kept);
                engine.release(v);
                if (ownD) {
                    engine.release(d);
                }
            }
            velocities.set(i, engine.detach(next)); // optimiser state outlives the step's scopes
            direction = next;
        } else {
            direction = d;
        }
        final T delta = engine.scale(direction, learningRate);
        p.assign(engine, engine.sub(p.value(), delta));
        engine.release(delta);
        if (momentum == 0f && ownD) {
            engine.release(d);
        }
        p.zeroGrad(engine);
    }

    /** Releases every parameter's gradient (after a step there are none; this clears a step that was skipped). */
    public void zeroGrad() {
        for (final Variable<T> p : parameters) {
            p.zeroGrad(engine);
        }
    }

    /** Releases the momentum buffers (the parameters stay). */
    public void releaseState() {
        for (int i = 0; i < velocities.size(); i++) {
            final T v = velocities.get(i);
            if (v != null) {
                engine.release(v);
                velocities.set(i, null);
            }
        }
    }
}
