package dev.obscura.protocols;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.OperationCheck;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.RingMap;
import dev.obscura.mpc.TransportException;
import dev.obscura.protocols.CheckedModeException.Reason;
import dev.obscura.ring.RingTensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Checked mode for in-process parties: the one checker that every party's {@link OperationCheck} meets at each
 * operation. Because the parties are threads of one process, it can hold every party's share of the same operation
 * at once, reconstruct the operands and the result ({@link ProtocolSuite#reconstruct}), and recompute the result
 * with the operation's plaintext twin, exactly ({@link ExactRange}). It reads shares and sends nothing, so the
 * protocol's messages, rounds and byte counters are those of an unchecked run.
 *
 * <h2>The meeting</h2>
 * The parties run the same operations in the same order (SPMD), so the n-th checked operation of every party is
 * the same one: each party deposits its shares under that index and waits; the last to arrive runs the check while
 * the others wait (their tensors stay alive, since every party is blocked until the check ends), and every party
 * then returns or throws the same verdict. A party that ran another operation is a divergence, reported as one. No
 * wait can hang: it ends with the run's time-out ({@link CheckedModeException.Reason#TIMEOUT}), at once when a
 * party failed ({@link TransportException}, the mark of a secondary failure, so that the runner reports the first
 * party's own error), and at once when a party finished its program without arriving (a divergence).
 *
 * <p>Thread-safe: every party's thread calls it.
 */
final class PlaintextTwin {
    private final int parties;
    private final ProtocolSuite suite;
    private final Backend backend;
    private final int fracBits;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deposit[] deposits;
    private final boolean[] running;
    private int arrived;
    private long index;
    private Verdict verdict;
    private String failure;

    /** A checker for {@code parties} parties of {@code suite}, whose meetings wait at most {@code timeout}. */
    PlaintextTwin(final int parties, final ProtocolSuite suite, final Backend backend, final int fracBits,
                  final Duration timeout) {
        this.parties = parties;
        this.suite = suite;
        this.backend = backend;
        this.fracBits = fracBits;
        this.timeout = timeout;
        this.deposits = new Deposit[parties];
        this.running = new boolean[parties];
    }

    /** The check that party {@code id}'s operations call. */
    OperationCheck party(final int id) {
        return new PartyCheck(id);
    }

    /** A program starts on every party: each is expected at the meetings until it finishes or fails. */
    void runStarted() {
        lock.lock();
        try {
            Arrays.fill(running, true);
        } finally {
            lock.unlock();
        }
    }

    /** Party {@code id} finished its program: a meeting still waiting for it will never see it. */
    void partyFinished(final int id) {
        lock.lock();
        try {
            running[id] = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Party {@code id} failed: every meeting ends at once. */
    void partyFailed(final int id) {
        lock.lock();
        try {
            running[id] = false;
            if (failure == null) {
                failure = "party " + id + " failed";
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------- meeting

    /** What one party brought to a meeting. */
    private record Deposit(String operation, RingTensor[] tensors) {
    }

    /** The outcome of one check: {@code null} reason when it passed. */
    private record Verdict(Reason reason, String operation, String label, String message, Throwable cause) {
        static final Verdict PASSED = new Verdict(null, null, null, null, null);

        CheckedModeException exception() {
            return new CheckedModeException(reason, operation, label, message, cause);
        }
    }

    /** The check of one operation, run once by the last party to arrive, on every party's deposit. */
    @FunctionalInterface
    private interface Verifier {
        Verdict verify(Gathered gathered);
    }

    /**
     * Deposits party {@code party}'s {@code tensors} for its next operation and waits until every party has; the
     * last runs {@code verifier}. Returns when the operation passed; throws its verdict otherwise.
     */
    private void meet(final int party, final String operation, final String label, final RingTensor[] tensors,
                      final Verifier verifier) {
        lock.lock();
        try {
            if (failure != null) {
                throw secondary(operation);
            }
            final long mine = index;
            deposits[party] = new Deposit(operation, tensors);
            if (++arrived == parties) {
                verdict = decide(mine, operation, label, verifier);
                Arrays.fill(deposits, null);
                arrived = 0;
                index++;
                changed.signalAll();
                throwIfFailed(verdict);
                return;
            }
            long left = timeout.toNanos();
            while (index == mine) {
                if (failure != null) {
                    throw secondary(operation);
                }
                final int absent = absentFinished();
                if (absent >= 0) {
                    failure = "party " + absent + " finished early";
                    changed.signalAll();
                    throw new CheckedModeException(Reason.DIVERGED, operation, label, operation
                        + " was not reached by every party: party " + absent + " finished its program first (checked"
                        + " mode; operation=" + operation + ", index=" + mine + ")", null);
                }
                if (left <= 0) {
                    failure = "a checked-mode meeting timed out";
                    changed.signalAll();
                    throw new CheckedModeException(Reason.TIMEOUT, operation, label, "not every party reached "
                        + operation + " within " + timeout + " (checked mode; operation=" + operation + ", index="
                        + mine + ")", null);
                }
                left = changed.awaitNanos(left);
            }
            throwIfFailed(verdict);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "a party was interrupted";
            changed.signalAll();
            throw new TransportException(TransportException.Reason.FAILED, "interrupted at a checked-mode meeting,"
                + " operation=" + operation, e);
        } finally {
            lock.unlock();
        }
    }

    private static void throwIfFailed(final Verdict v) {
        if (v.reason() != null) {
            throw v.exception();
        }
    }

    private TransportException secondary(final String operation) {
        return new TransportException(TransportException.Reason.FAILED, "checked mode stopped: " + failure
            + ", operation=" + operation);
    }

    /** A party that finished its program without depositing at the meeting in progress, or -1. */
    private int absentFinished() {
        for (int p = 0; p < parties; p++) {
            if (!running[p] && deposits[p] == null) {
                return p;
            }
        }
        return -1;
    }

    /** The verdict on the meeting of every party at operation {@code at}: first that they ran the same operation. */
    private Verdict decide(final long at, final String operation, final String label, final Verifier verifier) {
        for (int p = 0; p < parties; p++) {
            if (!deposits[p].operation().equals(operation)) {
                return new Verdict(Reason.DIVERGED, operation, label, "the parties ran different operations: party "
                    + p + " ran " + deposits[p].operation() + " where party " + lastArrived(operation) + " ran "
                    + operation + " (checked mode; index=" + at + ")", null);
            }
        }
        try (Gathered g = new Gathered(deposits)) {
            final Verdict v = verifier.verify(g);
            return v == null ? Verdict.PASSED : v;
        } catch (RuntimeException | Error e) { // every party must leave the meeting with a verdict
            return new Verdict(Reason.ERROR, operation, label, "checked mode could not check " + operation + ": "
                + e.getClass().getSimpleName() + " (index=" + at + ")", e);
        }
    }

    private int lastArrived(final String operation) {
        for (int p = 0; p < parties; p++) {
            if (deposits[p].operation().equals(operation)) {
                return p;
            }
        }
        return -1;
    }

    /** The deposits of one meeting, reconstructed on demand; closes what it made. */
    private final class Gathered implements AutoCloseable {
        private final Deposit[] all;
        private final List<RingTensor> made = new ArrayList<>();

        Gathered(final Deposit[] all) {
            this.all = all;
        }

        /** The value of the shares in slot {@code slot}. */
        RingTensor value(final int slot) {
            final List<RingTensor> shares = new ArrayList<>(parties);
            for (final Deposit d : all) {
                shares.add(d.tensors()[slot]);
            }
            return track(suite.reconstruct(backend, shares));
        }

        /** The public tensor in slot {@code slot}, which every party passed alike: party 0's. */
        RingTensor known(final int slot) {
            return all[0].tensors()[slot];
        }

        /** A zero tensor of {@code shape}, released with the others. */
        RingTensor zeros(final int[] shape) {
            return track(RingTensor.zeros(shape));
        }

        private RingTensor track(final RingTensor t) {
            made.add(t);
            return t;
        }

        @Override
        public void close() {
            made.forEach(RingTensor::close);
        }
    }

    // ---------------------------------------------------------------------------------------------- the checks

    /** One party's side: each call is a meeting. */
    private final class PartyCheck implements OperationCheck {
        private final int id;

        PartyCheck(final int id) {
            this.id = id;
        }

        @Override
        public void map(final String operation, final String label, final RingMap map, final int scale,
                        final RingTensor exact, final int bits, final RingTensor result, final Operand... operands) {
            final RingTensor[] tensors = new RingTensor[2 + operands.length];
            tensors[0] = exact;
            tensors[1] = result;
            final boolean[] shared = new boolean[operands.length];
            for (int o = 0; o < operands.length; o++) {
                tensors[2 + o] = operands[o].tensor();
                shared[o] = operands[o].shared();
            }
            meet(id, operation, label, tensors, g -> {
                final RingTensor[] in = new RingTensor[operands.length];
                for (int o = 0; o < in.length; o++) {
                    in[o] = shared[o] ? g.value(2 + o) : g.known(2 + o);
                }
                final RingTensor twin = g.zeros(exact.shape());
                map.kernel().apply(backend, in, twin);
                if (!ExactRange.inRange(backend, map, in, twin)) {
                    return range(operation, label, map, scale, bits);
                }
                if (!twin.contentEquals(g.value(0))) {
                    return mismatch(operation, label, "its untruncated result");
                }
                if (bits > 0 && !truncatedFrom(twin, bits, g.value(1))) {
                    return mismatch(operation, label, "its truncation");
                }
                return null;
            });
        }

        @Override
        public void truncation(final String operation, final String label, final int scale, final RingTensor input,
                               final int bits, final RingTensor result) {
            meet(id, operation, label, new RingTensor[] {input, result}, g -> {
                final RingTensor x = g.value(0);
                if (!ExactRange.inRange(x)) {
                    return new Verdict(Reason.RANGE, operation, label, at(operation, "left its range", label)
                        + "its input reached 2^"
                        + (62 - scale) + " in magnitude, beyond which a truncation from " + scale + " fractional bits"
                        + " can fail" + facts(operation, "2^(62-" + scale + ")"), null);
                }
                return truncatedFrom(x, bits, g.value(1)) ? null : mismatch(operation, label, "its result");
            });
        }

        @Override
        public void comparison(final String operation, final String label, final RingMap.Kernel twin,
                               final RingTensor input, final RingTensor result) {
            meet(id, operation, label, new RingTensor[] {input, result}, g -> {
                final RingTensor y = g.value(1);
                final RingTensor expected = g.zeros(y.shape());
                twin.apply(backend, new RingTensor[] {g.value(0)}, expected);
                return expected.contentEquals(y) ? null : mismatch(operation, label, "its result");
            });
        }

        @Override
        public void domain(final String operation, final String label, final RingTensor input, final long min,
                           final long maxExclusive, final String domain) {
            meet(id, operation, label, new RingTensor[] {input}, g -> {
                final RingTensor x = g.value(0);
                final long n = x.numel();
                for (long i = 0; i < n; i++) {
                    final long v = x.get(i);
                    if (v < min || v >= maxExclusive) {
                        return new Verdict(Reason.DOMAIN, operation, label, at(operation, "left its domain", label)
                            + "an input lies outside its domain, " + domain + " (checked mode; f=" + fracBits
                            + ", operation=" + operation + ", index=" + index + ")", null);
                    }
                }
                return null;
            });
        }
    }

    /** Whether every element of {@code result} is {@code floor(x / 2^bits)} or one more. */
    private static boolean truncatedFrom(final RingTensor x, final int bits, final RingTensor result) {
        final long n = x.numel();
        for (long i = 0; i < n; i++) {
            final long d = result.get(i) - (x.get(i) >> bits);
            if (d != 0 && d != 1) {
                return false;
            }
        }
        return true;
    }

    private Verdict range(final String operation, final String label, final RingMap map, final int scale,
                          final int bits) {
        final String what = map.degree() == 1 ? "its result" : map.terms() == 1 ? "a product" : "a sum of products";
        final String why = bits > 0
            ? ", where its truncation from " + scale + " to " + (scale - bits) + " fractional bits stops being exact"
            : ", beyond the range every value keeps at " + scale + " fractional bits";
        return new Verdict(Reason.RANGE, operation, label, at(operation, "left its range", label) + what + " reached 2^"
            + (62 - scale) + " in magnitude" + why + facts(operation, "2^(62-" + scale + ")"), null);
    }

    private Verdict mismatch(final String operation, final String label, final String what) {
        return new Verdict(Reason.MISMATCH, operation, label, at(operation, "differs from its plaintext twin", label)
            + what + " is not the twin's: the suite computed it wrongly or a party deviated (checked mode; f="
            + fracBits + ", operation=" + operation + ", index=" + index + ")", null);
    }

    /** {@code "mul left its range in layer 3 (Conv2d), forward: "}. */
    private static String at(final String operation, final String what, final String label) {
        return operation + " " + what + (label.isEmpty() ? "" : " in " + label) + ": ";
    }

    private String facts(final String operation, final String bound) {
        return " (checked mode; bound=" + bound + ", f=" + fracBits + ", operation=" + operation + ", index=" + index
            + ")";
    }
}
