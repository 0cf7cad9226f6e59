package dev.obscura.backend;

import static org.junit.jupiter.api.Assertions.fail;

import dev.obscura.ring.RingTensor;
import dev.obscura.ring.Shapes;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Test data for backend tests: random ring tensors with the edge values mixed in, and bit-exact comparison with
 * a message that says where the first difference is and which seed reproduces it.
 *
 * <p>For TEST DATA only: {@link SplittableRandom} is fine here and never used for shares or keys. Tensors made
 * through one instance are closed together by {@link #closeAll()}.
 */
public final class TestTensors {
    /** The values every random tensor contains with high probability: wrap-around and sign edges. */
    public static final long[] EDGES = {0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 2L, Long.MIN_VALUE + 1,
        1L << 62, -(1L << 62), 1L << 32, 0xFFFF_FFFFL};

    private final long seed;
    private final SplittableRandom random;
    private final List<RingTensor> tensors = new ArrayList<>();

    /** A generator for one test, reproducible from {@code seed}. */
    public TestTensors(final long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** The seed, for assertion messages. */
    public long seed() {
        return seed;
    }

    /** The underlying generator. */
    public SplittableRandom random() {
        return random;
    }

    /** A random long, one of {@link #EDGES} one time in eight. */
    public long nextLong() {
        if (random.nextInt(8) == 0) {
            return EDGES[random.nextInt(EDGES.length)];
        }
        // Small magnitudes too, so products and sums are not always dominated by the high bits.
        return switch (random.nextInt(4)) {
            case 0 -> random.nextLong(-1000, 1000);
            case 1 -> random.nextLong() >> random.nextInt(64);
            default -> random.nextLong();
        };
    }

    /** A tensor of {@code shape} with random elements; the first elements are the edges when there is room. */
    public RingTensor random(final int... shape) {
        final RingTensor t = track(RingTensor.zeros(shape));
        final long n = t.numel();
        for (long i = 0; i < n; i++) {
            t.set(i, nextLong());
        }
        // Place the edges at random positions, so every kernel sees them whatever it reads.
        for (int e = 0; e < EDGES.length && e < n; e++) {
            t.set(random.nextLong(n), EDGES[e]);
        }
        return t;
    }

    /** A tensor of {@code shape} with independent uniform 64-bit elements (no edges mixed in). */
    public RingTensor uniform(final int... shape) {
        final RingTensor t = track(RingTensor.zeros(shape));
        for (long i = 0; i < t.numel(); i++) {
            t.set(i, random.nextLong());
        }
        return t;
    }

    /** A zero tensor of {@code shape}, closed by {@link #closeAll()}. */
    public RingTensor zeros(final int... shape) {
        return track(RingTensor.zeros(shape));
    }

    /** A copy of {@code t}, closed by {@link #closeAll()}. */
    public RingTensor copyOf(final RingTensor t) {
        return track(RingTensor.copyOf(t));
    }

    /** Registers {@code t} to be closed by {@link #closeAll()}. */
    public RingTensor track(final RingTensor t) {
        tensors.add(t);
        return t;
    }

    /** Closes every tensor made or tracked here. */
    public void closeAll() {
        for (final RingTensor t : tensors) {
            t.close();
        }
        tensors.clear();
    }

    /** Fails unless {@code actual} has {@code expected}'s shape and bits, naming the first difference. */
    public void assertBits(final String what, final RingTensor expected, final RingTensor actual) {
        if (!expected.sameShape(actual)) {
            fail(what + ": shape differs, expected=" + expected + ", actual=" + actual + ", seed=" + seed);
        }
        final long n = expected.numel();
        for (long i = 0; i < n; i++) {
            if (expected.get(i) != actual.get(i)) {
                fail(what + ": first difference at index " + i + " of " + n + " (shape "
                    + Shapes.toString(expected.shape()) + "), expected=0x" + Long.toHexString(expected.get(i))
                    + ", actual=0x" + Long.toHexString(actual.get(i)) + ", seed=" + seed);
            }
        }
    }

    /** Fails unless both arrays are equal, naming the first difference. */
    public void assertBits(final String what, final long[] expected, final long[] actual) {
        if (expected.length != actual.length) {
            fail(what + ": length differs, expected=" + expected.length + ", actual=" + actual.length
                + ", seed=" + seed);
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                fail(what + ": first difference at index " + i + " of " + expected.length + ", expected=0x"
                    + Long.toHexString(expected[i]) + ", actual=0x" + Long.toHexString(actual[i])
                    + ", seed=" + seed);
            }
        }
    }
}
