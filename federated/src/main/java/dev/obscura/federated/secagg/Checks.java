package dev.obscura.federated.secagg;

import dev.obscura.federated.secagg.SecAggException.Reason;

/** The refusals every receiving role makes before it reads a message: another round, a forged sender, a replay. */
final class Checks {
    private Checks() {
    }

    /** Refuses a message of another round ({@link Reason#WRONG_ROUND}) or whose sender is not the peer. */
    static void roundAndSender(final long roundId, final int authenticatedPeer, final SecAggMessage message) {
        if (message.roundId() != roundId) {
            throw new SecAggException(Reason.WRONG_ROUND, "message of another round, type=" + message.type()
                + ", message round=" + RoundIds.format(message.roundId()) + ", round=" + RoundIds.format(roundId));
        }
        if (message.party() != authenticatedPeer) {
            throw new SecAggException(Reason.FORGED_SENDER, "message sender is not the authenticated peer, type="
                + message.type() + ", sender=" + message.party() + ", peer=" + authenticatedPeer + ", round="
                + RoundIds.format(roundId));
        }
    }

    /** Refuses a sender outside {@code expected} ({@link Reason#UNKNOWN_PARTY}) or heard before ({@code seen}). */
    static void expectedOnce(final int[] expected, final boolean seen, final SecAggMessage message,
                             final long roundId) {
        if (!Ids.contains(expected, message.party())) {
            throw new SecAggException(Reason.UNKNOWN_PARTY, "sender not expected in this stage (not invited, or "
                + "dropped earlier), type=" + message.type() + ", sender=" + message.party() + ", round="
                + RoundIds.format(roundId));
        }
        if (seen) {
            throw new SecAggException(Reason.REPLAYED, "second message of one type from one sender, type="
                + message.type() + ", sender=" + message.party() + ", round=" + RoundIds.format(roundId));
        }
    }

    /** Refuses a message for a stage other than the present one ({@link Reason#WRONG_STAGE}). */
    static void stage(final Enum<?> present, final Enum<?> of, final SecAggMessage message, final long roundId) {
        if (present != of) {
            throw new SecAggException(Reason.WRONG_STAGE, "message " + (present.ordinal() > of.ordinal()
                ? "after its stage finished" : "before its stage") + ", type=" + message.type() + ", sender="
                + message.party() + ", stage=" + present + ", round=" + RoundIds.format(roundId));
        }
    }
}
