package dev.obscura.federated.secagg;

import dev.obscura.federated.secagg.SecAggException.Reason;

/**
 * A secure-aggregation message: what a transport carries between the roles, as the bytes of {@link #encode()}
 * ({@link WireFormat}). The roles never share objects; a message decoded on the far side with {@link #decode} is all
 * the other role sees.
 *
 * <p>Messages are immutable (array arguments and results are copied) and their {@code toString()} shows the type,
 * the round and party ids and sizes only: never a key, a share, a mask or a value.
 */
public abstract sealed class SecAggMessage permits RoundSetup, AdvertiseKeys, KeyDirectory, ShareBundle,
    MaskedInput, IdListMessage, UnmaskShares, AdditiveRoundSetup, AdditiveShare,
    AggregatorSum {

    private final MessageType type;
    private final long roundId;
    private final int party;

    SecAggMessage(final MessageType type, final long roundId, final int party) {
        this.type = type;
        this.roundId = roundId;
        this.party = party;
    }

    /** The type. */
    public final MessageType type() {
        return type;
    }

    /** The round this message belongs to. */
    public final long roundId() {
        return roundId;
    }

    /** The header's party id: the sender of a message to the server, the recipient of a unicast reply, or -1. */
    public final int party() {
        return party;
    }

    /** The frame bytes ({@link WireFormat}). */
    public final byte[] encode() {
        final FrameWriter out = new FrameWriter(type, party, roundId);
        writeBody(out);
        return out.toByteArray();
    }

    /** Writes the body that follows the header. */
    abstract void writeBody(FrameWriter out);

    /** The body's public facts for {@link #toString()}: ids and sizes, never content. */
    abstract String describe();

    /**
     * Decodes one frame.
     *
     * @throws SecAggException ({@link Reason#MALFORMED}) when the bytes are not a well-formed frame
     */
    public static SecAggMessage decode(final byte[] frame) {
        final FrameReader in = new FrameReader(frame);
        final SecAggMessage message;
        try {
            message = switch (in.type()) {
                case ROUND_SETUP -> RoundSetup.read(in);
                case ADVERTISE_KEYS -> AdvertiseKeys.read(in);
                case KEY_DIRECTORY -> KeyDirectory.read(in);
                case SHARE_KEYS -> ShareKeys.read(in);
                case SHARE_DELIVERY -> ShareDelivery.read(in);
                case MASKED_INPUT -> MaskedInput.read(in);
                case UNMASK_REQUEST -> UnmaskRequest.read(in);
                case UNMASK_SHARES -> UnmaskShares.read(in);
                case ADDITIVE_SETUP -> AdditiveRoundSetup.read(in);
                case ADDITIVE_SHARE -> AdditiveShare.read(in);
                case CONTRIBUTOR_REPORT -> ContributorReport.read(in);
                case CONTRIBUTOR_SET -> ContributorSet.read(in);
                case AGGREGATOR_SUM -> AggregatorSum.read(in);
            };
        } catch (final IllegalArgumentException e) {
            // A field the message's own checks refuse (a repeated id, a bad threshold): the frame is not valid.
            throw new SecAggException(Reason.MALFORMED, "invalid " + in.type() + " frame: " + e.getMessage());
        }
        in.end();
        return message;
    }

    /** The type's class name, the round id and the body's public facts. */
    @Override
    public final String toString() {
        return getClass().getSimpleName() + "[round=" + RoundIds.format(roundId) + ", " + describe() + "]";
    }
}
