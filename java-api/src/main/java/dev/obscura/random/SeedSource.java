package dev.obscura.random;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Where one endpoint (a party or a helper such as the dealer) draws its fresh {@link Seed}s: its private PRG, the
 * pairwise seeds it agrees with the other parties, the seeds a dealer sends. Every runner hands each endpoint its own
 * source: {@link #secure()} everywhere, except in tests and reproducible runs that ask for
 * {@link #insecureDerived(String, int)} explicitly.
 *
 * <p>Not thread-safe: a source belongs to its endpoint's thread.
 */
@FunctionalInterface
public interface SeedSource {
    /** What an insecure master seed may be: 1 to 64 letters, digits, {@code .}, {@code _} or {@code -}. */
    Pattern MASTER_SEED = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** The next fresh seed. */
    Seed next();

    /** Seeds from the process-wide {@link java.security.SecureRandom}: the default, and the only secure source. */
    static SeedSource secure() {
        return Seed::random;
    }

    /**
     * INSECURE, for tests and reproducible runs only: the seeds of endpoint {@code endpoint} derived from
     * {@code masterSeed}, so that a run repeated with the same master seed (in-process, or across processes and
     * hosts) draws the same seeds at every endpoint and gives the same results bit for bit. Anyone who knows the master
     * seed can recompute every share, mask and seed of the run: it removes all security. Runners accept it only when
     * asked explicitly and say so loudly.
     *
     * <p>Seed {@code i} of endpoint {@code e} is the first 16 bytes of
     * SHA-256("obscura-insecure-seed" || 0x00 || masterSeed || e as int32 || i as int64), big-endian.
     *
     * @param masterSeed the run's master seed (see {@link #MASTER_SEED})
     * @param endpoint   the endpoint's id (parties first, then helpers)
     * @throws IllegalArgumentException when the master seed is not of the accepted form
     */
    static SeedSource insecureDerived(final String masterSeed, final int endpoint) {
        if (masterSeed == null || !MASTER_SEED.matcher(masterSeed).matches()) {
            throw new IllegalArgumentException("an insecure master seed is 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (endpoint < 0) {
            throw new IllegalArgumentException("endpoint must not be negative, endpoint=" + endpoint);
        }
        return new InsecureDerivedSeeds(masterSeed.getBytes(StandardCharsets.US_ASCII), endpoint);
    }
}
