package dev.obscura.federated.worker;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.ring.Shapes;
import java.util.ArrayList;
import java.util.List;

/**
 * A tensor secret-shared among the parties of a {@link SecureGroup} (the {@code SecretTensor} of workers): each
 * party holds one additive share. Every operation runs the additive suite's protocol among the parties and returns
 * a new shared tensor; shapes are checked here first. {@link #get()} reconstructs the value for this caller only.
 * Closing (or collecting) it drops the shares. Thread-safe; {@link #toString()} shows no share.
 */
public final class SharedTensor implements AutoCloseable, RemoteScope.Releasable {
    private final SecureGroup group;
    private final long[] ids;
    private final int[] shape;
    private final Liveness liveness;

    SharedTensor(final SecureGroup group, final long[] ids, final int[] shape) {
        this.group = group;
        this.ids = ids.clone();
        this.shape = shape.clone();
        this.liveness = Liveness.track(this, group.parties().toArray(Worker[]::new), ids);
        RemoteScope.track(this);
    }

    /** The group whose parties hold the shares. */
    public SecureGroup group() {
        return group;
    }

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** {@code this + other} (local at each party). */
    public SharedTensor add(final SharedTensor other) {
        return compute(TensorFunction.ADD, List.of(this, other), new int[0], 0f);
    }

    /** {@code this - other} (local). */
    public SharedTensor sub(final SharedTensor other) {
        return compute(TensorFunction.SUB, List.of(this, other), new int[0], 0f);
    }

    /** {@code this * other} elementwise (one Beaver round and a truncation). */
    public SharedTensor mul(final SharedTensor other) {
        return compute(TensorFunction.MUL, List.of(this, other), new int[0], 0f);
    }

    /** {@code this * c} for a public {@code c} (a truncation). */
    public SharedTensor scale(final float c) {
        return compute(TensorFunction.SCALE, List.of(this), new int[0], c);
    }

    /** {@code this * this} elementwise. */
    public SharedTensor square() {
        return compute(TensorFunction.SQUARE, List.of(this), new int[0], 0f);
    }

    /** The sum of every element (local), shape {@code []}. */
    public SharedTensor sum() {
        return compute(TensorFunction.SUM, List.of(this), new int[0], 0f);
    }

    /** Matrix product {@code [m, k] · [k, n]} (one Beaver round and a truncation). */
    public SharedTensor matmul(final SharedTensor other) {
        return compute(TensorFunction.MATMUL, List.of(this, other), new int[0], 0f);
    }

    /** The transpose of a matrix (local). */
    public SharedTensor transpose() {
        return compute(TensorFunction.TRANSPOSE, List.of(this), new int[0], 0f);
    }

    /** The same elements with {@code newShape} (local). */
    public SharedTensor reshape(final int... newShape) {
        return compute(TensorFunction.RESHAPE, List.of(this), newShape, 0f);
    }

    /** {@code max(this, 0)} by the suite's exact comparison. */
    public SharedTensor relu() {
        return compute(TensorFunction.RELU, List.of(this), new int[0], 0f);
    }

    /** Softmax along the last axis of {@code [N, K]}, the suite's approximation. */
    public SharedTensor softmax() {
        return compute(TensorFunction.SOFTMAX, List.of(this), new int[0], 0f);
    }

    /** {@code this [N, in] · weight [out, in]^T + bias [out]} ({@code bias} may be null). */
    public SharedTensor linear(final SharedTensor weight, final SharedTensor bias) {
        return compute(TensorFunction.LINEAR, bias == null ? List.of(this, weight) : List.of(this, weight, bias),
            new int[0], 0f);
    }

    /** Convolution of {@code this [N, C, H, W]} with {@code weight [O, C, kH, kW]}, plus {@code bias} or null. */
    public SharedTensor conv2d(final SharedTensor weight, final SharedTensor bias, final Conv2dSpec spec) {
        return compute(TensorFunction.CONV2D, bias == null ? List.of(this, weight) : List.of(this, weight, bias),
            new int[] {spec.strideH(), spec.strideW(), spec.padH(), spec.padW()}, 0f);
    }

    /** Max-pooling over {@code kernel x kernel} windows, stride {@code kernel}. */
    public SharedTensor maxPool2d(final int kernel) {
        return compute(TensorFunction.MAX_POOL2D, List.of(this), new int[] {kernel, kernel}, 0f);
    }

    private SharedTensor compute(final TensorFunction fn, final List<SharedTensor> operands, final int[] ints,
                                 final float scalar) {
        final int[][] shapes = new int[operands.size()][];
        for (int i = 0; i < shapes.length; i++) {
            final SharedTensor o = operands.get(i);
            o.requireLive();
            if (o.group != group) {
                throw new IllegalArgumentException(fn.label() + " needs its operands in one secure group: "
                    + group + " and " + o.group);
            }
            shapes[i] = o.shape;
        }
        final int[] out = fn.outputShape(shapes, ints);
        final long[] result = group.run(WorkerProtocol.SHARE_COMPUTE, p -> w -> {
            w.u8(fn.code).i32(operands.size());
            for (final SharedTensor o : operands) {
                w.i64(o.ids[p]);
            }
            w.ints(ints).f32(scalar);
        }, r -> {
            final long id = r.i64("id");
            r.shape("shape", 0);
            return id;
        });
        java.lang.ref.Reference.reachabilityFence(operands);
        return new SharedTensor(group, result, out);
    }

    /**
     * Reconstructs the value for this caller: every party sends its share here and drops it; no party learns the
     * value. This reference is spent.
     */
    public PlainTensor get() {
        requireLive();
        final List<WireReader> answers = group.each(WorkerProtocol.SHARE_GET, p -> w -> w.i64(ids[p]).bool(true));
        liveness.left("was fetched with get()");
        final List<long[]> shares = new ArrayList<>(answers.size());
        int fracBits = -1;
        for (final WireReader r : answers) {
            final int[] s = r.shape("share", 8);
            fracBits = r.i32("fractional bits");
            shares.add(r.longs(Math.toIntExact(Shapes.numel(s)), "share"));
            r.end();
        }
        return new PlainTensor(group.reconstruct(shares, fracBits), shape);
    }

    /** Whether the shares still exist and may be used. */
    public boolean isLive() {
        return liveness.gone() == null;
    }

    void requireLive() {
        final String gone = liveness.gone();
        if (gone != null) {
            throw new IllegalStateException("shared tensor " + Shapes.toString(shape) + " of " + group + " " + gone
                + ": this reference can no longer be used");
        }
    }

    long id(final int party) {
        return ids[party];
    }

    /** Drops the shares at every party. Idempotent. */
    @Override
    public void close() {
        liveness.release("was closed");
    }

    @Override
    public String toString() {
        return "SharedTensor" + Shapes.toString(shape) + " of " + group;
    }
}
