package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.protocols.LocalCluster;
import dev.obscura.protocols.LocalParties;
import dev.obscura.protocols.PartyFailureException;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.FixedPointRangeException;
import dev.obscura.ring.RingTensor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A secure matrix product on every available backend, checked against plaintext. Party 0 secret-shares a random
 * matrix A, party 1 a random matrix B; the parties (threads of this process, with the dealer) compute shares of
 * {@code A B} with the protocol suite, a Beaver matrix triple (one round) and an exact truncation (one round), and
 * open the product to party 0 only. No party sees the other's matrix or share; the product is compared here with
 * the same ring product computed in the clear (it must agree within the truncation's 1 ulp) and with a
 * {@code double} product (within a stated bound).
 *
 * <p>Before anything runs, the sizes and fractional bits are checked against the fixed-point product range: a sum
 * of K products of entries in [-1, 1] can reach K, and it is exact only below {@code 2^(62 - 2f)}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Multiply two secret-shared matrices securely on every backend.",
        "",
        "Party 0 secret-shares a random matrix A and party 1 a random matrix B (values in [-1, 1]); the parties and"
            + " the dealer run as threads of this process. They multiply the shares with the protocol suite (a Beaver"
            + " matrix triple from the dealer, then an exact truncation) and open the product to party 0 alone. For"
            + " each backend the command prints the time of one secure matrix product (dealer included), its"
            + " rounds and bytes, whether the product computed in the clear is bit for bit the Java reference's,"
            + " how far the secure product is from it (at most 1 ulp), and how far from a plaintext double"
            + " product."})
