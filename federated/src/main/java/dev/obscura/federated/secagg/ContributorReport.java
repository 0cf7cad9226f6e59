package dev.obscura.federated.secagg;

/**
 * Aggregator j to the combiner: the clients whose shares j holds. A client whose shares reached some aggregators and
 * not others (it dropped while sending) must be left out everywhere, so the combiner intersects the reports.
 *
 * <p>Body: {@code n(4) id(4)*n}; the header's party is the aggregator.
 */
public final class ContributorReport extends IdListMessage {
    public ContributorReport(final long roundId, final int aggregator, final int[] contributors) {
        super(MessageType.CONTRIBUTOR_REPORT, roundId, aggregator, contributors, "contributors");
    }

    /** The aggregator j. */
    public int aggregator() {
        return party();
    }

    /** The clients whose shares j holds, ascending (a copy). */
    public int[] contributors() {
        return ids().clone();
    }

    static ContributorReport read(final FrameReader in) {
        return new ContributorReport(in.roundId(), in.party(), in.getIds(AdditiveRoundSetup.MAX_CLIENTS));
    }

    @Override
    String describe() {
        return "aggregator=" + party() + ", contributors=" + ids().length;
    }
}
