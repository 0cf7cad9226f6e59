package dev.obscura.mpc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counters of one party: rounds, bytes sent, dealer bytes and online/offline wall time, for the session and per
 * operation. An operation is counted inclusively: a ReLU's counters include the multiplications inside it.
 *
 * <pre>{@code
 * try (CommStats.Operation op = stats.operation("matmul")) {
 *     ... send, receive, stats.round() ...
 * }
 * }</pre>
 *
 * <p>Bytes are read from the party's {@link Transport}; rounds are declared by the protocol code with
 * {@link #round()}. Not thread-safe: owned by the party's thread, like its session.
 */
public final class CommStats {
    private final Transport transport;
    private final int firstHelper;
    private final int helpers;
    private final long startNanos = System.nanoTime();
    private final Map<String, Counters> byOperation = new LinkedHashMap<>();
    private long rounds;
    private long offlineNanos;
    private long offlineStart = -1;
    private int offlineDepth;
    private final Offline offline = new Offline();

    /**
     * Counters of the endpoint {@code transport}, in a network with {@code helpers} helper endpoints after the
     * parties, whose traffic is counted as dealer bytes.
     */
    public CommStats(final Transport transport, final int helpers) {
        this.transport = transport;
        this.firstHelper = transport.parties();
        this.helpers = helpers;
    }

    /** Declares one communication round. */
    public void round() {
        rounds++;
    }

    /** Declares {@code n} communication rounds. */
    public void rounds(final int n) {
        rounds += n;
    }

    /** Starts counting one operation; close the result when the operation ends. */
    public Operation operation(final String name) {
        return new Operation(name, snapshot());
    }

    /** Opens an offline phase (waiting for or deriving dealer material); nested phases count once. */
    public Offline offline() {
        if (offlineDepth++ == 0) {
            offlineStart = System.nanoTime();
        }
        return offline;
    }

    /** Session totals so far. */
    public Counters total() {
        return snapshot();
    }

    /** Counters of every operation run so far, in first-run order. */
    public Map<String, Counters> operations() {
        return Collections.unmodifiableMap(byOperation);
    }

    /** Counters of one operation, zero if it never ran. */
    public Counters of(final String name) {
        return byOperation.getOrDefault(name, Counters.ZERO);
    }

    /** Forgets the per-operation counters (session totals keep running). */
    public void clearOperations() {
        byOperation.clear();
    }

    private Counters snapshot() {
        final long now = System.nanoTime();
        final long off = offlineNanos + (offlineDepth > 0 ? now - offlineStart : 0);
        long toHelpers = 0;
        long fromHelpers = 0;
        for (int h = firstHelper; h < firstHelper + helpers; h++) {
            toHelpers += transport.bytesSentTo(h);
            fromHelpers += transport.bytesReceivedFrom(h);
        }
        return new Counters(1, rounds, transport.bytesSent() - toHelpers, fromHelpers + toHelpers,
            now - startNanos - off, off);
    }

    /** The counting of one operation, from {@link #operation} until {@link #close()}. */
    public final class Operation implements AutoCloseable {
        private final String name;
        private final Counters start;
        private boolean closed;

        private Operation(final String name, final Counters start) {
            this.name = name;
            this.start = start;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            final Counters delta = snapshot().minus(start);
            final Counters d = new Counters(1, delta.rounds(), delta.bytesSent(), delta.dealerBytes(),
                delta.onlineNanos(), delta.offlineNanos());
            byOperation.merge(name, d, Counters::plus);
        }
    }

    /** An offline phase. */
    public final class Offline implements AutoCloseable {
        private Offline() {
        }

        @Override
        public void close() {
            if (offlineDepth > 0 && --offlineDepth == 0) {
                offlineNanos += System.nanoTime() - offlineStart;
            }
        }
    }
}
