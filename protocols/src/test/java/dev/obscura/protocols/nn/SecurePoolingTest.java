package dev.obscura.protocols.nn;

import static dev.obscura.protocols.nn.CloseAssertions.assertClose;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Backends;
import dev.obscura.backend.JavaBackend;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.SecureEngine;
import dev.obscura.nn.engine.TensorEngine;
import dev.obscura.protocols.LocalParties;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pooling operations of {@link SecureEngine} (max-pool forward and backward, average-pool forward and
 * backward, whose windows the backend gathers and scatters) against {@link PlainEngine} on overlapping windows,
 * strides above the kernel and windows that leave rows and columns out, for 2 and 3 parties on the Java reference
 * and the discovered backend.
 *
 * <p>Inputs and gradients are multiples of 1/16, distinct within every window, so the max-pool, its mask and its
 * backward pass are exact (a comparison, and a product by a 0/1 mask without truncation): they must match to
 * {@link #EXACT}. The average-pool scales by {@code 1 / (kH kW)} with one truncation after encoding that factor with
 * f = 16 bits: an error below 2^-16 per window value times the window's sum (below 40 here), bounded by
 * {@link #SCALED}.
 */
final class SecurePoolingTest {
    private static final double EXACT = 1e-9;
    private static final double SCALED = 2e-3;
    /** N, C, H, W, kH, kW, sH, sW. */
    private static final int[][] CASES = {
        {2, 2, 6, 7, 3, 3, 1, 2},   // overlapping rows, overlapping columns, the last column left out
        {1, 3, 7, 8, 2, 2, 3, 3},   // strides above the kernel skip rows and columns
        {2, 1, 5, 5, 2, 3, 2, 1},   // non-square kernel, overlapping columns
    };

    /** What both engines compute for one case, revealed. */
    private record Pools(float[] maxValues, float[] maxMask, float[] maxGrad, float[] avgValues, float[] avgGrad) {
    }

    @ParameterizedTest(name = "{0} parties")
    @ValueSource(ints = {2, 3})
    void shouldPoolAndRouteGradientsLikeThePlaintextEngine(final int parties) {
        for (final Backend backend : new Backend[] {new JavaBackend(), Backends.discover()}) {
            final List<List<Pools>> got = LocalParties.builder().parties(parties).checked(true).backend(backend).build()
                .run(ops -> {
                    final List<Pools> all = new ArrayList<>();
                    for (final int[] c : CASES) {
                        all.add(pools(new SecureEngine(ops, 0), c, input(c)));
                    }
                    return all;
                });
            for (int k = 0; k < CASES.length; k++) {
                final Pools expected = pools(new PlainEngine(), CASES[k], input(CASES[k]));
                final String what = backend.name() + " " + parties + " parties, case "
                    + java.util.Arrays.toString(CASES[k]);
                for (final List<Pools> party : got) {
                    final Pools p = party.get(k);
                    assertClose(expected.maxValues(), p.maxValues(), EXACT, "maxPool2d values " + what);
                    assertClose(expected.maxMask(), p.maxMask(), EXACT, "maxPool2d mask " + what);
                    assertClose(expected.maxGrad(), p.maxGrad(), EXACT, "maxPool2dBackward " + what);
                    assertClose(expected.avgValues(), p.avgValues(), SCALED, "avgPool2d " + what);
                    assertClose(expected.avgGrad(), p.avgGrad(), SCALED, "avgPool2dBackward " + what);
                }
            }
        }
    }

    private static float[] input(final int[] c) {
        return distinctSixteenths(c[0] * c[1] * c[2] * c[3], 1 + c[2]);
    }

    private static <T> Pools pools(final TensorEngine<T> e, final int[] c, final float[] values) {
        final int[] shape = {c[0], c[1], c[2], c[3]};
        final List<T> made = new ArrayList<>();
        try {
            final T x = keep(made, e.fromFloats(values, shape));
            final TensorEngine.Masked<T> max = e.maxPool2d(x, c[4], c[5], c[6], c[7]);
            keep(made, max.values());
            keep(made, max.mask());
            final int[] out = e.shape(max.values());
            final int windows = out[0] * out[1] * out[2] * out[3];
            final T gradOut = keep(made, e.fromFloats(distinctSixteenths(windows, 5), out));
            final T maxGrad = keep(made, e.maxPool2dBackward(gradOut, max.mask(), shape, c[4], c[5], c[6], c[7]));
            final T avg = keep(made, e.avgPool2d(x, c[4], c[5], c[6], c[7]));
            final T avgGrad = keep(made, e.avgPool2dBackward(gradOut, shape, c[4], c[5], c[6], c[7]));
            return new Pools(e.toFloats(max.values()), e.toFloats(max.mask()), e.toFloats(maxGrad), e.toFloats(avg),
                e.toFloats(avgGrad));
        } finally {
            for (final T t : made) {
                e.release(t);
            }
        }
    }

    private static <T> T keep(final List<T> made, final T t) {
        made.add(t);
        return t;
    }

    /**
     * {@code n} distinct multiples of 1/16 in [-n/32, n/32), scrambled: {@code i -> (i + offset) * 7919 mod n} is a
     * permutation of {@code [0, n)} since the prime 7919 does not divide any {@code n} here.
     */
    private static float[] distinctSixteenths(final int n, final long offset) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = ((int) ((i + offset) * 7919 % n) - n / 2) / 16f;
        }
        return v;
    }
}
