package dev.obscura.federated.secagg;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Round 4 (Unmasking), client {@code u} to the server: {@code b_{v,u}}, u's share of the self-mask seed of every
 * survivor {@code v in U3} (u's own included), and {@code s_{v,u}^SK}, u's share of the masking secret key of every
 * client {@code v in U2 \ U3} that dropped after sharing its keys. With {@code t} such messages the server removes
 * every mask that does not cancel (Bonawitz et al., Section 4, "double masking").
 *
 * <p>Only the client that holds the shares makes this message; its public accessors name the owners, never a share.
 *
 * <p>Body: {@code n(4) [owner(4) seedShare(16)]*n d(4) [owner(4) keyShare(32)]*d}; the header's party is the sender.
 */
public final class UnmaskShares extends SecAggMessage {
    private final SortedMap<Integer, byte[]> selfMaskSeedShares;
    private final SortedMap<Integer, byte[]> maskingKeyShares;

    UnmaskShares(final long roundId, final int sender, final Map<Integer, byte[]> selfMaskSeedShares,
                 final Map<Integer, byte[]> maskingKeyShares) {
        super(MessageType.UNMASK_SHARES, roundId, sender);
        this.selfMaskSeedShares = copy(selfMaskSeedShares, WireFormat.SEED_BYTES);
        this.maskingKeyShares = copy(maskingKeyShares, WireFormat.KEY_BYTES);
        for (final int owner : this.selfMaskSeedShares.keySet()) {
            if (this.maskingKeyShares.containsKey(owner)) {
                throw new IllegalArgumentException("a client reveals one kind of share per owner, owner=" + owner);
            }
        }
    }

    /** The client {@code u} that reveals. */
    public int sender() {
        return party();
    }

    /** The survivors whose self-mask seed shares this message holds, ascending. */
    public int[] selfMaskOwners() {
        return Ids.sorted(selfMaskSeedShares.keySet());
    }

    /** The dropped clients whose masking-key shares this message holds, ascending. */
    public int[] maskingKeyOwners() {
        return Ids.sorted(maskingKeyShares.keySet());
    }

    SortedMap<Integer, byte[]> selfMaskSeedShares() {
        return Collections.unmodifiableSortedMap(selfMaskSeedShares);
    }

    SortedMap<Integer, byte[]> maskingKeyShares() {
        return Collections.unmodifiableSortedMap(maskingKeyShares);
    }

    @Override
    void writeBody(final FrameWriter out) {
        write(out, selfMaskSeedShares);
        write(out, maskingKeyShares);
    }

    static UnmaskShares read(final FrameReader in) {
        final Map<Integer, byte[]> seeds = read(in, WireFormat.SEED_BYTES);
        final Map<Integer, byte[]> keys = read(in, WireFormat.KEY_BYTES);
        return new UnmaskShares(in.roundId(), in.party(), seeds, keys);
    }

    /** Overwrites the shares this message holds, once it has been sent and is no longer needed. */
    void wipe() {
        selfMaskSeedShares.values().forEach(s -> Arrays.fill(s, (byte) 0));
        maskingKeyShares.values().forEach(s -> Arrays.fill(s, (byte) 0));
    }

    private static void write(final FrameWriter out, final SortedMap<Integer, byte[]> shares) {
        out.putInt(shares.size());
        shares.forEach((owner, share) -> out.putInt(owner).putBytes(share));
    }

    private static Map<Integer, byte[]> read(final FrameReader in, final int shareBytes) {
        final int count = in.getCount(Integer.BYTES + shareBytes, WireFormat.MAX_CLIENTS);
        final Map<Integer, byte[]> shares = new TreeMap<>();
        int previous = -1;
        for (int i = 0; i < count; i++) {
            final int owner = in.getInt();
            in.ascending(previous, owner);
            shares.put(owner, in.getBytes(shareBytes));
            previous = owner;
        }
        return shares;
    }

    private static SortedMap<Integer, byte[]> copy(final Map<Integer, byte[]> shares, final int shareBytes) {
        final SortedMap<Integer, byte[]> out = new TreeMap<>();
        shares.forEach((owner, share) -> {
            if (share.length != shareBytes) {
                throw new IllegalArgumentException("shares must be " + shareBytes + " bytes, owner=" + owner
                    + ", length=" + share.length);
            }
            out.put(owner, share.clone());
        });
        return out;
    }

    @Override
    String describe() {
        return "sender=" + party() + ", selfMaskShares=" + selfMaskSeedShares.size() + ", maskingKeyShares="
            + maskingKeyShares.size();
    }
}
