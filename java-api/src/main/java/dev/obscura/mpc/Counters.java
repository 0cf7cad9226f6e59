package dev.obscura.mpc;

/**
 * Communication and time counters of one party, for a whole session or for one operation.
 *
 * @param calls        how many times the operation ran (1 for session totals)
 * @param rounds       communication rounds: steps in which a party sends and then waits for its peers
 * @param bytesSent    payload bytes this party sent to the other parties
 * @param dealerBytes  payload bytes exchanged with the suite's helper endpoints (the dealer of the additive suite):
 *                     correlated randomness received, requests sent
 * @param onlineNanos  wall time outside offline phases
 * @param offlineNanos wall time spent obtaining correlated randomness from the dealer
 */
public record Counters(long calls, long rounds, long bytesSent, long dealerBytes, long onlineNanos,
                       long offlineNanos) {

    /** All zero. */
    public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0);

    /** Element-wise sum. */
    public Counters plus(final Counters o) {
        return new Counters(calls + o.calls, rounds + o.rounds, bytesSent + o.bytesSent, dealerBytes + o.dealerBytes,
            onlineNanos + o.onlineNanos, offlineNanos + o.offlineNanos);
    }

    /** Element-wise difference. */
    public Counters minus(final Counters o) {
        return new Counters(calls - o.calls, rounds - o.rounds, bytesSent - o.bytesSent, dealerBytes - o.dealerBytes,
            onlineNanos - o.onlineNanos, offlineNanos - o.offlineNanos);
    }

    @Override
    public String toString() {
        return String.format("calls=%d rounds=%d sent=%d B dealer=%d B online=%.3f ms offline=%.3f ms", calls, rounds,
            bytesSent, dealerBytes, onlineNanos / 1e6, offlineNanos / 1e6);
    }
}
