package dev.obscura.federated.secagg;

import java.util.Arrays;

/**
 * The parameters of one round of secure aggregation by additive sharing among {@code k >= 2} non-colluding
 * aggregators (the seeds' route): the round id, {@code k}, the fewest clients whose updates may be summed, the update
 * length {@code m} and the invited clients. Sent by the coordinator (the combiner) to every client and aggregator.
 *
 * <p>Body: {@code aggregators(4) minClients(4) vectorLength(4) n(4) id(4)*n}.
 */
public final class AdditiveRoundSetup extends SecAggMessage {
    /** The most clients an additive round takes (no field limits it; this bounds a frame's id list). */
    public static final int MAX_CLIENTS = 1 << 16;
    /** The most aggregators. */
    public static final int MAX_AGGREGATORS = 64;

    private final int aggregators;
    private final int minClients;
    private final int vectorLength;
    private final int[] clients;

    /**
     * @param aggregators {@code k}, in {@code [2, 64]}
     * @param minClients the fewest contributors for which the sum is released, in {@code [2, n]}: a sum of one
     *     update would be that update
     */
    public AdditiveRoundSetup(final long roundId, final int aggregators, final int minClients, final int vectorLength,
                              final int[] clients) {
        super(MessageType.ADDITIVE_SETUP, roundId, WireFormat.SERVER);
        this.clients = Ids.sortedDistinct(clients, "clients");
        if (this.clients.length < 2 || this.clients.length > MAX_CLIENTS) {
            throw new IllegalArgumentException("a round needs 2 to " + MAX_CLIENTS + " clients, clients="
                + this.clients.length);
        }
        if (aggregators < 2 || aggregators > MAX_AGGREGATORS) {
            throw new IllegalArgumentException("aggregators must be in [2, " + MAX_AGGREGATORS + "], aggregators="
                + aggregators);
        }
        if (minClients < 2 || minClients > this.clients.length) {
            throw new IllegalArgumentException("minClients must be in [2, clients], minClients=" + minClients
                + ", clients=" + this.clients.length);
        }
        this.aggregators = aggregators;
        this.minClients = minClients;
        this.vectorLength = RoundSetup.checkVectorLength(vectorLength);
    }

    /** A round with a fresh random id ({@link java.security.SecureRandom}). */
    public static AdditiveRoundSetup create(final int[] clients, final int aggregators, final int minClients,
                                            final int vectorLength) {
        return new AdditiveRoundSetup(RoundIds.fresh(), aggregators, minClients, vectorLength, clients);
    }

    /** {@code k}; the aggregators' ids are {@code 0 .. k-1}. */
    public int aggregators() {
        return aggregators;
    }

    /** The fewest contributors for which the sum is released. */
    public int minClients() {
        return minClients;
    }

    /** {@code m}. */
    public int vectorLength() {
        return vectorLength;
    }

    /** The invited clients, ascending (a copy). */
    public int[] clients() {
        return clients.clone();
    }

    /** Whether {@code client} is invited. */
    public boolean invites(final int client) {
        return Ids.contains(clients, client);
    }

    /**
     * The aggregator that receives {@code client}'s explicit share (the others receive seeds): its position among the
     * invited clients modulo {@code k}, so that the {@code 8m}-byte shares spread evenly over the aggregators.
     */
    public int explicitAggregator(final int client) {
        final int index = Arrays.binarySearch(clients, client);
        if (index < 0) {
            throw new IllegalArgumentException("client is not invited to this round, client=" + client);
        }
        return index % aggregators;
    }

    @Override
    void writeBody(final FrameWriter out) {
        out.putInt(aggregators).putInt(minClients).putInt(vectorLength).putIds(clients);
    }

    static AdditiveRoundSetup read(final FrameReader in) {
        in.expectServerParty();
        final int aggregators = in.getInt();
        final int minClients = in.getInt();
        final int vectorLength = in.getInt();
        return new AdditiveRoundSetup(in.roundId(), aggregators, minClients, vectorLength, in.getIds(MAX_CLIENTS));
    }

    @Override
    String describe() {
        return "clients=" + clients.length + ", aggregators=" + aggregators + ", minClients=" + minClients
            + ", vectorLength=" + vectorLength;
    }
}
