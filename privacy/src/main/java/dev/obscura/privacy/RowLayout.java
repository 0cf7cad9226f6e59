package dev.obscura.privacy;

import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainTensor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout of one example's gradient row: the model's parameters flattened one after the other, in the order of
 * its {@code parameters()} list, each row-major. Immutable.
 */
public final class RowLayout {
    private final List<Variable<PlainTensor>> parameters;
    private final Map<Variable<PlainTensor>, Integer> offsets = new IdentityHashMap<>();
    private final int length;

    /**
     * The layout of {@code parameters}.
     *
     * @throws IllegalArgumentException when they hold more values than an array can
     */
    public RowLayout(final List<Variable<PlainTensor>> parameters) {
        this.parameters = List.copyOf(parameters);
        long at = 0;
        for (final Variable<PlainTensor> p : this.parameters) {
            offsets.put(p, (int) Math.min(at, Integer.MAX_VALUE));
            at += p.value().numel();
        }
        if (at > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many parameters for one row, count=" + at);
        }
        this.length = (int) at;
    }

    /** The parameters, in row order. */
    public List<Variable<PlainTensor>> parameters() {
        return parameters;
    }

    /** The values per row: the total element count of the parameters. */
    public int length() {
        return length;
    }

    /**
     * Where {@code parameter}'s values start in a row.
     *
     * @throws IllegalArgumentException when it is not one of the parameters
     */
    public int offset(final Variable<PlainTensor> parameter) {
        final Integer at = offsets.get(parameter);
        if (at == null) {
            throw new IllegalArgumentException("not a parameter of this layout, variable=" + parameter);
        }
        return at;
    }

    /**
     * Checks a batch for {@link PerExampleGradients#compute}: one label per example of {@code inputs} (first axis),
     * and room for one row per example in {@code out}.
     *
     * @throws IllegalArgumentException when either does not hold
     */
    public void checkBatch(final PlainTensor inputs, final int[] labels, final float[] out) {
        checkLabels(inputs, labels);
        if (out.length < (long) labels.length * length) {
            throw new IllegalArgumentException("output too short, length=" + out.length + ", needed="
                + (long) labels.length * length);
        }
    }

    /** Checks that {@code labels} has one label per example of {@code inputs} (its first axis). */
    static void checkLabels(final PlainTensor inputs, final int[] labels) {
        if (inputs.rank() < 1 || inputs.dim(0) != labels.length) {
            throw new IllegalArgumentException("one label per example, examples="
                + (inputs.rank() < 1 ? 0 : inputs.dim(0)) + ", labels=" + labels.length);
        }
    }

    @Override
    public String toString() {
        return "RowLayout[parameters=" + parameters.size() + ", length=" + length + "]";
    }
}
