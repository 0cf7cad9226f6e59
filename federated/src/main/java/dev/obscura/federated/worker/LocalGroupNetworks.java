package dev.obscura.federated.worker;

import dev.obscura.mpc.Transport;
import dev.obscura.protocols.transport.InProcessNetwork;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Secure groups of in-process workers: one {@link InProcessNetwork} per group, made when the first member joins
 * and closed (its frames zeroed) when the last one leaves. Thread-safe.
 */
final class LocalGroupNetworks implements GroupNetworks {
    private final Map<Long, Entry> networks = new HashMap<>();

    private static final class Entry {
        final InProcessNetwork network;
        final int members;
        int left;

        Entry(final InProcessNetwork network, final int members) {
            this.network = network;
            this.members = members;
        }
    }

    @Override
    public synchronized Transport join(final long group, final int endpoint, final List<String> members,
                                       final int fracBits, final Duration timeout) {
        final Entry e = networks.computeIfAbsent(group, g -> new Entry(new InProcessNetwork(members.size() - 1, true,
            timeout), members.size()));
        return e.network.endpoint(endpoint);
    }

    @Override
    public synchronized void leave(final long group, final Transport transport) {
        transport.close();
        final Entry e = networks.get(group);
        if (e != null && ++e.left == e.members) {
            networks.remove(group);
            e.network.close();
        }
    }
}
