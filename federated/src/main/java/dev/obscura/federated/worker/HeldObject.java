package dev.obscura.federated.worker;

/**
 * One object a worker holds, as {@link Worker#objects()} lists it.
 *
 * @param id           its id at the worker
 * @param kind         {@code tensor}, {@code model}, {@code dataset}, {@code share} or {@code shared model}
 * @param shape        a tensor's or share's shape, a data set's {@code [count, image shape...]}, a model's
 *                     {@code [parameter count]}
 * @param bytes        the memory it takes at the worker
 * @param requiresGrad whether it collects a gradient
 */
public record HeldObject(long id, String kind, int[] shape, long bytes, boolean requiresGrad) {
    /** Copies the shape. */
    public HeldObject {
        shape = shape.clone();
    }

    /** The shape (a copy). */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof HeldObject h && h.id == id && h.kind.equals(kind) && java.util.Arrays.equals(h.shape, shape)
            && h.bytes == bytes && h.requiresGrad == requiresGrad;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id) * 31 + java.util.Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return kind + " " + id + dev.obscura.ring.Shapes.toString(shape) + " (" + bytes + " bytes"
            + (requiresGrad ? ", requires grad" : "") + ")";
    }
}
