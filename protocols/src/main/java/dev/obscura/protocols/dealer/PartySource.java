package dev.obscura.protocols.dealer;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.Transport;
import dev.obscura.random.Prg;
import dev.obscura.ring.RingTensor;
import java.util.function.Function;

/** A party's side of a {@link Source}: shares from the dealer-seeded PRG, the last party's corrections by frame. */
final class PartySource implements Source {
    private final Backend backend;
    private final Prg dealerPrg;
    private final Transport transport;
    private final int dealerId;
    private final boolean last;

    PartySource(final Backend backend, final Prg dealerPrg, final Transport transport, final int dealerId) {
        this.backend = backend;
        this.dealerPrg = dealerPrg;
        this.transport = transport;
        this.dealerId = dealerId;
        this.last = transport.self() == transport.parties() - 1;
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
        final RingTensor share = RingTensor.zeros(shape);
        dealerPrg.fill(share);
        return share;
    }

    @Override
    public RingTensor dependent(final Sharing sharing, final int[] shape,
                                final Function<Backend, RingTensor> wholeValue) {
        final RingTensor share = RingTensor.zeros(shape);
        if (last) {
            transport.receive(dealerId, share);
        } else {
            dealerPrg.fill(share);
        }
        return share;
    }
}
