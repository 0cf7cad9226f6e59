package dev.obscura.federated.secagg;

/**
 * End of round 2, server to every client of {@code U3}: {@code U3}, the clients whose {@link MaskedInput} arrived
 * in time. Each client answers with the self-mask seed shares of {@code U3} and the masking-key shares of
 * {@code U2 \ U3}, never both for one client.
 *
 * <p>Body: {@code n(4) id(4)*n}; the header's party is -1 (a broadcast).
 */
public final class UnmaskRequest extends IdListMessage {
    public UnmaskRequest(final long roundId, final int[] survivors) {
        super(MessageType.UNMASK_REQUEST, roundId, WireFormat.SERVER, survivors, "survivors");
    }

    /** {@code U3}, ascending (a copy). */
    public int[] survivors() {
        return ids().clone();
    }

    static UnmaskRequest read(final FrameReader in) {
        in.expectServerParty();
        return new UnmaskRequest(in.roundId(), in.getIds(WireFormat.MAX_CLIENTS));
    }

    @Override
    String describe() {
        return "survivors=" + ids().length;
    }
}
