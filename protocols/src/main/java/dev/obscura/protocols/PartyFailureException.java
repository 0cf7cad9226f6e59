package dev.obscura.protocols;

/**
 * A party (or a helper role, the dealer say) of a {@link LocalParties} run failed; the cause is its original
 * exception. The other parties were stopped at their next receive.
 */
public final class PartyFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int party;

    /**
     * The failure of endpoint {@code party} (for a helper role, its endpoint id {@code parties + role}; -1 if
     * unknown), caused by {@code cause}.
     */
    public PartyFailureException(final int party, final String message, final Throwable cause) {
        super(message, cause);
        this.party = party;
    }

    /** The endpoint id of the party (or helper: {@code parties + role}) that failed first; -1 if unknown. */
    public int party() {
        return party;
    }
}
