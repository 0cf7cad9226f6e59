package dev.obscura.federated.secagg;

import java.util.ArrayList;
import java.util.List;

/**
 * End of round 0, server to every client of {@code U1}: the public keys {@code (v, c_v^PK, s_v^PK)} of every client
 * {@code v} whose {@link AdvertiseKeys} arrived in time, ascending by id.
 *
 * <p>Body: {@code n(4) [id(4) encryptionPk(32) maskingPk(32)]*n}; the header's party is -1 (a broadcast).
 */
public final class KeyDirectory extends SecAggMessage {
    private static final int ENTRY_BYTES = Integer.BYTES + 2 * WireFormat.KEY_BYTES;

    private final List<AdvertiseKeys> entries;

    /** @param entries the advertised keys of {@code U1}, each of this round, in ascending sender order */
    public KeyDirectory(final long roundId, final List<AdvertiseKeys> entries) {
        super(MessageType.KEY_DIRECTORY, roundId, WireFormat.SERVER);
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).roundId() != roundId) {
                throw new IllegalArgumentException("every entry must belong to the round, round="
                    + RoundIds.format(roundId) + ", entry round=" + RoundIds.format(entries.get(i).roundId()));
            }
            if (i > 0 && entries.get(i).sender() <= entries.get(i - 1).sender()) {
                throw new IllegalArgumentException("entries must be in ascending, distinct sender order, sender="
                    + entries.get(i).sender());
            }
        }
        this.entries = List.copyOf(entries);
    }

    /** Every advertised key pair of {@code U1}, ascending by sender. */
    public List<AdvertiseKeys> entries() {
        return entries;
    }

    /** {@code U1}: the clients listed, ascending. */
    public int[] clients() {
        return entries.stream().mapToInt(AdvertiseKeys::sender).toArray();
    }

    @Override
    void writeBody(final FrameWriter out) {
        out.putInt(entries.size());
        for (final AdvertiseKeys e : entries) {
            out.putInt(e.sender());
            e.writeKeys(out);
        }
    }

    static KeyDirectory read(final FrameReader in) {
        in.expectServerParty();
        final int count = in.getCount(ENTRY_BYTES, WireFormat.MAX_CLIENTS);
        final List<AdvertiseKeys> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            entries.add(AdvertiseKeys.readKeys(in, in.getInt()));
        }
        return new KeyDirectory(in.roundId(), entries);
    }

    @Override
    String describe() {
        return "clients=" + entries.size();
    }
}
