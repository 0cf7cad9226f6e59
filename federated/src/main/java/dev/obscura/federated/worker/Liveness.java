package dev.obscura.federated.worker;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether a reference's objects still exist at their workers, and their release when the reference is closed or
 * collected: the cleaning action holds the workers and ids, never the reference, so the garbage collector can take
 * the reference, and the action then asks each worker to drop its object (with the next request to it). A reference
 * that was fetched or moved away is marked gone first, so its collection frees nothing. Thread-safe.
 */
final class Liveness implements Runnable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final Worker[] workers;
    private final long[] ids;
    /** Why the objects are gone, or {@code null} while they exist. */
    private final AtomicReference<String> gone = new AtomicReference<>();
    private Cleaner.Cleanable cleanable;

    private Liveness(final Worker[] workers, final long[] ids) {
        this.workers = workers;
        this.ids = ids;
    }

    /** Tracks the objects {@code ids[i]} at {@code workers[i]} of {@code reference}. */
    static Liveness track(final Object reference, final Worker[] workers, final long[] ids) {
        final Liveness l = new Liveness(workers.clone(), ids.clone());
        l.cleanable = CLEANER.register(reference, l);
        return l;
    }

    /** Why the objects are gone, or {@code null}. */
    String gone() {
        return gone.get();
    }

    /** Releases the objects at their workers (once); later uses fail with {@code why}. */
    void release(final String why) {
        if (gone.compareAndSet(null, why)) {
            for (int i = 0; i < workers.length; i++) {
                workers[i].releaseLater(ids[i]);
            }
        }
        cleanable.clean();
    }

    /** The objects left their workers another way (fetched, moved): nothing to release; later uses fail. */
    void left(final String why) {
        gone.compareAndSet(null, why);
        cleanable.clean();
    }

    /** The cleaner's action: the reference was collected without being closed. */
    @Override
    public void run() {
        if (gone.compareAndSet(null, "collected")) {
            for (int i = 0; i < workers.length; i++) {
                workers[i].releaseLater(ids[i]);
            }
        }
    }
}
