package dev.obscura.federated.worker;

import dev.obscura.backend.Conv2dSpec;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.ring.Shapes;
import java.lang.ref.Reference;
import java.util.List;

/**
 * A reference to a plaintext tensor that a worker holds (PySyft's pointer): its shape is known here, its values
 * only at the worker until {@link #get()} brings them back. Arithmetic and the {@code nn} functions run at the
 * worker and return references to their results there; shapes are checked here first, so a mismatch fails at once
 * with both shapes named, and every operand must be on the same worker (else the error names both workers).
 *
 * <h2>Gradients</h2>
 * A tensor sent with {@link Worker#sendParameter} collects a gradient, and so does every result computed from it
 * (or from a model's output, {@link RemoteModel#forward}): {@link #backward()} on a scalar result runs the
 * worker's graph in reverse, {@link #grad()} is then a reference to the gradient, fetched with {@code get()}.
 * {@code backward()} ends the graph (compute again for another pass); {@link #copy()} gives a value that tracks no
 * gradient. A worker records one graph at a time.
 *
 * <p>Thread-safe; {@link #toString()} shows the worker, id and shape, never values.
 */
public final class RemoteTensor extends RemoteObject {
    private final int[] shape;
    private final boolean requiresGrad;

    RemoteTensor(final Worker worker, final long id, final int[] shape, final boolean requiresGrad) {
        super(worker, id);
        this.shape = shape.clone();
        this.requiresGrad = requiresGrad;
    }

    @Override
    String what() {
        return "tensor";
    }

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Element count. */
    public long numel() {
        return Shapes.numel(shape);
    }

    /** Whether the tensor collects a gradient. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    // ------------------------------------------------------------------------------------------------- arithmetic

    /** {@code this + other}, same shapes. */
    public RemoteTensor add(final RemoteTensor other) {
        return compute(TensorFunction.ADD, List.of(this, other), new int[0], 0f);
    }

    /** {@code this - other}, same shapes. */
    public RemoteTensor sub(final RemoteTensor other) {
        return compute(TensorFunction.SUB, List.of(this, other), new int[0], 0f);
    }

    /** {@code this * other} elementwise, same shapes. */
    public RemoteTensor mul(final RemoteTensor other) {
        return compute(TensorFunction.MUL, List.of(this, other), new int[0], 0f);
    }

    /** {@code this * c}. */
    public RemoteTensor scale(final float c) {
        return compute(TensorFunction.SCALE, List.of(this), new int[0], c);
    }

    /** {@code this * this} elementwise ({@code x ** 2}). */
    public RemoteTensor square() {
        return compute(TensorFunction.SQUARE, List.of(this), new int[0], 0f);
    }

    /** The sum of every element, a scalar (shape {@code []}). */
    public RemoteTensor sum() {
        return compute(TensorFunction.SUM, List.of(this), new int[0], 0f);
    }

    /** The mean of every element, a scalar. */
    public RemoteTensor mean() {
        return compute(TensorFunction.MEAN, List.of(this), new int[0], 0f);
    }

    /** Matrix product {@code [m, k] · [k, n]}. */
    public RemoteTensor matmul(final RemoteTensor other) {
        return compute(TensorFunction.MATMUL, List.of(this, other), new int[0], 0f);
    }

    /** The transpose of a matrix. */
    public RemoteTensor transpose() {
        return compute(TensorFunction.TRANSPOSE, List.of(this), new int[0], 0f);
    }

    /** The same elements with {@code newShape}. */
    public RemoteTensor reshape(final int... newShape) {
        return compute(TensorFunction.RESHAPE, List.of(this), newShape, 0f);
    }

    /** {@code [N, *]} as {@code [N, prod(*)]}. */
    public RemoteTensor flatten() {
        return compute(TensorFunction.FLATTEN, List.of(this), new int[0], 0f);
    }

    // --------------------------------------------------------------------------------------------- nn functions

    /** {@code max(this, 0)}. */
    public RemoteTensor relu() {
        return compute(TensorFunction.RELU, List.of(this), new int[0], 0f);
    }

    /** Softmax along the last axis of {@code [N, K]}. */
    public RemoteTensor softmax() {
        return compute(TensorFunction.SOFTMAX, List.of(this), new int[0], 0f);
    }

    /** {@code this [N, in] · weight [out, in]^T + bias [out]} ({@code bias} may be null). */
    public RemoteTensor linear(final RemoteTensor weight, final RemoteTensor bias) {
        return compute(TensorFunction.LINEAR, bias == null ? List.of(this, weight) : List.of(this, weight, bias),
            new int[0], 0f);
    }

