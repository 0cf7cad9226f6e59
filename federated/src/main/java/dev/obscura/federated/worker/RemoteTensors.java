package dev.obscura.federated.worker;

import dev.obscura.nn.engine.PlainTensor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One tensor sent to several workers at once (PySyft's {@code send(bob, alice)}, a multi-pointer): a reference per
 * worker, in the order given. {@link #get()} brings every copy back, {@link #getSum()} their sum. Closing releases
 * every copy. Thread-safe.
 */
public final class RemoteTensors implements AutoCloseable {
    private final List<RemoteTensor> parts;

    private RemoteTensors(final List<RemoteTensor> parts) {
        this.parts = List.copyOf(parts);
    }

    /**
     * Sends {@code t} to each of {@code workers} (distinct), all at once.
     *
     * @throws IllegalArgumentException when no worker or a worker twice is given
     */
    public static RemoteTensors send(final PlainTensor t, final Worker... workers) {
        if (workers.length == 0 || new LinkedHashSet<>(List.of(workers)).size() != workers.length) {
            throw new IllegalArgumentException("send to one or more distinct workers, workers=" + workers.length);
        }
        final List<CompletableFuture<byte[]>> calls = new ArrayList<>(workers.length);
        for (final Worker w : workers) {
            calls.add(w.send(WorkerProtocol.PUT_TENSOR, b -> TensorRequests.writeTensor(b.bool(false), t)));
        }
        final List<RemoteTensor> parts = new ArrayList<>(workers.length);
        WorkerException failure = null;
        for (int i = 0; i < workers.length; i++) {
            try {
                parts.add(new RemoteTensor(workers[i], workers[i].await(calls.get(i)).i64("id"), t.shape(), false));
            } catch (WorkerException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            parts.forEach(RemoteTensor::close);
            throw failure;
        }
        return new RemoteTensors(parts);
    }

    /** The reference at each worker, in the order the workers were given. */
    public List<RemoteTensor> parts() {
        return parts;
    }

    /** Brings every copy back, in order; no worker holds it any more. */
    public List<PlainTensor> get() {
        final List<PlainTensor> out = new ArrayList<>(parts.size());
        for (final RemoteTensor p : parts) {
            out.add(p.get());
        }
        return out;
    }

    /** Brings every copy back and adds them up elementwise (PySyft's {@code get(sum_results=True)}). */
    public PlainTensor getSum() {
        final List<PlainTensor> all = get();
        final float[] sum = new float[all.get(0).numel()];
        for (final PlainTensor t : all) {
            final float[] v = t.data();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += v[i];
            }
        }
        return new PlainTensor(sum, all.get(0).shape());
    }

    /** Releases every copy. */
    @Override
    public void close() {
        parts.forEach(RemoteTensor::close);
    }

    @Override
    public String toString() {
        return "RemoteTensors" + parts;
    }
}
