package dev.obscura.protocols.dealer;

import dev.obscura.backend.Backend;
import dev.obscura.random.Prg;
import dev.obscura.ring.RingTensor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The dealer's side of a {@link Source}: it runs every party's PRG, so it knows every share it never sends, and it
 * hands the last party the one share that makes a dependent value add up: as a frame (online) or into that party's
 * preprocessing file.
 */
final class DealerSource implements Source {
    private final Backend backend;
    private final Prg[] partyPrgs;
    private final Consumer<RingTensor> lastPartyShares;

    /** A source over the parties' PRGs that hands each of the last party's correction shares to {@code lastPartyShares}. */
    DealerSource(final Backend backend, final Prg[] partyPrgs, final Consumer<RingTensor> lastPartyShares) {
        this.backend = backend;
        this.partyPrgs = partyPrgs;
        this.lastPartyShares = lastPartyShares;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public boolean isDealer() {
        return true;
    }

    @Override
    public RingTensor uniform(final Sharing sharing, final int... shape) {
        return combinedShares(sharing, partyPrgs.length, shape);
    }

    @Override
    public RingTensor dependent(final Sharing sharing, final int[] shape,
                                final Function<Backend, RingTensor> wholeValue) {
        final int last = partyPrgs.length - 1;
        // The last party's share is whole - (sum of the others), or whole ^ (xor of the others), computed in place
        // in the others' combination, which is this method's own temporary.
        try (RingTensor lastShare = combinedShares(sharing, last, shape)) {
            final RingTensor whole = wholeValue.apply(backend);
            if (sharing == Sharing.ARITHMETIC) {
                backend.sub(whole, lastShare, lastShare);
            } else {
                backend.xor(whole, lastShare, lastShare);
            }
            lastPartyShares.accept(lastShare);
            return whole;
        }
    }

    /**
     * The combination of the shares that parties {@code 0 .. count-1} draw from their PRGs. Party 0's share is drawn
     * straight into the result, so two parties cost one PRG pass and no addition for a dependent value, and one
     * addition for a uniform one.
     */
    private RingTensor combinedShares(final Sharing sharing, final int count, final int[] shape) {
        if (count == 0) {
            return RingTensor.zeros(shape);
        }
        // Party 0's PRG and then each further PRG overwrite every element: no zeroing pass.
        final RingTensor sum = RingTensor.uninitialized(shape);
        partyPrgs[0].fill(sum);
        if (count == 1) {
            return sum;
        }
        try (RingTensor share = RingTensor.uninitialized(shape)) {
            for (int p = 1; p < count; p++) {
                partyPrgs[p].fill(share);
                if (sharing == Sharing.ARITHMETIC) {
                    backend.add(sum, share, sum);
                } else {
                    backend.xor(sum, share, sum);
                }
            }
        }
        return sum;
    }
}
