package dev.obscura.protocols.dealer;

import dev.obscura.ring.RingTensor;

/**
 * Dealer material for the exact comparison of {@code count} ring elements with zero ({@code additive.Comparison}),
 * optionally with the extra term that multiplies the input by the comparison bit ({@code select}, for ReLU).
 *
 * <p>With {@code W = ceil(count / 64)} words per bit plane, the recipe draws, in this order:
 * <ol>
 *   <li>{@code r}: uniform, arithmetic, {@code [count]}: the mask of the opening {@code c = x + r}. Free.</li>
 *   <li>{@code NOT r} as bit planes: XOR-shared, {@code [64, W]}, dependent on {@code r}: {@code 8} bytes per
 *       element.</li>
 *   <li>{@code t_2j AND t_2j+1} for {@code t = NOT r}, {@code j = 0 .. 30}: XOR-shared, {@code [31, W]},
 *       dependent. The dealer knows {@code t}, so it deals these products directly, and the first level of the
 *       carry tree costs no round (function-dependent preprocessing, in the spirit of TinyTable: Damgard, Nielsen,
 *       Nielsen and Ranellucci, CRYPTO 2017).</li>
 *   <li>{@value #AND_GATES} bit-sliced AND triples: {@code a}, {@code b} uniform XOR {@code [57, W]} (free),
 *       {@code c = a AND b} dependent.</li>
 *   <li>A random bit {@code rb} per element, dealt in both sharings (a daBit: Rotaru and Wood, INDOCRYPT 2019):
 *       XOR-shared packed {@code [W]} (uniform, free) and arithmetic {@code [count]} (dependent).</li>
 *   <li>With {@code select}: {@code r * rb}, arithmetic {@code [count]}, dependent.</li>
 * </ol>
 *
 * <p>Dealer traffic (the last party's corrections only): {@code 8 W (64 + 31 + 57) + 8 count (1 + select)} bytes,
 * that is {@code 1216 W + 8 count} for a comparison and {@code 1216 W + 16 count} with the select: 27 and 35 bytes
 * per element when {@code count} is a multiple of 64.
 *
 * @param count  number of elements compared, at least 1
 * @param select whether to deal {@code r * rb} as well (ReLU needs it; the sign alone does not)
 */
public record ComparisonCorrelation(int count, boolean select) implements Correlation<ComparisonMaterial> {
    /** The kind: parameters {@code count, select ? 1 : 0}. */
    public static final CorrelationKind<ComparisonCorrelation> KIND =
        new CorrelationKind<>("cmp", ComparisonCorrelation::decode);

    /** Bits in a ring element, and so bit planes per comparison. */
    public static final int PLANES = 64;
    /** Dealt pair products {@code t_2j AND t_2j+1}, {@code j = 0 .. 30}: the bits 0 .. 61 below the singleton 62. */
    public static final int PAIRS = 31;
    /** AND gates of the carry tree over 32 groups: {@code (2*16-1) + (2*8-1) + (2*4-1) + (2*2-1) + 1}. */
    public static final int AND_GATES = 57;

    /** Validates the element count. */
    public ComparisonCorrelation {
        if (count < 1) {
            throw new IllegalArgumentException("comparison needs count >= 1, count=" + count);
        }
    }

    /** Words per bit plane for {@code count} elements: {@code ceil(count / 64)}. */
    public static int words(final int count) {
        return (count + 63) >>> 6;
    }

    /** Bytes the dealer sends the last party for this material. */
    public long dealerBytes() {
        return 8L * words(count) * (PLANES + PAIRS + AND_GATES) + 8L * count * (select ? 2 : 1);
    }

    @Override
    public CorrelationKind<ComparisonCorrelation> kind() {
        return KIND;
    }

    @Override
    public int[] params() {
        return new int[] {count, select ? 1 : 0};
    }

    private static ComparisonCorrelation decode(final int[] p) {
        if (p.length != 2 || (p[1] != 0 && p[1] != 1)) {
            throw new IllegalArgumentException("malformed comparison request, length=" + p.length);
        }
        return new ComparisonCorrelation(p[0], p[1] == 1);
    }

    @Override
    public ComparisonMaterial generate(final Source s) {
        final int w = words(count);
        final RingTensor r = s.uniform(Source.Sharing.ARITHMETIC, count);
        final RingTensor notR = s.dependent(Source.Sharing.XOR, new int[] {PLANES, w}, be -> {
            final RingTensor planes = RingTensor.zeros(PLANES, w);
            be.toBitPlanes(r, planes);
            be.not(planes, planes);
            return planes;
        });
        final RingTensor pairs = s.dependent(Source.Sharing.XOR, new int[] {PAIRS, w}, be -> {
            final RingTensor products = RingTensor.zeros(PAIRS, w);
            for (int j = 0; j < PAIRS; j++) {
                be.and(notR.slice(2 * j, 2 * j + 1), notR.slice(2 * j + 1, 2 * j + 2), products.slice(j, j + 1));
            }
            return products;
        });
        final RingTensor andA = s.uniform(Source.Sharing.XOR, AND_GATES, w);
        final RingTensor andB = s.uniform(Source.Sharing.XOR, AND_GATES, w);
        final RingTensor andC = s.dependent(Source.Sharing.XOR, new int[] {AND_GATES, w}, be -> {
            final RingTensor c = RingTensor.zeros(AND_GATES, w);
            be.and(andA, andB, c);
            return c;
        });
        final RingTensor bit = s.uniform(Source.Sharing.XOR, w);
        final RingTensor bitArith = s.dependent(Source.Sharing.ARITHMETIC, new int[] {count}, be -> {
            final RingTensor b = RingTensor.zeros(count);
            be.unpackBits(bit, b);
            return b;
        });
        final RingTensor maskTimesBit = !select ? null
            : s.dependent(Source.Sharing.ARITHMETIC, new int[] {count}, be -> {
                final RingTensor product = RingTensor.zeros(count);
                be.mul(r, bitArith, product);
                return product;
            });
        return new ComparisonMaterial(r, notR, pairs, andA, andB, andC, bit, bitArith, maskTimesBit);
    }
}
