package dev.obscura.federated.secagg;

/**
 * The message types of both secure-aggregation routes, with the code each carries on the wire
 * ({@link WireFormat#TYPE_OFFSET}).
 */
public enum MessageType {
    /** Server to clients: the round's parameters (Bonawitz et al.). */
    ROUND_SETUP(1),
    /** Client to server, round 0: the client's two public keys. */
    ADVERTISE_KEYS(2),
    /** Server to clients, end of round 0: every advertised key pair (U1). */
    KEY_DIRECTORY(3),
    /** Client to server, round 1: the client's encrypted shares, one per other client of U1. */
    SHARE_KEYS(4),
    /** Server to one client, end of round 1: the encrypted shares addressed to it by the clients of U2. */
    SHARE_DELIVERY(5),
    /** Client to server, round 2: the masked update. */
    MASKED_INPUT(6),
    /** Server to clients, end of round 2: the clients whose masked updates arrived (U3). */
    UNMASK_REQUEST(7),
    /** Client to server, round 4: the shares that remove the masks. */
    UNMASK_SHARES(8),
    /** Coordinator to clients and aggregators: the parameters of an additive-sharing round. */
    ADDITIVE_SETUP(16),
    /** Client to one aggregator: its additive share of the update (a seed or the values). */
    ADDITIVE_SHARE(17),
    /** Aggregator to combiner: the clients whose shares it holds. */
    CONTRIBUTOR_REPORT(18),
    /** Combiner to aggregators: the clients every aggregator holds, whose updates are summed. */
    CONTRIBUTOR_SET(19),
    /** Aggregator to combiner: the sum of its shares over the contributor set. */
    AGGREGATOR_SUM(20);

    private final int code;

    MessageType(final int code) {
        this.code = code;
    }

    /** The code on the wire. */
    public int code() {
        return code;
    }

    /** The type of {@code code}. */
    static MessageType of(final int code) {
        for (final MessageType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new SecAggException(SecAggException.Reason.MALFORMED, "unknown message type, code=" + code);
    }
}
