package dev.obscura.federated.secagg;

/**
 * The combiner to every aggregator: {@code S}, the clients every aggregator holds shares of, whose updates are summed.
 *
 * <p>Body: {@code n(4) id(4)*n}; the header's party is -1 (a broadcast).
 */
public final class ContributorSet extends IdListMessage {
    public ContributorSet(final long roundId, final int[] contributors) {
        super(MessageType.CONTRIBUTOR_SET, roundId, WireFormat.SERVER, contributors, "contributors");
    }

    /** {@code S}, ascending (a copy). */
    public int[] contributors() {
        return ids().clone();
    }

    static ContributorSet read(final FrameReader in) {
        in.expectServerParty();
        return new ContributorSet(in.roundId(), in.getIds(AdditiveRoundSetup.MAX_CLIENTS));
    }

    @Override
    String describe() {
        return "contributors=" + ids().length;
    }
}
