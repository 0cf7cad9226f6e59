package dev.obscura.mpc;

import java.util.ArrayList;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A lifetime for tensors, in the manner of DJL's {@code NDManager.newSubManager()}: every tensor that its owner's
 * operations make while this is the owner's innermost open scope belongs to the scope, and closing the scope
 * releases them all, except what the code kept. Code reads as math instead of a ladder of {@code try} headers:
 *
 * <pre>{@code
 * try (Scope s = ops.scope()) {
 *     SecretTensor excess = ops.relu(ops.sub(a, b));
 *     return s.keep(ops.add(b, excess));     // the difference and the excess are released here
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link #keep} hands a tensor to the enclosing scope, or to the caller when there is none (it is then
 *       released like any result made outside a scope: by the caller, or by the garbage collector).</li>
 *   <li>Scopes nest; closing one first closes every scope opened inside it that is still open.</li>
 *   <li>What is made outside every scope belongs to the caller, exactly as without scopes. Releasing a tensor by
 *       hand inside a scope is allowed (release is idempotent), for a large temporary that should go early.</li>
 *   <li>Keep the tensor that owns its memory, never a view of it (a view is not tracked: it dies with its owner).</li>
 *   <li>{@link Stack#detach} takes a tensor out of every open scope, for what lives longer than any computation
 *       (model parameters, optimiser state).</li>
 * </ul>
 *
 * <p>The bookkeeping is one list slot per tensor, nothing per element. Not thread-safe: a scope belongs to the
 * thread of its owner (a party's {@link SecureOps}, an {@code nn} engine).
 */
public final class Scope implements AutoCloseable {
    private final Stack stack;
    private final Scope parent;
    private final ArrayList<Object> owned = new ArrayList<>();
    private boolean closed;

    private Scope(final Stack stack, final Scope parent) {
        this.stack = stack;
        this.parent = parent;
    }

    /**
     * Hands {@code tensor} to the enclosing scope, or to the caller when this scope is the outermost; returns it.
     * A tensor that this scope does not own (made outside it, a view, {@code null}) is returned unchanged.
     *
     * @throws IllegalStateException when this scope is closed
     */
    public <R> R keep(final R tensor) {
        requireOpen();
        if (remove(tensor) && parent != null) {
            parent.owned.add(tensor);
        }
        return tensor;
    }

    /**
     * Makes this scope the one owner of {@code tensor} (made before it opened, say): it is taken out of every other
     * open scope of the same owner and released when this one closes. Returns it.
     *
     * @throws IllegalStateException when this scope is closed
     */
    public <R> R own(final R tensor) {
        requireOpen();
        stack.detach(tensor);
        owned.add(Objects.requireNonNull(tensor, "tensor"));
        return tensor;
    }

    /** Whether this scope owns {@code tensor} now. */
    public boolean owns(final Object tensor) {
        return indexOf(tensor) >= 0;
    }

    /** Number of tensors this scope owns now. */
    public int size() {
        return owned.size();
    }

    /** Whether this scope is closed. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes every scope opened inside this one that is still open, then releases what this scope owns, latest
     * first. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        while (stack.innermost != this) {
            stack.innermost.close();
        }
        closed = true;
        stack.innermost = parent;
        RuntimeException failure = null;
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                stack.release.accept(owned.get(i));
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        owned.clear();
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "Scope[owned=" + owned.size() + (closed ? ", closed" : "") + "]";
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the scope is closed");
        }
    }

    /** Removes {@code tensor} if this scope owns it; the latest made is looked at first (it is the likeliest). */
    private boolean remove(final Object tensor) {
        final int at = indexOf(tensor);
        if (at < 0) {
            return false;
        }
        owned.remove(at);
        return true;
    }

    private int indexOf(final Object tensor) {
        for (int i = owned.size() - 1; i >= 0; i--) {
            if (owned.get(i) == tensor) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The open scopes of one owner (a party's {@link SecureOps}, an {@code nn} engine), innermost last, and how
     * that owner releases a tensor. The owner {@link #track tracks} every tensor it makes; {@link #open} starts a
     * scope inside the innermost one. Not thread-safe.
     */
    public static final class Stack {
        private final Consumer<Object> release;
        private Scope innermost;

        /** The scopes of an owner that releases its tensors with {@code release}. */
        public Stack(final Consumer<Object> release) {
            this.release = Objects.requireNonNull(release, "release");
        }

        /** Opens a scope inside the innermost open one (or the outermost, when none is open). */
        public Scope open() {
            innermost = new Scope(this, innermost);
            return innermost;
        }

        /** Gives {@code tensor}, just made, to the innermost open scope, if any; returns it. */
        public <R> R track(final R tensor) {
            if (innermost != null) {
                innermost.owned.add(tensor);
            }
            return tensor;
        }

        /** Takes {@code tensor} out of every open scope: the caller owns it. Returns it. */
        public <R> R detach(final R tensor) {
            for (Scope s = innermost; s != null; s = s.parent) {
                if (s.remove(tensor)) {
                    break;
                }
            }
            return tensor;
        }

        /** The innermost open scope, or {@code null} when none is open. */
        public Scope innermost() {
            return innermost;
        }
    }
}