final class DemoCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private MatmulOptions matmul;

    @Option(names = "--frac-bits", paramLabel = "F", defaultValue = "16",
        description = "Fixed-point fractional bits, 0 to " + FixedPoint.MAX_FRAC_BITS
            + " (default: ${DEFAULT-VALUE}); K * 2^(2F) must stay below 2^62.")
    private int fracBits;

    @Option(names = "--parties", paramLabel = "N", defaultValue = "2",
        description = "Number of parties, 2 to 16 (default: ${DEFAULT-VALUE}).")
    private int parties;

    @Option(names = "--backend", paramLabel = "NAME",
        description = {"Only this backend (and the java reference).", "Default: every available backend."})
    private String backendName;

    @Override
    public void run() {
        final CommandLine cmd = spec.commandLine();
        final PrintWriter out = cmd.getOut();
        matmul.check(cmd);
        MnistCommand.check(cmd, parties >= 2 && parties <= 16, "--parties must be between 2 and 16, parties="
            + parties);
        // Plaintext inputs in [-1, 1): demo data, not secrets, so an ordinary generator is fine here. The shares
        // the parties make of them come from each party's AES-CTR generator seeded by SecureRandom.
        final MatmulCheck check = matmul.product(new SplittableRandom().nextLong());
        final int m = check.m();
        final int k = check.k();
        final int n = check.n();
        final FixedPoint fp = checkedRange(cmd, fracBits, k);
        final List<Backend> backends = selectBackends();

        final double[] a = check.a();
        final double[] b = check.b();
        final double[] expected = MatmulCheck.plaintextProduct(a, b, m, k, n);
        final Backend reference = Backends.byName("java");
        final long[] referenceBits = clearRingProduct(reference, fp, a, b, m, k, n);

        out.printf("Obscura demo: secure product of A (%dx%d, party 0's) and B (%dx%d, party 1's), %d parties and a"
            + " dealer as threads, fixed point with %d fractional bits%n", m, k, k, n, parties, fracBits);
        out.println("The parties compute on additive shares only (Beaver matrix triple, exact truncation); the"
            + " product is opened to party 0.");
        for (final Backend backend : backends) {
            out.printf("  %-12s %s%n", backend.name(), backend.description());
        }
        out.println();
        final double bound = MatmulCheck.errorBound(fp, k);
        out.printf("%-12s %12s %7s %12s %15s %16s %22s%n", "backend", "ms / product", "rounds", "KiB / party",
            "clear vs java", "secure vs clear", "max |error| vs double");
        for (final Backend backend : backends) {
            final long[] clearBits = backend == reference ? referenceBits
                : clearRingProduct(backend, fp, a, b, m, k, n);
            final boolean identical = Arrays.equals(referenceBits, clearBits);
            final MatmulCheck.Report secure = secureProduct(backend, fp, check);
            double maxUlps = 0;
            double maxError = 0;
            for (int i = 0; i < expected.length; i++) {
                maxUlps = Math.max(maxUlps, Math.abs(secure.product()[i] - fp.decode(clearBits[i])) / fp.ulp());
                maxError = Math.max(maxError, Math.abs(secure.product()[i] - expected[i]));
            }
            out.printf("%-12s %12.3f %7d %12.1f %15s %16s %22.3e%n", backend.name(), secure.medianMillis(),
                secure.perProduct().rounds(), secure.perProduct().bytesSent() / 1024.0,
                identical ? "identical" : "DIFFER", String.format("%.0f ulp", maxUlps), maxError);
            if (!identical || maxUlps > 1 || maxError > bound) {
                throw new IllegalStateException("backend " + backend.name() + " disagrees: clear product identical to"
                    + " java=" + identical + ", secure vs clear ulps=" + maxUlps + " (at most 1), maxError="
                    + maxError + ", bound=" + bound);
            }
        }
        out.println();
        out.printf("Times are medians of %d secure products, the dealer's work included. Every secure product agrees"
            + " with the product in the clear within 1 ulp (the truncation's error).%nError bound against double"
            + " for K=%d with %d fractional bits: %.3e. Every backend is within it.%n", check.repeat(), k, fracBits, bound);
    }

    /**
     * The encoding with {@code fracBits}, checked against the product range for inner size {@code k}: entries lie in
     * [-1, 1], so a sum of {@code k} products can reach {@code k}. Either failure is a usage error that says it is a
     * range error.
     */
    static FixedPoint checkedRange(final CommandLine cmd, final int fracBits, final int k) {
        try {
            final FixedPoint fp = new FixedPoint(fracBits);
            fp.requireProductRange("a matrix product with K=" + k + " of entries in [-1, 1]", k);
            return fp;
        } catch (FixedPointRangeException e) {
            int largest = FixedPoint.MAX_FRAC_BITS;
            while (largest > 0 && k >= Math.scalb(1.0, FixedPoint.RANGE_BITS - 2 * largest)) {
                largest--;
            }
            throw new CommandLine.ParameterException(cmd, "--frac-bits " + fracBits + ": " + e.getMessage()
                + " (with K=" + k + ", use --frac-bits " + largest + " or less)", e);
        }
    }

    private List<Backend> selectBackends() {
        final List<Backend> list = new ArrayList<>();
        list.add(Backends.byName("java"));
        if (backendName != null) {
            final Backend chosen = PartyOptions.resolve(spec.commandLine(), backendName);
            if (chosen != list.get(0)) {
                list.add(chosen);
            }
            return list;
        }
        for (final String name : Backends.availableNames()) {
            if (!name.equals("java")) {
                list.add(Backends.byName(name));
            }
        }
        return list;
    }

    /**
     * Runs {@code check} on a cluster of {@link #parties} over {@code backend} and returns party 0's report; the
     * session set-up is not timed.
     */
    private MatmulCheck.Report secureProduct(final Backend backend, final FixedPoint fp, final MatmulCheck check) {
        try (LocalCluster cluster = LocalParties.builder().parties(parties).backend(backend).fixedPoint(fp).build()
            .start()) {
            return cluster.run(check::run).get(0);
        } catch (PartyFailureException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** The ring product of the encoded matrices, truncated by f in the clear: what the secure product shares. */
    private static long[] clearRingProduct(final Backend be, final FixedPoint fp, final double[] a, final double[] b,
                                           final int m, final int k, final int n) {
        try (RingTensor ea = RingTensor.uninitialized(m, k);
             RingTensor eb = RingTensor.uninitialized(k, n);
             RingTensor product = RingTensor.uninitialized(m, n)) {
            be.encode(a, 0, fp.fracBits(), ea);
            be.encode(b, 0, fp.fracBits(), eb);
            be.matmul(ea, eb, product);
            be.truncate(product, fp.fracBits(), product);
            return product.toArray();
        }
    }
}
