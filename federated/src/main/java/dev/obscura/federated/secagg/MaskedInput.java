package dev.obscura.federated.secagg;

/**
 * Round 2 (MaskedInputCollection), client {@code u} to the server: the masked update
 * {@code y_u = x_u + PRG(b_u) + sum_{v in U2 \ {u}} Delta_{u,v} PRG(s_{u,v})} over Z_2^64, which is uniformly
 * distributed whatever {@code x_u} is (Bonawitz et al., Section 4).
 *
 * <p>Body: {@code m(4) value(8)*m}; the header's party is the sender.
 */
public final class MaskedInput extends SecAggMessage {
    private final long[] values;

    public MaskedInput(final long roundId, final int sender, final long[] values) {
        super(MessageType.MASKED_INPUT, roundId, sender);
        this.values = values.clone();
    }

    /** The client {@code u}. */
    public int sender() {
        return party();
    }

    /** {@code y_u} (a copy). */
    public long[] values() {
        return values.clone();
    }

    /** {@code m}. */
    public int length() {
        return values.length;
    }

    long[] valuesView() {
        return values;
    }

    @Override
    void writeBody(final FrameWriter out) {
        out.putLongs(values);
    }

    static MaskedInput read(final FrameReader in) {
        return new MaskedInput(in.roundId(), in.party(), in.getLongs(WireFormat.MAX_VECTOR_LENGTH));
    }

    @Override
    String describe() {
        return "sender=" + party() + ", length=" + values.length;
    }
}
