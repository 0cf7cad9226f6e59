package dev.obscura.federated.worker;

import dev.obscura.nn.autograd.Variable;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.io.ModelData;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's parameters as one flat vector, every parameter's values in the model's order, row-major: the form of a
 * model update in federated averaging ({@link RemoteModel#fit} leaves the difference of two such vectors on the
 * worker). Stateless and thread-safe.
 */
public final class FlatParameters {
    private FlatParameters() {
    }

    /** {@code data}'s values as one vector. */
    public static float[] of(final ModelData data) {
        final float[] out = new float[Math.toIntExact(data.valueCount())];
        int at = 0;
        for (final ModelData.Parameter p : data.parameters()) {
            final float[] v = p.values();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    /**
     * {@code template}'s names and shapes with the values of {@code flat}.
     *
     * @throws IllegalArgumentException when {@code flat} does not hold one value per parameter element
     */
    public static ModelData withValues(final ModelData template, final float[] flat) {
        if (flat.length != template.valueCount()) {
            throw new IllegalArgumentException("a flat vector needs one value per parameter element, values="
                + flat.length + ", parameters=" + template.valueCount());
        }
        final List<ModelData.Parameter> out = new ArrayList<>(template.parameters().size());
        int at = 0;
        for (final ModelData.Parameter p : template.parameters()) {
            final float[] v = new float[p.size()];
            System.arraycopy(flat, at, v, 0, v.length);
            at += v.length;
            out.add(new ModelData.Parameter(p.name(), p.shape(), v));
        }
        return new ModelData(template.architecture(), out);
    }

    /** The values of {@code parameters}, in order, as one vector. */
    static float[] of(final List<Variable<PlainTensor>> parameters) {
        int n = 0;
        for (final Variable<PlainTensor> p : parameters) {
            n = Math.addExact(n, p.value().numel());
        }
        final float[] out = new float[n];
        int at = 0;
        for (final Variable<PlainTensor> p : parameters) {
            final float[] v = p.value().data();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }
}
