package dev.obscura.network;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.Security;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Tests only: makes {@code new SecureRandom()} give the threads of parties and dealers ({@code obscura-party-N},
 * {@code obscura-dealer}) a fixed stream per thread name, so that a program run in-process and the same program run
 * over TCP draw the same seeds, and their results can be compared bit for bit (a truncation's 1-ulp error depends on
 * the dealer's masks). Every other thread (TLS, certificates, the transport's nonces) gets real randomness.
 *
 * <p>It must be installed before {@code dev.obscura.random.Seed} is initialised, whose process-wide generator picks
 * the first provider; {@link TcpParties} installs it in its static initialiser, and every test in this module that
 * runs a protocol goes through {@link TcpParties}.
 */
final class DeterministicSeeds {
    private static final Pattern ROLE_THREAD = Pattern.compile("obscura-(party-\\d+|dealer)");
    private static volatile boolean installed;

    private DeterministicSeeds() {
    }

    static synchronized void install() {
        if (!installed) {
            Security.insertProviderAt(new PerThreadProvider(), 1);
            installed = true;
        }
    }

    /** The provider whose only service is the per-thread generator. */
    public static final class PerThreadProvider extends Provider {
        private static final long serialVersionUID = 1L;

        PerThreadProvider() {
            super("ObscuraTestPerThread", "1.0", "fixed seeds per party thread, for tests");
            putService(new Service(this, "SecureRandom", "ObscuraTestPerThread", Spi.class.getName(), null,
                Map.of("ThreadSafe", "true")));
        }
    }

    /** The generator: SHA-256(thread name, counter) on role threads, the JDK's DRBG elsewhere. */
    public static final class Spi extends SecureRandomSpi {
        private static final long serialVersionUID = 1L;
        private static final ThreadLocal<long[]> COUNTER = ThreadLocal.withInitial(() -> new long[1]);
        private final transient SecureRandom real;

        public Spi() {
            try {
                real = SecureRandom.getInstance("DRBG");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected void engineSetSeed(final byte[] seed) {
            real.setSeed(seed);
        }

        @Override
        protected void engineNextBytes(final byte[] bytes) {
            final String name = Thread.currentThread().getName();
            if (!ROLE_THREAD.matcher(name).matches()) {
                real.nextBytes(bytes);
                return;
            }
            try {
                final MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (int at = 0; at < bytes.length; at += 32) {
                    sha.update(name.getBytes(StandardCharsets.UTF_8));
                    sha.update(ByteBuffer.allocate(8).putLong(COUNTER.get()[0]++).array());
                    final byte[] block = sha.digest();
                    System.arraycopy(block, 0, bytes, at, Math.min(32, bytes.length - at));
                }
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected byte[] engineGenerateSeed(final int numBytes) {
            return real.generateSeed(numBytes);
        }
    }
}