    /** Convolution of {@code this [N, C, H, W]} with {@code weight [O, C, kH, kW]}, plus {@code bias [O]} or null. */
    public RemoteTensor conv2d(final RemoteTensor weight, final RemoteTensor bias, final Conv2dSpec spec) {
        return compute(TensorFunction.CONV2D, bias == null ? List.of(this, weight) : List.of(this, weight, bias),
            new int[] {spec.strideH(), spec.strideW(), spec.padH(), spec.padW()}, 0f);
    }

    /** Max-pooling over {@code kernel x kernel} windows, stride {@code kernel}. */
    public RemoteTensor maxPool2d(final int kernel) {
        return compute(TensorFunction.MAX_POOL2D, List.of(this), new int[] {kernel, kernel}, 0f);
    }

    /** Average pooling over {@code kernel x kernel} windows, stride {@code kernel}. */
    public RemoteTensor avgPool2d(final int kernel) {
        return compute(TensorFunction.AVG_POOL2D, List.of(this), new int[] {kernel, kernel}, 0f);
    }

    /** A copy at the same worker that tracks no gradient (PyTorch's {@code detach().clone()}). */
    public RemoteTensor copy() {
        return compute(TensorFunction.COPY, List.of(this), new int[0], 0f);
    }

    private RemoteTensor compute(final TensorFunction fn, final List<RemoteTensor> operands, final int[] ints,
                                 final float scalar) {
        final int[][] shapes = new int[operands.size()][];
        final long[] ids = new long[operands.size()];
        requireLive();
        for (int i = 0; i < shapes.length; i++) {
            requireSameWorker(operands.get(i), fn.label());
            shapes[i] = operands.get(i).shape;
            ids[i] = operands.get(i).id();
        }
        fn.outputShape(shapes, ints);
        try {
            final WireReader r = worker().call(WorkerProtocol.COMPUTE,
                w -> w.u8(fn.code).ids(ids).ints(ints).f32(scalar));
            final long id = r.i64("id");
            final int[] s = r.shape("shape", 0);
            return new RemoteTensor(worker(), id, s, r.bool("requiresGrad"));
        } finally {
            // The operands must not be collected (and released) before the worker has used them.
            Reference.reachabilityFence(operands);
        }
    }

    // ------------------------------------------------------------------------------------------------- gradients

    /** Runs the worker's graph in reverse from this scalar, filling the gradients of what it was computed from. */
    public void backward() {
        requireLive();
        worker().call(WorkerProtocol.BACKWARD, w -> w.i64(id()));
        Reference.reachabilityFence(this);
    }

    /** A reference to this tensor's gradient (a new tensor at the worker, which tracks none itself). */
    public RemoteTensor grad() {
        requireLive();
        final WireReader r = worker().call(WorkerProtocol.GRAD, w -> w.i64(id()));
        final long id = r.i64("id");
        final RemoteTensor g = new RemoteTensor(worker(), id, r.shape("shape", 0), false);
        Reference.reachabilityFence(this);
        return g;
    }

    /** Forgets this parameter's gradient (PyTorch's {@code grad.zero_()}). */
    public void zeroGrad() {
        requireLive();
        worker().call(WorkerProtocol.ZERO_GRAD, w -> w.i64(id()));
        Reference.reachabilityFence(this);
    }

    /**
     * {@code this -= delta} in place, at the worker, recording nothing (PyTorch's {@code data.sub_(delta)}): the
     * update of a parameter. Refused while a graph that has not run {@link #backward()} uses this parameter.
     */
    public void subInPlace(final RemoteTensor delta) {
        requireLive();
        requireSameWorker(delta, "subInPlace");
        if (!java.util.Arrays.equals(shape, delta.shape)) {
            throw new IllegalArgumentException("subInPlace needs tensors of the same shape, shapes="
                + Shapes.toString(shape) + " and " + Shapes.toString(delta.shape));
        }
        worker().call(WorkerProtocol.SUB_IN_PLACE, w -> w.i64(id()).i64(delta.id()));
        Reference.reachabilityFence(this);
        Reference.reachabilityFence(delta);
    }

    // ------------------------------------------------------------------------------------------------- movement

    /** Brings the values here; the worker no longer holds the tensor, and this reference is spent. */
    public PlainTensor get() {
        requireLive();
        final WireReader r = worker().call(WorkerProtocol.GET_TENSOR, w -> w.i64(id()).bool(true));
        left("was fetched with get()");
        final PlainTensor t = TensorRequests.readTensor(r, "tensor");
        r.end();
        return t;
    }

    /**
     * Moves the tensor to {@code to}, worker to worker (the values do not pass through this caller); this reference
     * is spent, the one returned points at {@code to}. A parameter arrives as a parameter (without its gradient); a
     * result of a recorded operation arrives as a value (the graph stays behind).
     */
    public RemoteTensor move(final Worker to) {
        return sendTo(to, false);
    }

