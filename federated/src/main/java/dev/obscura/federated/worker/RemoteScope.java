package dev.obscura.federated.worker;

import dev.obscura.mpc.Scope;

/**
 * A lifetime for references, as {@link Scope} is for tensors (DJL's {@code NDManager.newSubManager()}): every
 * reference this thread makes while the scope is its innermost open one ({@link RemoteTensor}, {@link RemoteModel},
 * {@link RemoteDataset}, {@link SharedTensor}) is closed with the scope, which releases the objects at their
 * workers, except what the code {@link #keep keeps}. A training loop then needs no {@code close} per intermediate
 * result:
 *
 * <pre>{@code
 * for (int i = 0; i < 10; i++) {
 *     try (RemoteScope step = RemoteScope.open()) {
 *         RemoteTensor loss = input.matmul(weights).sub(target).square().sum();
 *         loss.backward();
 *         weights.subInPlace(weights.grad().scale(0.1f));
 *     }                                       // the product, difference, square, loss and gradient are released
 * }
 * }</pre>
 *
 * <p>Scopes nest; {@link #keep} hands a reference to the enclosing scope, or to the caller when there is none. A
 * scope belongs to the thread that opened it.
 */
public final class RemoteScope implements AutoCloseable {
    private static final ThreadLocal<Scope.Stack> STACKS = ThreadLocal.withInitial(
        () -> new Scope.Stack(r -> ((Releasable) r).close()));

    private final Scope scope;

    private RemoteScope(final Scope scope) {
        this.scope = scope;
    }

    /** Opens a scope inside this thread's innermost open one. */
    public static RemoteScope open() {
        return new RemoteScope(STACKS.get().open());
    }

    /** Hands {@code reference} to the enclosing scope (or the caller); returns it. */
    public <R> R keep(final R reference) {
        return scope.keep(reference);
    }

    /** Closes every reference made in this scope and not kept. */
    @Override
    public void close() {
        scope.close();
    }

    /** A reference a scope can close. */
    interface Releasable {
        /** Releases the object(s) at the worker(s). */
        void close();
    }

    /** Gives a reference just made to this thread's innermost open scope, if any. */
    static <R> R track(final R reference) {
        final Scope.Stack stack = STACKS.get();
        return stack.innermost() == null ? reference : stack.track(reference);
    }
}
