package dev.obscura.federated.worker;

import dev.obscura.network.rpc.RpcClient;
import dev.obscura.network.rpc.RpcException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How a caller's requests reach one worker: in this process ({@link #inProcess}) or over the RPC protocol
 * ({@link #remote}). Both carry the same bytes and fail alike: with an {@link RpcException} whose reason says whether
 * the worker refused the request ({@code REMOTE}), did not answer in time ({@code TIMEOUT}) or is gone
 * ({@code DISCONNECTED}, {@code CLOSED}). Thread-safe.
 */
interface WorkerChannel extends AutoCloseable {

    /** The worker's name. */
    String worker();

    /** Sends {@code request}; the future holds the answer or fails with an {@link RpcException}. */
    CompletableFuture<byte[]> call(byte[] request, Duration timeout);

    /** Request bytes sent. */
    long bytesSent();

    /** Answer bytes received. */
    long bytesReceived();

    /** Closes the channel (the worker stays). */
    @Override
    void close();

    /** Calls into {@code node} in this process, as {@code caller}. */
    static WorkerChannel inProcess(final WorkerNode node, final String caller) {
        return new WorkerChannel() {
            private final AtomicLong sent = new AtomicLong();
            private final AtomicLong received = new AtomicLong();
            private volatile boolean closed;

            @Override
            public String worker() {
                return node.name();
            }

            @Override
            public CompletableFuture<byte[]> call(final byte[] request, final Duration timeout) {
                if (closed) {
                    return CompletableFuture.failedFuture(new RpcException(RpcException.Reason.CLOSED,
                        "the connection to " + node.name() + " was closed by this caller"));
                }
                sent.addAndGet(request.length);
                final long millis = timeout.toMillis();
                return node.submit(caller, request).orTimeout(millis, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .handle((answer, failure) -> {
                        if (failure == null) {
                            received.addAndGet(answer.length);
                            return answer;
                        }
                        Throwable t = failure;
                        while (t instanceof CompletionException && t.getCause() != null) {
                            t = t.getCause();
                        }
                        if (t instanceof TimeoutException) {
                            throw new RpcException(RpcException.Reason.TIMEOUT, "timed out after " + millis
                                + " ms waiting for " + node.name() + " (in-process)");
                        }
                        if (t instanceof WorkerNode.Stopped) {
                            throw new RpcException(RpcException.Reason.DISCONNECTED, t.getMessage());
                        }
                        throw new RpcException(RpcException.Reason.REMOTE, t instanceof Error
                            ? "internal error: " + t.getClass().getSimpleName()
                            : t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
                    });
            }

            @Override
            public long bytesSent() {
                return sent.get();
            }

            @Override
            public long bytesReceived() {
                return received.get();
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    /** Calls over {@code client}, a connection to the worker (closed with the channel). */
    static WorkerChannel remote(final RpcClient client) {
        return new WorkerChannel() {
            @Override
            public String worker() {
                return client.serverName();
            }

            @Override
            public CompletableFuture<byte[]> call(final byte[] request, final Duration timeout) {
                return client.call(request, timeout);
            }

            @Override
            public long bytesSent() {
                return client.bytesSent();
            }

            @Override
            public long bytesReceived() {
                return client.bytesReceived();
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }
}
