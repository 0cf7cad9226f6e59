package dev.obscura.protocols.additive;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.mpc.SecurePrimitives;
import dev.obscura.mpc.Session;
import dev.obscura.mpc.Transport;
import dev.obscura.protocols.dealer.Dealer;
import dev.obscura.protocols.dealer.DealerClient;

/**
 * The semi-honest additive suite with a dealer (trusted crypto provider), for any number of parties: additive
 * shares over Z_2^64, Beaver triples for every bilinear map, exact one-round truncation, exact comparison by a
 * bitwise circuit on a dealer-masked opening. Secure against a passive adversary corrupting all but one party,
 * provided the dealer colludes with no party.
 */
public final class AdditiveSuite implements ProtocolSuite {
    @Override
    public String name() {
        return "additive-dealer";
    }

    @Override
    public boolean needsDealer() {
        return true;
    }

    @Override
    public SecurePrimitives init(final Session session) {
        return new AdditiveOps(session, DealerClient.connect(session));
    }

    @Override
    public void runDealer(final Transport dealerTransport, final Backend backend) {
        new Dealer(dealerTransport, backend).run();
    }

    @Override
    public String toString() {
        return name();
    }
}
