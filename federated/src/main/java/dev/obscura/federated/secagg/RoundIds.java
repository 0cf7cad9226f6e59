package dev.obscura.federated.secagg;

import java.security.SecureRandom;

/** Round ids: 64 bits from {@link SecureRandom}, public, bound into every derived key and every message. */
public final class RoundIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private RoundIds() {
    }

    /**
     * A fresh round id. Drawn at random rather than counted so that no two rounds (of any server, restarted or not)
     * share an id: a message replayed from another round is then refused by its id alone.
     */
    static long fresh() {
        return RANDOM.nextLong();
    }

    /** The id as 16 hex digits, for messages and logs. */
    public static String format(final long roundId) {
        return String.format("%016x", roundId);
    }
}
