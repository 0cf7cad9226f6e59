package dev.obscura.federated.secagg;

import dev.obscura.backend.Backend;
import dev.obscura.random.Seed;
import dev.obscura.ring.RingTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's step of secure aggregation by additive sharing (the route of the PySyft tutorials: each update is
 * secret-shared among two or more aggregators, each sums what it receives, and the sum of their sums is the total).
 * One message per aggregator, one round, no keys: the aggregators' channels provide privacy (TLS).
 *
 * <p>As the project's dealer does, all shares but one are sent as seeds: with {@code e} the client's explicit
 * aggregator ({@link AdditiveRoundSetup#explicitAggregator}),
 * <pre>
 *   x_{u,j} = PRG(seed_{u,j})                          for j != e   (16 bytes on the wire),
 *   x_{u,e} = x_u - sum_{j != e} PRG(seed_{u,j})       (mod 2^64)   (8m bytes on the wire),
 * </pre>
 * so {@code sum_j x_{u,j} = x_u}, any {@code k - 1} shares are independent of {@code x_u}, and a client sends
 * {@code 8m + 16(k - 1)} bytes of payload instead of {@code 8mk}.
 */
public final class AdditiveSharer {
    private AdditiveSharer() {
    }

    /**
     * Client {@code client}'s shares of {@code update}, one per aggregator: element {@code j} goes to aggregator j.
     * Seeds come from {@link java.security.SecureRandom}.
     *
     * @param update {@code x_u}: {@code m} elements of Z_2^64 (fixed-point encoded values), any shape
     */
    public static List<AdditiveShare> share(final AdditiveRoundSetup setup, final int client, final RingTensor update,
                                            final Backend backend) {
        if (update.numel() != setup.vectorLength()) {
            throw new IllegalArgumentException("update must have vectorLength elements, numel=" + update.numel()
                + ", vectorLength=" + setup.vectorLength());
        }
        final int explicit = setup.explicitAggregator(client);
        final List<AdditiveShare> shares = new ArrayList<>(setup.aggregators());
        try (RingTensor remainder = RingTensor.zeros(setup.vectorLength());
             RingTensor scratch = RingTensor.zeros(setup.vectorLength())) {
            backend.copy(update, remainder);
            for (int j = 0; j < setup.aggregators(); j++) {
                if (j != explicit) {
                    final Seed seed = Seed.random();
                    // x_{u,e} -= PRG(seed_{u,j})
                    Masks.add(backend, remainder, seed, -1, scratch);
                    shares.add(AdditiveShare.ofSeed(setup.roundId(), client, j, seed));
                } else {
                    shares.add(null);
                }
            }
            shares.set(explicit, AdditiveShare.ofValues(setup.roundId(), client, explicit, remainder.toArray()));
            remainder.fill(0);
        }
        return shares;
    }
}
