package dev.obscura.federated.secagg;

import java.util.Arrays;

/**
 * The parameters of one Bonawitz et al. secure-aggregation round, sent by the server to every invited client
 * before round 0: the round id, the Shamir threshold {@code t}, the update length {@code m} (elements of Z_2^64) and
 * the invited clients {@code U} ({@code n = |U|}).
 *
 * <p>The round completes while at least {@code t} clients answer its last stage: up to {@code n - t} clients may drop
 * out after the masks are fixed. Privacy holds against the server together with fewer than {@code t} clients (Bonawitz
 * et al., Section 6.1), so {@code t} trades dropout tolerance against collusion: {@link #defaultThreshold} is
 * {@code floor(2n/3) + 1}, the smallest threshold above {@code 2n/3} (what the active version needs). Each client's Shamir evaluation point is its position among the invited clients,
 * plus one, so a round has at most {@link WireFormat#MAX_CLIENTS} clients.
 *
 * <p>Body: {@code threshold(4) vectorLength(4) n(4) id(4)*n}; the header's party is -1.
 */
public final class RoundSetup extends SecAggMessage {
    private final int threshold;
    private final int vectorLength;
    private final int[] clients;

    /**
     * @param threshold {@code t}, in {@code [2, n]}
     * @param vectorLength {@code m}, in {@code [1, 2^28]}
     * @param clients distinct non-negative ids, 2 to 255 of them
     */
    public RoundSetup(final long roundId, final int threshold, final int vectorLength, final int[] clients) {
        super(MessageType.ROUND_SETUP, roundId, WireFormat.SERVER);
        this.clients = Ids.sortedDistinct(clients, "clients");
        if (this.clients.length < 2 || this.clients.length > WireFormat.MAX_CLIENTS) {
            throw new IllegalArgumentException("a round needs 2 to " + WireFormat.MAX_CLIENTS + " clients, clients="
                + this.clients.length);
        }
        if (threshold < 2 || threshold > this.clients.length) {
            throw new IllegalArgumentException("threshold must be in [2, clients], threshold=" + threshold
                + ", clients=" + this.clients.length);
        }
        this.threshold = threshold;
        this.vectorLength = checkVectorLength(vectorLength);
    }

    /** A round with a fresh random id ({@link java.security.SecureRandom}). */
    public static RoundSetup create(final int[] clients, final int threshold, final int vectorLength) {
        return new RoundSetup(RoundIds.fresh(), threshold, vectorLength, clients);
    }

    /**
     * {@code floor(2n/3) + 1} (at least 2): privacy against the server and up to a third of the clients, completion
     * with up to {@code n - t} (about a third) dropped out, and the same parameters as the actively secure version,
     * which needs {@code t > 2n/3} (Bonawitz et al., Section 6.2).
     */
    public static int defaultThreshold(final int clients) {
        return Math.max(2, Math.min(clients, 2 * clients / 3 + 1));
    }

    /** {@code t}: the fewest clients that must answer each stage. */
    public int threshold() {
        return threshold;
    }

    /** {@code m}: elements of Z_2^64 in every update. */
    public int vectorLength() {
        return vectorLength;
    }

    /** {@code U}: the invited clients, ascending (a copy). */
    public int[] clients() {
        return clients.clone();
    }

    /** {@code n = |U|}. */
    public int clientCount() {
        return clients.length;
    }

    /** Whether {@code client} is invited. */
    public boolean invites(final int client) {
        return Ids.contains(clients, client);
    }

    /** The client's Shamir evaluation point in GF(2^8): its position in {@link #clients()}, plus one. */
    int evaluationPoint(final int client) {
        final int index = Arrays.binarySearch(clients, client);
        if (index < 0) {
            throw new IllegalArgumentException("client is not invited to this round, client=" + client);
        }
        return index + 1;
    }

    static int checkVectorLength(final int vectorLength) {
        if (vectorLength < 1 || vectorLength > WireFormat.MAX_VECTOR_LENGTH) {
            throw new IllegalArgumentException("vectorLength must be in [1, " + WireFormat.MAX_VECTOR_LENGTH
                + "], vectorLength=" + vectorLength);
        }
        return vectorLength;
    }

    @Override
    void writeBody(final FrameWriter out) {
        out.putInt(threshold).putInt(vectorLength).putIds(clients);
    }

    static RoundSetup read(final FrameReader in) {
        in.expectServerParty();
        final int threshold = in.getInt();
        final int vectorLength = in.getInt();
        return new RoundSetup(in.roundId(), threshold, vectorLength, in.getIds(WireFormat.MAX_CLIENTS));
    }

    @Override
    String describe() {
        return "clients=" + clients.length + ", threshold=" + threshold + ", vectorLength=" + vectorLength;
    }
}
