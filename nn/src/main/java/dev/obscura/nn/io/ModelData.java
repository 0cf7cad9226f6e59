package dev.obscura.nn.io;

import dev.obscura.nn.io.ModelFormatException.Reason;
import dev.obscura.text.UntrustedText;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A model's contents, as a model file holds them: its architecture description and its parameters in order. What
 * {@link ModelFile} reads and writes and {@link ModelBinding} captures from and applies to a model.
 *
 * <p>Immutable and thread-safe (the arrays are copied in and out).
 *
 * @param architecture the description ({@link ModelBinding#architecture})
 * @param parameters   the parameters, in the model's order (copied)
 */
public record ModelData(String architecture, List<Parameter> parameters) {
    /** Validates and copies the list. */
    public ModelData {
        Objects.requireNonNull(architecture, "architecture");
        parameters = List.copyOf(parameters);
    }

    /** The total number of values over all parameters. */
    public long valueCount() {
        long n = 0;
        for (final Parameter p : parameters) {
            n += p.values.length;
        }
        return n;
    }

    /**
     * One parameter: its name, shape and row-major values. The arrays are copied in and out.
     *
     * @param name   the name (see {@link ModelBinding#parameterNames})
     * @param shape  the shape, rank 1 to {@link ModelFileDescriptor#MAX_RANK}, every dimension at least 1
     * @param values the values, one per element, all finite
     */
    public record Parameter(String name, int[] shape, float[] values) {
        /**
         * Validates and copies.
         *
         * @throws IllegalArgumentException   when the shape is invalid or does not fit the values
         * @throws ModelFormatException       ({@link Reason#NON_FINITE_VALUE}) when a value is NaN or infinite
         */
        public Parameter {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(values, "values");
            if (shape.length < 1 || shape.length > ModelFileDescriptor.MAX_RANK) {
                throw new IllegalArgumentException("parameter rank must be 1 to " + ModelFileDescriptor.MAX_RANK
                    + ", parameter=" + UntrustedText.quote(name) + ", shape=" + Arrays.toString(shape));
            }
            long numel = 1;
            for (final int d : shape) {
                if (d < 1) {
                    throw new IllegalArgumentException("parameter dimensions must be positive, parameter="
                        + UntrustedText.quote(name) + ", shape=" + Arrays.toString(shape));
                }
                numel *= d;
                if (numel > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("parameter has too many elements, parameter="
                        + UntrustedText.quote(name) + ", shape=" + Arrays.toString(shape));
                }
            }
            if (numel != values.length) {
                throw new IllegalArgumentException("parameter needs one value per element, parameter="
                    + UntrustedText.quote(name) + ", shape=" + Arrays.toString(shape) + ", values=" + values.length);
            }
            requireFinite(name, values, "");
            shape = shape.clone();
            values = values.clone();
        }

        /** The shape (a copy). */
        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** The values (a copy). */
        @Override
        public float[] values() {
            return values.clone();
        }

        /** The number of values, without copying them. */
        public int size() {
            return values.length;
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Parameter p && name.equals(p.name) && Arrays.equals(shape, p.shape)
                && Arrays.equals(values, p.values);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(values);
        }

        /** Name and shape, never the values. */
        @Override
        public String toString() {
            return "Parameter{name=" + UntrustedText.quote(name) + ", shape=" + Arrays.toString(shape) + "}";
        }

        /** The values without a copy, for the file writer and the binding (which never modify or keep them). */
        float[] valuesView() {
            return values;
        }

        /** The shape without a copy, for the file writer and the binding (which never modify or keep it). */
        int[] shapeView() {
            return shape;
        }
    }

    /**
     * Fails with {@link Reason#NON_FINITE_VALUE} at the first NaN or infinity of {@code values}, naming the parameter
     * and the flat index (never the value); {@code where} ends the message (", file=..., offset=...").
     */
    static void requireFinite(final String name, final float[] values, final String where) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new ModelFormatException(Reason.NON_FINITE_VALUE, "parameter holds a non-finite value, "
                    + "parameter=" + UntrustedText.quote(name) + ", index=" + i + ", kind="
                    + (Float.isNaN(values[i]) ? "NaN" : "infinity") + where);
            }
        }
    }
}
