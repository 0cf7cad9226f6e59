package dev.obscura.network.rpc;

import java.util.concurrent.CompletableFuture;

/**
 * What a service does with each request of an authenticated caller. {@link #handle} is called on a connection's
 * event loop, so it must not block: it hands the work to the service's own threads and returns a future of the
 * response. A future that fails sends the client an error with the exception's message (a fact, never data: the
 * service's messages follow the project's rule of key=value facts).
 */
@FunctionalInterface
public interface RpcHandler {

    /** The response to {@code request}, when it is ready. */
    CompletableFuture<byte[]> handle(RpcRequest request);

    /** A caller's connection closed (to release what the service kept for it); nothing by default. */
    default void disconnected(final String caller) {
    }
}
