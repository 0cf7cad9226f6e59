package dev.obscura.federated.secagg;

/**
 * Aggregator j to the combiner: {@code z_j = sum_{u in S} x_{u,j}}, the sum of its shares over the contributor set
 * S it was sent, which it repeats so that the combiner can check all sums cover the same clients. A single
 * {@code z_j} is uniformly distributed; only {@code sum_j z_j} is the total.
 *
 * <p>Body: {@code n(4) id(4)*n m(4) value(8)*m}; the header's party is the aggregator.
 */
public final class AggregatorSum extends SecAggMessage {
    private final int[] contributors;
    private final long[] sum;

    public AggregatorSum(final long roundId, final int aggregator, final int[] contributors, final long[] sum) {
        super(MessageType.AGGREGATOR_SUM, roundId, aggregator);
        this.contributors = Ids.sortedDistinct(contributors, "contributors");
        this.sum = sum.clone();
    }

    /** The aggregator j. */
    public int aggregator() {
        return party();
    }

    /** S, ascending (a copy). */
    public int[] contributors() {
        return contributors.clone();
    }

    /** {@code z_j} (a copy). */
    public long[] sum() {
        return sum.clone();
    }

    int[] contributorsView() {
        return contributors;
    }

    long[] sumView() {
        return sum;
    }

    @Override
    void writeBody(final FrameWriter out) {
        out.putIds(contributors).putLongs(sum);
    }

    static AggregatorSum read(final FrameReader in) {
        final int[] contributors = in.getIds(AdditiveRoundSetup.MAX_CLIENTS);
        return new AggregatorSum(in.roundId(), in.party(), contributors, in.getLongs(WireFormat.MAX_VECTOR_LENGTH));
    }

    @Override
    String describe() {
        return "aggregator=" + party() + ", contributors=" + contributors.length + ", length=" + sum.length;
    }
}
