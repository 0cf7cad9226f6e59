package dev.obscura.protocols.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.obscura.mpc.Counters;
import dev.obscura.mpc.SecretTensor;
import dev.obscura.mpc.SecureOps;
import dev.obscura.protocols.LocalParties;
import dev.obscura.ring.FixedPoint;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/** Shared helpers of the tests of {@code dev.obscura.mpc.functions}: running parties, inputs, random values. */
final class FunctionTests {
    /** Seed of every random input; override with {@code -Dobscura.test.seed=...} to explore. */
    static final long SEED = Long.getLong("obscura.test.seed", 0x0B5C_F11CL);
    static final FixedPoint FP = FixedPoint.defaultEncoding();
    static final double ULP = FP.ulp();

    private FunctionTests() {
    }

    /** Runs {@code program} on {@code parties} parties and returns party 0's result after checking all agree. */
    static <T> T run(final int parties, final Function<SecureOps, T> program) {
        return run(LocalParties.builder().parties(parties).build(), program);
    }

    static <T> T run(final LocalParties runner, final Function<SecureOps, T> program) {
        final List<T> out = runner.run(program);
        for (int p = 1; p < out.size(); p++) {
            assertEquals(deepString(out.get(0)), deepString(out.get(p)), "party " + p + " disagrees with party 0");
        }
        return out.get(0);
    }

    private static String deepString(final Object o) {
        if (o instanceof double[] d) {
            return Arrays.toString(d);
        }
        if (o instanceof long[] l) {
            return Arrays.toString(l);
        }
        if (o instanceof Object[] a) {
            return Arrays.deepToString(a);
        }
        return String.valueOf(o);
    }

    /** Party 0 shares {@code values} (fixed point, the session's f); the others pass only the shape. */
    static SecretTensor input(final SecureOps ops, final double[] values, final int... shape) {
        return ops.input(0, ops.session().partyId() == 0 ? values : null, shape);
    }

    /** {@code x} rounded to the fixed-point grid: the value the parties actually compute on. */
    static double onGrid(final double x) {
        return FP.decode(FP.encode(x));
    }

    /** The values on the fixed-point grid. */
    static double[] onGrid(final double[] x) {
        final double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = onGrid(x[i]);
        }
        return out;
    }

    /** {@code n} uniform values in {@code [lo, hi)}, on the grid. */
    static double[] uniform(final SplittableRandom rnd, final int n, final double lo, final double hi) {
        final double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = onGrid(rnd.nextDouble(lo, hi));
        }
        return out;
    }

    /** {@code a} followed by {@code b}. */
    static double[] concat(final double[] a, final double[] b) {
        final double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** What one call of {@code op} (its own counter) cost this party. */
    static Counters costOf(final SecureOps ops, final String op) {
        return ops.session().stats().of(op);
    }

    /** Rounds of one comparison call in this suite, measured. */
    static long comparisonRounds(final SecureOps ops) {
        final long before = ops.session().stats().of("reluDerivative").rounds();
        try (SecretTensor x = input(ops, new double[] {1, -1}, 2); SecretTensor b = ops.reluDerivative(x)) {
            return ops.session().stats().of("reluDerivative").rounds() - before;
        }
    }
}
