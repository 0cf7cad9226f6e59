package dev.obscura.federated.worker;

import dev.obscura.nn.autograd.Tape;
import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.ring.Shapes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Autograd on a worker's plaintext tensors, as PyTorch does it for a tensor with {@code requires_grad}: an
 * operation of which some input collects a gradient (a parameter, or a result of such an operation) is recorded on
 * the worker's current graph, a {@link Tape}, and {@link #backward} runs that graph in reverse from a scalar and
 * ends it. A worker has at most one open graph: the first recorded operation opens it, {@link #backward} (or the
 * release of the last tensor of it) closes it. An operation on a result of an ended graph is refused (its
 * gradient could no longer flow) unless it is copied first ({@link TensorFunction#COPY}), and a parameter that the
 * open graph used cannot be changed in place (its gradient would be computed with the new value).
 *
 * <p>Operations on tensors that collect no gradient run on a throwaway tape and record nothing. Runs on the
 * worker's thread only.
 */
final class Graphs {
    /** One recorded graph: its tape, the worker's tensors that are its nodes, and the parameters it used. */
    static final class Graph {
        final Tape<PlainTensor> tape;
        final Map<Variable<PlainTensor>, Variable<PlainTensor>> parameterNodes = new IdentityHashMap<>();
        final Set<Variable<PlainTensor>> parameters = Collections.newSetFromMap(new IdentityHashMap<>());
        int entries;
        boolean ended;

        Graph(final PlainEngine engine) {
            this.tape = new Tape<>(engine);
        }
    }

    private final PlainEngine engine;
    private Graph current;

    Graphs(final PlainEngine engine) {
        this.engine = engine;
    }

    /**
     * {@code fn} of the tensors {@code in} (whose ids, for messages, are {@code ids}): recorded on the open graph
     * when one of them collects a gradient, else computed without recording.
     */
    Held.Tensor compute(final TensorFunction fn, final List<Held.Tensor> in, final long[] ids, final int[] ints,
                        final float scalar) {
        boolean record = false;
        for (int i = 0; i < in.size(); i++) {
            final Held.Tensor h = in.get(i);
            if (fn != TensorFunction.COPY && h.isNode() && h.graph.ended) {
                throw ended(ids[i]);
            }
            record |= h.isParameter() || h.isNode();
        }
        if (!record || fn == TensorFunction.COPY) {
            try (Tape<PlainTensor> scratch = new Tape<>(engine)) {
                final List<Variable<PlainTensor>> vars = new ArrayList<>(in.size());
                for (final Held.Tensor h : in) {
                    vars.add(scratch.input(h.value()));
                }
                return Held.Tensor.plain(Functions.apply(fn, vars, ints, scalar, ElementwiseOps.PLAIN).value());
            }
        }
        final Graph g = open();
        final List<Variable<PlainTensor>> vars = new ArrayList<>(in.size());
        for (final Held.Tensor h : in) {
            vars.add(operand(g, h));
        }
        return Held.Tensor.node(Functions.apply(fn, vars, ints, scalar, ElementwiseOps.PLAIN), g);
    }

    /** {@code model}'s output for {@code x}, recorded on the open graph (the model's parameters collect gradients). */
    Held.Tensor forward(final Held.Model model, final Held.Tensor x, final long xId) {
        if (x.isNode() && x.graph.ended) {
            throw ended(xId);
        }
        final Graph g = open();
        g.parameters.addAll(model.network.parameters());
        return Held.Tensor.node(model.network.forward(operand(g, x)), g);
    }

    /** The node that stands for {@code h} on {@code g}. */
    private Variable<PlainTensor> operand(final Graph g, final Held.Tensor h) {
        if (h.isNode()) {
            return h.variable;
        }
        if (!h.isParameter()) {
            return g.tape.input(h.value());
        }
        final Variable<PlainTensor> p = h.variable;
        g.parameters.add(p);
        // An identity node on the tape, so a parameter can be the first input of any function; its gradient goes on
        // to the parameter.
        return g.parameterNodes.computeIfAbsent(p, k -> g.tape.record(k.value().reshape(k.value().shape()), true,
            dy -> g.tape.accumulate(k, engine.scale(dy, 1f))));
    }

    private Graph open() {
        if (current == null) {
            current = new Graph(engine);
        }
        return current;
    }

    /** Runs the graph of {@code output} (a scalar node, id {@code id}) in reverse, and ends the graph. */
    void backward(final Held.Tensor output, final long id) {
        if (!output.isNode()) {
            throw new IllegalStateException("tensor " + id + " collects no gradient: nothing it was computed from was"
                + " sent as a parameter or is a model's");
        }
        if (output.graph.ended) {
            throw new IllegalStateException("tensor " + id + " belongs to a graph that backward() already ran;"
                + " compute it again");
        }
        final int[] shape = output.value().shape();
        if (Shapes.numel(shape) != 1) {
            throw new IllegalArgumentException("backward() needs a scalar, tensor " + id + " has shape "
                + Shapes.toString(shape) + " (sum() or mean() it first)");
        }
        final Graph g = output.graph;
        try {
            g.tape.backward(output.variable);
        } finally {
            end(g);
        }
    }

    private void end(final Graph g) {
        g.ended = true;
        g.tape.close();
        if (current == g) {
            current = null;
        }
    }

    /** Refuses to change {@code parameter} (of tensor or model {@code what}) while the open graph uses it. */
    void requireNotInUse(final Variable<PlainTensor> parameter, final String what) {
        if (current != null && current.parameters.contains(parameter)) {
            throw new IllegalStateException(what + " is used by a graph that has not run backward(): its gradient"
                + " would be computed with the changed value; call backward() first");
        }
    }

    /** A worker now holds {@code h}. */
    void stored(final Held.Tensor h) {
        if (h.isNode()) {
            h.graph.entries++;
        }
    }

    /** A worker dropped {@code h}: a graph without any of its tensors held any more is closed. */
    void dropped(final Held.Tensor h) {
        if (h.isNode() && --h.graph.entries == 0 && !h.graph.ended) {
            end(h.graph);
        }
    }

    /** Whether a graph is open (for tests). */
    boolean isOpen() {
        return current != null;
    }

    private static IllegalStateException ended(final long id) {
        return new IllegalStateException("tensor " + id + " was computed before backward() ended its graph: copy()"
            + " it to use its value without a gradient");
    }
}
