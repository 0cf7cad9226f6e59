package dev.obscura.protocols.dealer;

import dev.obscura.backend.Backend;
import dev.obscura.random.Prg;
import dev.obscura.ring.RingTensor;
import java.util.function.Function;

/**
 * A party's side of a {@link Source}: shares from the dealer-seeded PRG; the last party's shares of dependent values
 * are the dealer's corrections, read in order from a frame of the dealer (online) or from a preprocessing file.
 */
final class PartySource implements Source {
    private final Backend backend;
    private final Prg dealerPrg;
    private final Corrections corrections;
    private final boolean last;

    /** Where the last party's shares of dependent values come from, in the order the recipes ask for them. */
    @FunctionalInterface
    interface Corrections {
        /** Reads the next correction into {@code share} (its whole size). */
        void next(RingTensor share);
    }

    /**
     * The source of a party: {@code last} when it is the last party, which alone reads {@code corrections}.
     */
    PartySource(final Backend backend, final Prg dealerPrg, final boolean last, final Corrections corrections) {
        this.backend = backend;
        this.dealerPrg = dealerPrg;
        this.last = last;
        this.corrections = corrections;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public boolean isDealer() {
        return false;
    }

    @Override
    public RingTensor uniform(final Sharing sharing, final int... shape) {
        // The PRG and the corrections overwrite every element: no zeroing pass.
        final RingTensor share = RingTensor.uninitialized(shape);
        dealerPrg.fill(share);
        return share;
    }

    @Override
    public RingTensor dependent(final Sharing sharing, final int[] shape,
                                final Function<Backend, RingTensor> wholeValue) {
        final RingTensor share = RingTensor.uninitialized(shape);
        if (last) {
            corrections.next(share);
        } else {
            dealerPrg.fill(share);
        }
        return share;
    }
}
