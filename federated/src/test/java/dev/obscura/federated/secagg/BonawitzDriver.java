package dev.obscura.federated.secagg;

import dev.obscura.backend.Backend;
import dev.obscura.backend.JavaBackend;
import dev.obscura.ring.RingTensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Drives one Bonawitz et al. round in-process as a transport would: every message crosses as the bytes of
 * {@code encode()} and is decoded on the far side, and the bytes each party sends and receives are counted. A stage
 * is two steps, the clients' messages ({@code send...}) and the server closing it ({@code finish...}), so that a test
 * can inject, replay or tamper in between, and drop clients before any step.
 */
final class BonawitzDriver implements AutoCloseable {
    static final Backend BACKEND = new JavaBackend();

    final RoundSetup setup;
    final SecAggServer server;
    final SortedMap<Integer, SecAggClient> clients = new TreeMap<>();
    final Map<Integer, long[]> updates;
    final Set<Integer> dropped = new HashSet<>();
    final Map<Integer, Long> clientSent = new TreeMap<>();
    final Map<Integer, Long> clientReceived = new TreeMap<>();
    final Map<Integer, MaskedInput> maskedInputs = new TreeMap<>();
    final Map<Integer, UnmaskShares> unmaskShares = new TreeMap<>();
    final List<SecAggMessage> messages = new ArrayList<>();
    long serverSent;
    long serverReceived;
    KeyDirectory directory;
    Map<Integer, ShareDelivery> deliveries;
    UnmaskRequest request;

    /** A round of the clients that {@code updates} names, each with its update of {@code m} ring elements. */
    BonawitzDriver(final int threshold, final Map<Integer, long[]> updates) {
        final int[] ids = updates.keySet().stream().mapToInt(Integer::intValue).toArray();
        this.updates = updates;
        this.setup = RoundSetup.create(ids, threshold, updates.get(ids[0]).length);
        this.server = new SecAggServer(setup, BACKEND);
        for (final int id : ids) {
            clientSent.put(id, 0L);
            clientReceived.put(id, 0L);
            // The setup is sent once before the round (not counted: SecAggCosts states it apart).
            clients.put(id, new SecAggClient(id, (RoundSetup) SecAggMessage.decode(setup.encode()), BACKEND));
        }
    }

    /** Clients {@code ids} answer nothing from now on. */
    BonawitzDriver drop(final int... ids) {
        for (final int id : ids) {
            dropped.add(id);
        }
        return this;
    }

    AggregationResult runAll() {
        sendAdvertiseKeys();
        finishAdvertiseKeys();
        sendShareKeys();
        finishShareKeys();
        sendMaskedInputs();
        finishMaskedInputCollection();
        sendUnmaskShares();
        return server.finishUnmasking();
    }

    void sendAdvertiseKeys() {
        for (final SecAggClient c : clients.values()) {
            if (!dropped.contains(c.id())) {
                toServer(c.id(), c.advertiseKeys());
            }
        }
    }

    void finishAdvertiseKeys() {
        directory = server.finishAdvertiseKeys();
    }

    void sendShareKeys() {
        for (final int id : directory.clients()) {
            if (!dropped.contains(id)) {
                toServer(id, clients.get(id).shareKeys(toClient(id, directory)));
            }
        }
    }

    void finishShareKeys() {
        deliveries = server.finishShareKeys();
    }

    void sendMaskedInputs() {
        deliveries.forEach((id, delivery) -> {
            if (!dropped.contains(id)) {
                try (RingTensor x = RingTensor.of(updates.get(id), setup.vectorLength())) {
                    final MaskedInput m = clients.get(id).maskedInput(toClient(id, delivery), x);
                    maskedInputs.put(id, m);
                    toServer(id, m);
                }
            }
        });
    }

    void finishMaskedInputCollection() {
        request = server.finishMaskedInputCollection();
    }

    void sendUnmaskShares() {
        for (final int id : request.survivors()) {
            if (!dropped.contains(id)) {
                final UnmaskShares m = clients.get(id).unmask(toClient(id, request));
                unmaskShares.put(id, m);
                toServer(id, m);
            }
        }
    }

    /** {@code sum_{u in contributors} x_u} over Z_2^64, computed in the clear. */
    long[] plainSum(final int[] contributors) {
        final long[] sum = new long[setup.vectorLength()];
        for (final int u : contributors) {
            final long[] x = updates.get(u);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += x[i];
            }
        }
        return sum;
    }

    @SuppressWarnings("unchecked")
    <M extends SecAggMessage> M toClient(final int id, final M message) {
        final byte[] bytes = message.encode();
        clientReceived.merge(id, (long) bytes.length, Long::sum);
        serverSent += bytes.length;
        final M decoded = (M) SecAggMessage.decode(bytes);
        messages.add(decoded);
        return decoded;
    }

    void toServer(final int id, final SecAggMessage message) {
        final byte[] bytes = message.encode();
        clientSent.merge(id, (long) bytes.length, Long::sum);
        serverReceived += bytes.length;
        final SecAggMessage decoded = SecAggMessage.decode(bytes);
        messages.add(decoded);
        server.receive(id, decoded);
    }

    @Override
    public void close() {
        server.close();
    }
}
