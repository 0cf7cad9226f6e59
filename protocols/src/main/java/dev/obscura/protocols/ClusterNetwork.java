package dev.obscura.protocols;

import dev.obscura.mpc.Transport;
import dev.obscura.protocols.transport.InProcessNetwork;
import java.time.Duration;
import java.util.List;

/**
 * The endpoints a {@link LocalCluster}'s parties and helpers talk through: the in-process network by default
 * ({@link InProcessNetwork}), or, to measure what a real network costs, TCP with TLS on loopback
 * ({@code dev.obscura.network.LoopbackNetwork}), each endpoint on its own connections and I/O threads as in a party
 * process. The program, the suite and the cluster are the same either way.
 */
public interface ClusterNetwork extends AutoCloseable {

    /**
     * The transport of endpoint {@code id} (a party, or helper {@code id - parties}). The cluster calls it once per
     * endpoint, on that endpoint's own thread: a networked implementation may wait there until its peers connect.
     */
    Transport endpoint(int id);

    /** Makes every endpoint's waiting and future receives fail at once with {@code why} (a fact, never data). */
    void fail(String why);

    /** Releases the network and whatever it holds. */
    @Override
    void close();

    /** Makes the network of one cluster. */
    @FunctionalInterface
    interface Factory {
        /** The in-process network: frames through off-heap queues, no copies beyond one in and one out. */
        Factory IN_PROCESS = (suite, parties, helpers, timeout) -> new InProcessNetwork(parties, helpers.size(),
            timeout);

        /**
         * A network of {@code parties} parties and one helper endpoint per name of {@code helpers} (the suite's
         * helper roles, in order) for suite {@code suite}, whose receives wait at most {@code timeout}.
         */
        ClusterNetwork create(String suite, int parties, List<String> helpers, Duration timeout);
    }
}
