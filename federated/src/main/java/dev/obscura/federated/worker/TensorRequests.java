package dev.obscura.federated.worker;

import dev.obscura.network.rpc.RpcException;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.ring.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A worker's answers to the requests on plaintext tensors ({@link WorkerProtocol}); on the worker's thread. */
final class TensorRequests {
    private final WorkerNode node;

    TensorRequests(final WorkerNode node) {
        this.node = node;
    }

    void handle(final int op, final WireReader in, final WireWriter out) {
        final ObjectStore store = node.store;
        switch (op) {
            case WorkerProtocol.PUT_TENSOR -> {
                final boolean grad = in.bool("requiresGrad");
                final PlainTensor t = readTensor(in, "tensor");
                out.i64(store.put(grad ? Held.Tensor.parameter(t) : Held.Tensor.plain(t)));
            }
            case WorkerProtocol.GET_TENSOR -> {
                final long id = in.i64("id");
                final boolean remove = in.bool("remove");
                final Held.Tensor h = remove ? store.remove(id, Held.Tensor.class, "tensor")
                    : store.get(id, Held.Tensor.class, "tensor");
                writeTensor(out, h.value());
            }
            case WorkerProtocol.COMPUTE -> compute(in, out);
            case WorkerProtocol.BACKWARD -> {
                final long id = in.i64("id");
                node.graphs.backward(store.get(id, Held.Tensor.class, "tensor"), id);
            }
            case WorkerProtocol.GRAD -> {
                final long id = in.i64("id");
                final Held.Tensor h = store.get(id, Held.Tensor.class, "tensor");
                final PlainTensor g = h.variable == null ? null : h.variable.grad();
                if (g == null) {
                    throw new IllegalStateException("tensor " + id + " has no gradient"
                        + (h.requiresGrad() ? ": call backward() on a scalar computed from it first"
                        : ": it was not sent as a parameter"));
                }
                out.i64(store.put(Held.Tensor.plain(g))).shape(g.shape());
            }
            case WorkerProtocol.ZERO_GRAD -> {
                final long id = in.i64("id");
                final Held.Tensor h = store.get(id, Held.Tensor.class, "tensor");
                if (!h.isParameter()) {
                    throw new IllegalStateException("tensor " + id + " is not a parameter: it has no gradient to zero");
                }
                h.variable.zeroGrad(node.engine);
            }
            case WorkerProtocol.SUB_IN_PLACE -> subInPlace(in.i64("target"), in.i64("delta"));
            case WorkerProtocol.SEND_TO -> sendTo(in.i64("id"), in.string("worker"), in.bool("keep"), out);
            default -> throw new IllegalStateException("not a tensor request, op=" + op);
        }
    }

    private void compute(final WireReader in, final WireWriter out) {
        final TensorFunction fn = TensorFunction.of(in.u8("function"));
        final long[] ids = in.ids("operands", 3);
        final int[] ints = in.ints("parameters", WorkerProtocol.MAX_INTS);
        final float scalar = in.f32("scalar");
        final List<Held.Tensor> operands = new ArrayList<>(ids.length);
        final int[][] shapes = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            operands.add(node.store.get(ids[i], Held.Tensor.class, "tensor"));
            shapes[i] = operands.get(i).shape();
        }
        fn.outputShape(shapes, ints);
        final Held.Tensor result = node.graphs.compute(fn, operands, ids, ints, scalar);
        out.i64(node.store.put(result)).shape(result.shape()).bool(result.requiresGrad());
    }

    private void subInPlace(final long targetId, final long deltaId) {
        final Held.Tensor target = node.store.get(targetId, Held.Tensor.class, "tensor");
        final Held.Tensor delta = node.store.get(deltaId, Held.Tensor.class, "tensor");
        if (target.isNode()) {
            throw new IllegalStateException("tensor " + targetId + " is a result of a recorded operation: only a"
                + " parameter or a value can be changed in place");
        }
        if (!Arrays.equals(target.shape(), delta.shape())) {
            throw new IllegalArgumentException("subInPlace needs tensors of the same shape, shapes="
                + Shapes.toString(target.shape()) + " and " + Shapes.toString(delta.shape()));
        }
        final PlainTensor updated = node.engine.sub(target.value(), delta.value());
        if (target.isParameter()) {
            node.graphs.requireNotInUse(target.variable, "tensor " + targetId);
            target.variable.assign(node.engine, updated);
        } else {
            target.replace(updated);
        }
    }

    /** Sends tensor {@code id} to {@code worker} directly (the caller sees only the id it gets there). */
    private void sendTo(final long id, final String worker, final boolean keep, final WireWriter out) {
        if (worker.equals(node.name)) {
            throw new IllegalArgumentException("tensor " + id + " is already on worker " + worker);
        }
        final Held.Tensor h = node.store.get(id, Held.Tensor.class, "tensor");
        final WireWriter put = WorkerProtocol.request(WorkerProtocol.PUT_TENSOR, new long[0]).bool(h.isParameter());
        writeTensor(put, h.value());
        final byte[] answer = await(node.context.peers.apply(worker).call(put.toBytes(), node.context.timeout),
            worker, node.context.timeout);
        final WireReader r = new WireReader(answer);
        final long there = r.i64("id");
        r.end();
        if (!keep) {
            node.store.free(id);
        }
        out.i64(there).bool(h.isParameter());
    }

    /** The answer of a call to another worker, waited for at most {@code timeout} (and the call's own). */
    static byte[] await(final java.util.concurrent.CompletableFuture<byte[]> call, final String worker,
                        final java.time.Duration timeout) {
        try {
            return call.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("worker " + worker + " did not answer within " + timeout.toMillis()
                + " ms", e);
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            while (t instanceof CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            throw new IllegalStateException("worker " + worker + " failed: " + (t instanceof RpcException r
                ? r.getMessage() : String.valueOf(t)), t);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for worker " + worker, e);
        }
    }

    static PlainTensor readTensor(final WireReader in, final String field) {
        final int[] shape = in.shape(field, 4);
        return new PlainTensor(in.floats(Math.toIntExact(Shapes.numel(shape)), field), shape);
    }

    static void writeTensor(final WireWriter out, final PlainTensor t) {
        out.shape(t.shape()).floats(t.data());
    }
}
