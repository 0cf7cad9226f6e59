package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.random.Prg;
import dev.obscura.ring.FixedPoint;
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
 * Shares two random fixed-point matrices additively between two parties and multiplies them in the ring on every
 * available backend, from the shares alone: {@code AB = A0·B0 + A0·B1 + A1·B0 + A1·B1 (mod 2^64)}. Prints whether
 * the backends agree bit for bit, how far the decoded result is from a plaintext {@code double} product, and the
 * time of one ring matmul on each backend.
 *
 * <p>The cross terms are computed here in the clear for the demonstration; the secure protocol (Beaver triples, so
 * no party ever sees the other's share) comes with the protocol suite.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Multiply two secret-shared matrices on every backend and compare.",
        "",
        "Secret-shares two random matrices between two parties, multiplies them in the ring Z_2^64 from the shares"
            + " on every available backend, and prints whether each backend agrees bit for bit with the Java"
            + " reference, how far the result is from a plaintext product, and the time of one ring matmul."})
final class DemoCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    // The label has no commas: picocli may wrap the synopsis after a comma, which would cut "M,K,N" in two.
    @Option(names = "--size", paramLabel = "SIZES", split = ",", hideParamSyntax = true, defaultValue = "256,256,256",
        description = {"Matrix sizes M,K,N: A is MxK, B is KxN.", "Default: ${DEFAULT-VALUE}."})
    private int[] size;

    @Option(names = "--frac-bits", paramLabel = "F", defaultValue = "16",
        description = "Fixed-point fractional bits (default: ${DEFAULT-VALUE}).")
    private int fracBits;

    @Option(names = "--repeat", paramLabel = "R", defaultValue = "5",
        description = "Timed repetitions per backend; the median is printed (default: ${DEFAULT-VALUE}).")
    private int repeat;

    @Option(names = "--backend", paramLabel = "NAME",
        description = {"Only this backend (and the java reference).", "Default: every available backend."})
    private String backendName;

    @Override
    public void run() {
        final PrintWriter out = spec.commandLine().getOut();
        if (size.length != 3 || Arrays.stream(size).anyMatch(s -> s < 1 || s > 4096)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--size needs three sizes between 1 and 4096, e.g. --size 256,256,256");
        }
        if (repeat < 1 || repeat > 1000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--repeat must be between 1 and 1000");
        }
        final FixedPoint fp;
        try {
            fp = new FixedPoint(fracBits);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        final int m = size[0];
        final int k = size[1];
        final int n = size[2];

        // Plaintext inputs in [-1, 1): demo data, not secrets, so an ordinary generator is fine here.
        final SplittableRandom data = new SplittableRandom();
        final double[] a = data.doubles((long) m * k, -1, 1).toArray();
        final double[] b = data.doubles((long) k * n, -1, 1).toArray();
        final double[] expected = plaintextMatmul(a, b, m, k, n);

        final List<Backend> backends = selectBackends();
        final Backend reference = Backends.byName("java");
        out.printf("Obscura demo: A (%dx%d) and B (%dx%d), fixed point with %d fractional bits, 2 parties%n",
            m, k, k, n, fracBits);
        out.println("Each party holds one additive share of A and of B, drawn from AES-128-CTR seeded by"
            + " SecureRandom.");
        out.println();

        final double bound = errorBound(fp, k);
        out.printf("%-40s %14s %18s %22s%n", "backend", "ms / matmul", "bits vs java", "max |error| vs double");
        final long[] referenceBits = shareAndMultiply(reference, fp, a, b, m, k, n).bits;
        for (final Backend backend : backends) {
            final Result r = shareAndMultiply(backend, fp, a, b, m, k, n);
            final boolean identical = Arrays.equals(referenceBits, r.bits);
            double maxError = 0;
            for (int i = 0; i < expected.length; i++) {
                maxError = Math.max(maxError, Math.abs(r.decoded[i] - expected[i]));
            }
            out.printf("%-40s %14.3f %18s %22.3e%n", backend.description(), r.millisPerMatmul,
                identical ? "identical" : "DIFFER", maxError);
            if (!identical || maxError > bound) {
                throw new IllegalStateException("backend " + backend.name() + " disagrees with the reference: "
                    + "identical=" + identical + ", maxError=" + maxError + ", bound=" + bound);
            }
        }
        out.println();
        out.printf("Error bound for K=%d with %d fractional bits: %.3e. Every backend is within it.%n",
            k, fracBits, bound);
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

    private record Result(long[] bits, double[] decoded, double millisPerMatmul) {
    }

    private Result shareAndMultiply(final Backend be, final FixedPoint fp, final double[] a, final double[] b,
                                    final int m, final int k, final int n) {
        try (RingTensor ea = RingTensor.zeros(m, k);
             RingTensor eb = RingTensor.zeros(k, n);
             RingTensor a0 = RingTensor.zeros(m, k);
             RingTensor a1 = RingTensor.zeros(m, k);
             RingTensor b0 = RingTensor.zeros(k, n);
             RingTensor b1 = RingTensor.zeros(k, n);
             RingTensor term = RingTensor.zeros(m, n);
             RingTensor product = RingTensor.zeros(m, n)) {
            be.encode(a, 0, fp.fracBits(), ea);
            be.encode(b, 0, fp.fracBits(), eb);
            // Additive sharing: x0 uniform from the PRG, x1 = x - x0, so each share alone is uniform.
            final Prg prg = Prg.fresh(be);
            prg.fill(a0);
            be.sub(ea, a0, a1);
            prg.fill(b0);
            be.sub(eb, b0, b1);

            final long[] times = new long[repeat];
            for (int r = 0; r < repeat; r++) {
                final long start = System.nanoTime();
                be.matmul(a0, b0, product);
                be.matmul(a0, b1, term);
                be.add(product, term, product);
                be.matmul(a1, b0, term);
                be.add(product, term, product);
                be.matmul(a1, b1, term);
                be.add(product, term, product);
                times[r] = System.nanoTime() - start;
            }
            Arrays.sort(times);
            // The product of two values with f fractional bits has 2f: one truncation rescales it.
            be.truncate(product, fp.fracBits(), product);
            final double[] decoded = new double[m * n];
            be.decode(product, fp.fracBits(), decoded, 0);
            return new Result(product.toArray(), decoded, times[repeat / 2] / 4.0 / 1e6);
        }
    }

    /**
     * Worst case of |decoded - exact| for inputs in [-1, 1): each encoding is off by at most ulp/2, so each of the K
     * products is off by at most ulp/2 * (|a| + |b|) + ulp^2/4 <= ulp + ulp^2/4, and truncation adds at most 1 ulp.
     */
    private static double errorBound(final FixedPoint fp, final int k) {
        final double ulp = fp.ulp();
        return k * (ulp + ulp * ulp / 4) + ulp;
    }

    private static double[] plaintextMatmul(final double[] a, final double[] b, final int m, final int k,
                                            final int n) {
        final double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                final double aip = a[i * k + p];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += aip * b[p * n + j];
                }
            }
        }
        return c;
    }
}
