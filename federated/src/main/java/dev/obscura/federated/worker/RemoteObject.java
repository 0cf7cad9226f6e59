package dev.obscura.federated.worker;

import java.util.Objects;

/**
 * A reference to an object a worker holds: its worker and its id there. It owns the object: {@link #close()}
 * releases it at the worker, and so does the garbage collector when the reference is dropped unclosed. A reference
 * whose object left the worker (fetched with {@code get}, moved) or was released refuses every operation with an
 * {@link IllegalStateException} that says what happened, never a wrong result. A reference made while a
 * {@link RemoteScope} is open belongs to it. Thread-safe.
 */
public abstract sealed class RemoteObject implements AutoCloseable, RemoteScope.Releasable
    permits RemoteTensor, RemoteModel, RemoteDataset {
    private final Worker worker;
    private final long id;
    private final Liveness liveness;

    RemoteObject(final Worker worker, final long id) {
        this.worker = Objects.requireNonNull(worker, "worker");
        this.id = id;
        this.liveness = Liveness.track(this, new Worker[] {worker}, new long[] {id});
        RemoteScope.track(this);
    }

    /** The worker that holds the object. */
    public Worker worker() {
        return worker;
    }

    /** The object's id at its worker. */
    public long id() {
        return id;
    }

    /** Whether the object is still at its worker and this reference may use it. */
    public boolean isLive() {
        return liveness.gone() == null && !worker.isClosed();
    }

    /** Releases the object at its worker (with the next request to it). Idempotent. */
    @Override
    public void close() {
        liveness.release("was closed");
    }

    /** What the object is, for messages: {@code tensor}, {@code model}, {@code dataset}. */
    abstract String what();

    /** The object left its worker by {@code how} ("was fetched with get()"): later uses fail saying so. */
    final void left(final String how) {
        liveness.left(how);
    }

    /** Refuses an operation on an object that is gone. */
    final void requireLive() {
        final String gone = liveness.gone();
        if (gone != null) {
            throw new IllegalStateException(what() + " " + id + " of worker " + worker.name() + " " + gone
                + ": this reference can no longer be used");
        }
        if (worker.isClosed()) {
            throw new IllegalStateException("the handle on worker " + worker.name() + " is closed");
        }
    }

    /** Refuses {@code other} when it is on another worker, naming both. */
    final void requireSameWorker(final RemoteObject other, final String operation) {
        other.requireLive();
        if (other.worker != worker) {
            throw new IllegalArgumentException(operation + " needs its operands on one worker: " + what() + " "
                + id + " is on " + worker.name() + ", " + other.what() + " " + other.id + " on "
                + other.worker.name() + "; move() one of them first");
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + worker.name() + ":" + id + (isLive() ? "" : ", gone") + "]";
    }
}