    /** A copy at {@code to}, sent worker to worker (a parameter's copy is a parameter); this tensor stays. */
    public RemoteTensor copyTo(final Worker to) {
        return sendTo(to, true);
    }

    private RemoteTensor sendTo(final Worker to, final boolean keep) {
        requireLive();
        if (to == worker()) {
            throw new IllegalArgumentException("tensor " + id() + " is already on worker " + to.name());
        }
        final WireReader r = worker().call(WorkerProtocol.SEND_TO, w -> w.i64(id()).string(to.name()).bool(keep));
        final long id = r.i64("id");
        final RemoteTensor there = new RemoteTensor(to, id, shape, r.bool("requiresGrad"));
        if (!keep) {
            left("was moved to worker " + to.name() + ": use the reference move() returned");
        }
        return there;
    }

    // ------------------------------------------------------------------------------------ clipping, secure aggregation

    /**
     * {@code this * min(1, C / ||this||_2)}, computed at the worker: a new tensor there (which tracks no gradient)
     * whose L2 norm is at most {@code clip}; this one stays. The per-worker clipping of DP-FedAvg (McMahan et al.,
     * ICLR 2018): the update is bounded before it leaves its worker.
     *
     * @throws IllegalArgumentException when {@code clip} is not a positive number
     */
    public RemoteTensor clipNorm(final double clip) {
        requireLive();
        if (!(clip > 0) || clip == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("clip norm must be a positive number, clip=" + clip);
        }
        final WireReader r = worker().call(WorkerProtocol.CLIP_NORM, w -> w.i64(id()).f64(clip));
        final RemoteTensor t = new RemoteTensor(worker(), r.i64("id"), r.shape("shape", 0), false);
        Reference.reachabilityFence(this);
        return t;
    }

    /**
     * Makes this tensor, a flat update, the input of client {@code client} of the secure-aggregation round
     * {@code setup} (Bonawitz et al., CCS 2017) at its worker, and returns the client's round-0 message (its
     * {@link dev.obscura.federated.secagg.AdvertiseKeys} frame). The worker encodes the update on the fixed-point
     * grid of {@code fracBits} fractional bits as {@code weight * this}, or, when {@code clip > 0}, as this clipped to
     * L2 norm {@code clip} (weight ignored), and keeps it only inside the round's state: this reference is spent. The
     * round goes on with {@link Worker#secureAggregationStep} and ends with the unmasking step, with
     * {@link Worker#endSecureAggregation}, or after {@code timeout}, whichever comes first.
     *
     * @throws WorkerException when the worker refuses (a bad setup, a wrong length, a value out of range)
     */
    public byte[] beginSecureAggregation(final dev.obscura.federated.secagg.RoundSetup setup, final int client,
                                         final double weight, final double clip, final int fracBits,
                                         final java.time.Duration timeout) {
        requireLive();
        final byte[] frame = setup.encode();
        final WireReader r = worker().call(WorkerProtocol.SECAGG_BEGIN, w -> w.blob(frame).i32(client).i64(id())
            .f64(weight).f64(clip).i32(fracBits).i64(timeout.toMillis()));
        left("became the input of a secure aggregation round");
        final byte[] advertise = r.blob("frame", SecAggRequests.MAX_FRAME);
        r.end();
        return advertise;
    }

    /**
     * Makes this tensor, a flat update, client {@code client}'s input of the additive secure-aggregation round
     * {@code setup}: its worker encodes it (as {@link #beginSecureAggregation} does), shares it additively among the
     * round's aggregators ({@link dev.obscura.federated.secagg.AdditiveSharer}) and sends each share straight to its
     * aggregator worker, {@code aggregators.get(j)} for aggregator j; this caller sees no share. This reference is
     * spent.
     *
     * @throws WorkerException when the worker refuses or an aggregator does not take its share
     */
    public void shareAdditively(final dev.obscura.federated.secagg.AdditiveRoundSetup setup, final int client,
                                final double weight, final double clip, final int fracBits,
                                final List<String> aggregators) {
        requireLive();
        final byte[] frame = setup.encode();
        try {
            worker().call(WorkerProtocol.ADDITIVE_SHARE, w -> {
                w.blob(frame).i32(client).i64(id()).f64(weight).f64(clip).i32(fracBits).i32(aggregators.size());
                aggregators.forEach(w::string);
            }).end();
        } finally {
            left("became the input of a secure aggregation round");
        }
    }

    @Override
    public String toString() {
        return "RemoteTensor[" + worker().name() + ":" + id() + ", shape=" + Shapes.toString(shape)
            + (requiresGrad ? ", requiresGrad" : "") + (isLive() ? "" : ", gone") + "]";
    }
}
