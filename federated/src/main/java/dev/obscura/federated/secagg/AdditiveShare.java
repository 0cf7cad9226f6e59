package dev.obscura.federated.secagg;

import dev.obscura.federated.secagg.SecAggException.Reason;
import dev.obscura.random.Seed;

/**
 * Client u to aggregator j: u's additive share {@code x_{u,j}} of its update, either as the 16-byte seed it expands
 * from ({@code x_{u,j} = PRG(seed)}) or, at the one aggregator that gets u's explicit share, as its {@code m} values.
 * The channel to the aggregator must be private (TLS): a share is secret.
 *
 * <p>Body: {@code aggregator(4) kind(1)}, then {@code seed(16)} (kind 0) or {@code m(4) value(8)*m} (kind 1); the
 * header's party is the sender. Only the client that shares makes this message; its public accessors say which kind
 * it is, never its content.
 */
public final class AdditiveShare extends SecAggMessage {
    private static final int SEED = 0;
    private static final int VALUES = 1;

    private final int aggregator;
    private final byte[] seed;
    private final long[] values;

    private AdditiveShare(final long roundId, final int sender, final int aggregator, final byte[] seed,
                          final long[] values) {
        super(MessageType.ADDITIVE_SHARE, roundId, sender);
        this.aggregator = aggregator;
        this.seed = seed;
        this.values = values;
    }

    static AdditiveShare ofSeed(final long roundId, final int sender, final int aggregator, final Seed seed) {
        return new AdditiveShare(roundId, sender, aggregator, seed.toBytes(), null);
    }

    static AdditiveShare ofValues(final long roundId, final int sender, final int aggregator, final long[] values) {
        return new AdditiveShare(roundId, sender, aggregator, null, values.clone());
    }

    /** The client u. */
    public int sender() {
        return party();
    }

    /** The aggregator j it is for. */
    public int aggregator() {
        return aggregator;
    }

    /** Whether this is the explicit share (values) rather than a seed. */
    public boolean explicit() {
        return values != null;
    }

    /** The seed's bytes (a copy); only for a seed share. */
    Seed seed() {
        return Seed.fromBytes(seed);
    }

    /** The values; only for an explicit share. */
    long[] valuesView() {
        return values;
    }

    @Override
    void writeBody(final FrameWriter out) {
        out.putInt(aggregator);
        if (explicit()) {
            out.putByte(VALUES).putLongs(values);
        } else {
            out.putByte(SEED).putBytes(seed);
        }
    }

    static AdditiveShare read(final FrameReader in) {
        final int aggregator = in.getInt();
        final int kind = in.getByte();
        if (kind == SEED) {
            return new AdditiveShare(in.roundId(), in.party(), aggregator, in.getBytes(Seed.BYTES), null);
        }
        if (kind == VALUES) {
            return new AdditiveShare(in.roundId(), in.party(), aggregator, null,
                in.getLongs(WireFormat.MAX_VECTOR_LENGTH));
        }
        throw new SecAggException(Reason.MALFORMED, "unknown additive share kind, kind=" + kind);
    }

    /** Overwrites the share once it has been used. */
    void wipe() {
        if (seed != null) {
            java.util.Arrays.fill(seed, (byte) 0);
        }
        if (values != null) {
            java.util.Arrays.fill(values, 0L);
        }
    }

    @Override
    String describe() {
        return "sender=" + party() + ", aggregator=" + aggregator + ", kind="
            + (explicit() ? "values, length=" + values.length : "seed");
    }
}
