package dev.obscura.federated.secagg;

/**
 * A secure-aggregation message or step refused, or a round that cannot complete. The message is one line of
 * key=value facts (types, party ids, counts, the round id, the threshold), never a key, a seed, a share, a mask or
 * a value. A refused message changes nothing: the role that refused it is in the same state as before.
 */
public final class SecAggException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a message or a step was refused. */
    public enum Reason {
        /** The bytes are not a well-formed frame of a known message type. */
        MALFORMED,
        /** The message belongs to another round (a stale or replayed message from an earlier round). */
        WRONG_ROUND,
        /** The message is not one this role takes in its present stage (too early, too late, or out of order). */
        WRONG_STAGE,
        /** The sender written in the message is not the peer the transport authenticated. */
        FORGED_SENDER,
        /** The sender is not a party this stage expects (not invited, or dropped in an earlier stage). */
        UNKNOWN_PARTY,
        /** A second message of the same type from the same sender in the same round. */
        REPLAYED,
        /** The message is addressed to another party. */
        WRONG_RECIPIENT,
        /** A ciphertext failed authentication, or a reconstructed key does not match its public key. */
        TAMPERED,
        /** Well-formed, but its content contradicts the round (wrong set of parties, wrong lengths, reused keys). */
        INCONSISTENT,
        /** Fewer clients remain than the round needs. */
        TOO_FEW_CLIENTS,
        /** Not every aggregator answered (additive sharing needs all of them). */
        TOO_FEW_AGGREGATORS
    }

    private final Reason reason;

    SecAggException(final Reason reason, final String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    /** Why it was refused. */
    public Reason reason() {
        return reason;
    }

    static SecAggException tooFewClients(final String stage, final int remaining, final int threshold,
                                         final long roundId) {
        return new SecAggException(Reason.TOO_FEW_CLIENTS, "secure aggregation cannot complete, stage=" + stage
            + ", clients remaining=" + remaining + ", threshold t=" + threshold + ", round="
            + RoundIds.format(roundId));
    }
}
