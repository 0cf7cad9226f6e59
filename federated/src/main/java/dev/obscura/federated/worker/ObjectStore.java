package dev.obscura.federated.worker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The objects a worker holds, by id. Ids count up from 1 and are never reused, so a late free of an id already gone
 * (fetched, moved) is harmless and ignored. Runs on the worker's thread only.
 */
final class ObjectStore {
    private final String worker;
    private final Graphs graphs;
    private final Map<Long, Held> objects = new LinkedHashMap<>();
    private long nextId = 1;

    ObjectStore(final String worker, final Graphs graphs) {
        this.worker = worker;
        this.graphs = graphs;
    }

    /** Stores {@code h} under a new id. */
    long put(final Held h) {
        final long id = nextId++;
        objects.put(id, h);
        if (h instanceof Held.Tensor t) {
            graphs.stored(t);
        }
        return id;
    }

    /**
     * The object {@code id}, which must be of {@code type} ({@code what} names the type in messages).
     *
     * @throws IllegalArgumentException when there is no such object or it is of another kind
     */
    <H extends Held> H get(final long id, final Class<H> type, final String what) {
        final Held h = objects.get(id);
        if (h == null) {
            throw new IllegalArgumentException("worker " + worker + " holds no object " + id
                + " (it was freed, fetched or moved away)");
        }
        if (!type.isInstance(h)) {
            throw new IllegalArgumentException("object " + id + " on worker " + worker + " is a "
                + kindName(h.kind()) + ", not a " + what);
        }
        return type.cast(h);
    }

    /** Takes {@code id} out of the store (the caller fetched or moved it); its memory is released. */
    <H extends Held> H remove(final long id, final Class<H> type, final String what) {
        final H h = get(id, type, what);
        drop(id);
        return h;
    }

    /** Drops {@code id} if held (a free; unknown ids are ignored). */
    void free(final long id) {
        if (objects.containsKey(id)) {
            drop(id);
        }
    }

    private void drop(final long id) {
        final Held h = objects.remove(id);
        if (h instanceof Held.Tensor t) {
            graphs.dropped(t);
        }
        h.release();
    }

    /** Drops every object that {@code test} selects (a secure group's shares when it ends). */
    void dropIf(final java.util.function.Predicate<Held> test) {
        for (final Long id : new ArrayList<>(objects.keySet())) {
            if (test.test(objects.get(id))) {
                drop(id);
            }
        }
    }

    /** Number of objects held. */
    int count() {
        return objects.size();
    }

    /** Bytes held by every object. */
    long bytes() {
        long b = 0;
        for (final Held h : objects.values()) {
            b += h.bytes();
        }
        return b;
    }

    /** Every object, in the order they were stored. */
    List<Map.Entry<Long, Held>> entries() {
        return new ArrayList<>(objects.entrySet());
    }

    /** Drops everything. */
    void clear() {
        dropIf(h -> true);
    }

    /** The name of a listing kind. */
    static String kindName(final int kind) {
        return switch (kind) {
            case WorkerProtocol.KIND_TENSOR -> "tensor";
            case WorkerProtocol.KIND_MODEL -> "model";
            case WorkerProtocol.KIND_DATASET -> "dataset";
            case WorkerProtocol.KIND_SHARE -> "share";
            case WorkerProtocol.KIND_SHARED_MODEL -> "shared model";
            default -> "object of kind " + kind;
        };
    }
}
