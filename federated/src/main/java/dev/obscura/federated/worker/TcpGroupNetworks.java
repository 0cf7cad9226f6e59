package dev.obscura.federated.worker;

import dev.obscura.mpc.Transport;
import dev.obscura.network.NetworkConfig;
import dev.obscura.network.TcpTransport;
import dev.obscura.protocols.additive.AdditiveSuite;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Secure groups of remote workers over the TCP transport with mutual TLS: the workers' configuration names a
 * network configuration ({@code mpc.config}) whose parties and dealer are the workers' endpoints for secure
 * computation, and which endpoint each worker is ({@code mpc.NAME = party-0}). A group must list its members as that
 * file does (party {@code i} is endpoint {@code party-i}, the crypto provider the helper {@code dealer}); a worker
 * takes part in one group at a time, since its endpoint has one address. Thread-safe.
 */
final class TcpGroupNetworks implements GroupNetworks {
    private final NetworkConfig config;
    private final Map<String, String> endpointOf;
    private Long active;

    TcpGroupNetworks(final NetworkConfig config, final Map<String, String> endpointOf) {
        this.config = config;
        this.endpointOf = Map.copyOf(endpointOf);
    }

    @Override
    public synchronized Transport join(final long group, final int endpoint, final List<String> members,
                                       final int fracBits, final Duration timeout) {
        if (active != null) {
            throw new IllegalStateException("this worker is already in a secure group over TCP (one at a time:"
                + " its endpoint has one address); close that group first");
        }
        if (!config.suite().equals(new AdditiveSuite().name()) || config.fixedPointBits() != fracBits) {
            throw new IllegalArgumentException("the secure group runs " + new AdditiveSuite().name() + " with "
                + fracBits + " fractional bits, but " + config.source() + " says suite=" + config.suite()
                + ", fixed-point-bits=" + config.fixedPointBits());
        }
        final int parties = members.size() - 1;
        if (config.parties() != parties || config.endpoints().size() != parties + 1) {
            throw new IllegalArgumentException("the secure group has " + parties + " parties and a crypto provider,"
                + " but " + config.source() + " has " + config.parties() + " parties and "
                + (config.endpoints().size() - config.parties()) + " helpers");
        }
        for (int i = 0; i < members.size(); i++) {
            final String expected = config.endpoint(i).name();
            final String configured = endpointOf.get(members.get(i));
            if (!expected.equals(configured)) {
                throw new IllegalArgumentException("the secure group needs worker " + members.get(i) + " as "
                    + expected + " of " + config.source() + ", but the worker configuration makes it "
                    + (configured == null ? "no endpoint" : configured) + " (mpc." + members.get(i) + ")");
            }
        }
        final TcpTransport t = TcpTransport.open(new TcpTransport.Context().config(config).self(endpoint));
        active = group;
        return t;
    }

    @Override
    public synchronized void leave(final long group, final Transport transport) {
        transport.close();
        if (active != null && active == group) {
            active = null;
        }
    }
}
