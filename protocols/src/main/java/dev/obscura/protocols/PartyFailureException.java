package dev.obscura.protocols;

/**
 * A party (or the dealer) of a {@link LocalParties} run failed; the cause is its original exception. The other
 * parties were stopped at their next receive.
 */
public final class PartyFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int party;

    /** The failure of {@code party} (the party count for the dealer, -1 if unknown), caused by {@code cause}. */
    public PartyFailureException(final int party, final String message, final Throwable cause) {
        super(message, cause);
        this.party = party;
    }

    /** The id of the party that failed first (the party count for the dealer, -1 if unknown). */
    public int party() {
        return party;
    }
}
