package dev.obscura.federated.worker;

import dev.obscura.mpc.Transport;
import java.time.Duration;
import java.util.List;

/**
 * How the members of a secure group reach each other: the network between the workers that hold the shares (the
 * parties) and the crypto provider (the dealer), in which party {@code i} is endpoint {@code i} and the crypto
 * provider endpoint {@code parties}. In this process ({@link LocalGroupNetworks}) or over the TCP transport with
 * mutual TLS ({@link TcpGroupNetworks}).
 */
interface GroupNetworks {

    /**
     * This worker's endpoint {@code endpoint} of group {@code group}, whose members are {@code members} (the
     * parties in order, then the crypto provider) computing with {@code fracBits} fractional bits; returns once it
     * can talk to the others (over TCP: once every member is connected).
     */
    Transport join(long group, int endpoint, List<String> members, int fracBits, Duration timeout);

    /** This worker left {@code group}; its endpoint {@code transport} is closed. */
    void leave(long group, Transport transport);
}
