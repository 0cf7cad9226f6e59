package dev.obscura.cpu;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Conv2dSpec;
import dev.obscura.backend.KernelChecks;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import dev.obscura.text.UntrustedText;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The native CPU backend ({@value #NAME}): C++ kernels with AVX-512, AVX2 or baseline x86-64 code chosen at run time
 * from what the CPU reports, spread over one process-wide thread pool, bit for bit equal to the Java reference.
 *
 * <p>Settings, each a system property with an environment-variable fallback:
 * <ul>
 *   <li>{@value #SIMD_PROPERTY} / {@value #SIMD_ENVIRONMENT}: {@code avx512}, {@code avx2} or {@code scalar}; default
 *       the highest the CPU supports. Asking for a level the CPU lacks is an error, never a silent downgrade.</li>
 *   <li>{@value #THREADS_PROPERTY} / {@value #THREADS_ENVIRONMENT}: the size of the shared pool, the calling thread
 *       included; default the available processors. Read once, when the library loads.</li>
 * </ul>
 *
 * <p>Every argument is checked by {@link KernelChecks} in Java before any native call, so the kernels only ever
 * see valid shapes and open tensors. AES-CTR uses AES-NI (VAES on AVX2 and AVX-512 levels) whenever the CPU has it,
 * whatever the level, and a constant-time software AES otherwise.
 *
 * <p>Stateless apart from its fixed configuration; thread-safe. Parties calling from several Java threads at once
 * share the one native pool: each call runs on its calling thread plus whichever workers are free.
 */
public final class NativeCpuBackend implements Backend {
    /** The selection name. */
    public static final String NAME = "native-cpu";
    /** System property choosing the SIMD level. */
    public static final String SIMD_PROPERTY = "obscura.simd";
    /** Environment variable choosing the SIMD level when the property is not set. */
    public static final String SIMD_ENVIRONMENT = "OBSCURA_SIMD";
    /** System property sizing the native thread pool. */
    public static final String THREADS_PROPERTY = "obscura.threads";
    /** Environment variable sizing the native thread pool when the property is not set. */
    public static final String THREADS_ENVIRONMENT = "OBSCURA_THREADS";

    private static final int SOFTWARE_AES = 0x10;

    private final SimdLevel level;
    private final int threads;
    private final int config;
    private final String description;

    private NativeCpuBackend(final SimdLevel level, final int threads, final boolean softwareAes) {
        this.level = level;
        this.threads = threads;
        this.config = level.ordinal() | (softwareAes ? SOFTWARE_AES : 0) | (threads << 8);
        this.description = NAME + " (" + level.label() + ", " + CpuKernels.AES_IMPLS[CpuKernels.aesImpl(config)]
            + ", " + threads + (threads == 1 ? " thread)" : " threads)");
    }

    /** Empty when this backend can run here with the current settings, else why not, in one line. */
    public static Optional<String> unavailableReason() {
        final NativeLibrary lib = NativeLibrary.get();
        if (lib.failure().isPresent()) {
            return lib.failure();
        }
        try {
            configuredLevel(lib.maxLevel());
            return Optional.empty();
        } catch (final IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * The backend the settings ask for: the configured (or best) SIMD level on the whole pool.
     *
     * @throws IllegalStateException when it cannot run here, with {@link #unavailableReason()}
     */
    public static NativeCpuBackend create() {
        final NativeLibrary lib = loaded();
        final SimdLevel level;
        try {
            level = configuredLevel(lib.maxLevel());
        } catch (final IllegalArgumentException e) {
            throw new IllegalStateException(NAME + " is not available: " + e.getMessage(), e);
        }
        return new NativeCpuBackend(level, lib.poolSize(), false);
    }

    /**
     * A backend with an explicit SIMD level and thread limit, for tests and benchmarks that compare them.
     *
     * @param threads at most this many threads per call (the caller included); more than the pool has means all
     * @throws IllegalArgumentException when the CPU cannot run {@code level} or {@code threads} is below 1
     * @throws IllegalStateException    when the native library cannot be loaded
     */
    public static NativeCpuBackend create(final SimdLevel level, final int threads) {
        return create(level, threads, false);
    }

    /** As {@link #create(SimdLevel, int)}, optionally forcing the software AES (to test it on any CPU). */
    static NativeCpuBackend create(final SimdLevel level, final int threads, final boolean softwareAes) {
        final NativeLibrary lib = loaded();
        if (level.ordinal() > lib.maxLevel().ordinal()) {
            throw new IllegalArgumentException("this CPU cannot run SIMD level " + level.label()
                + ", supported=" + supportedLevels());
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, threads=" + threads);
        }
        return new NativeCpuBackend(level, Math.min(threads, lib.poolSize()), softwareAes);
    }

    /** The SIMD levels this CPU runs, lowest first; empty when the library cannot be loaded. */
    public static List<SimdLevel> supportedLevels() {
        final NativeLibrary lib = NativeLibrary.get();
        final List<SimdLevel> levels = new ArrayList<>();
        if (lib.failure().isEmpty()) {
            for (final SimdLevel l : SimdLevel.values()) {
                if (l.ordinal() <= lib.maxLevel().ordinal()) {
                    levels.add(l);
                }
            }
        }
        return levels;
    }

    /** Size of the shared native thread pool (1 when the library cannot be loaded). */
    public static int poolSize() {
        return NativeLibrary.get().poolSize();
    }

    /** The SIMD level this instance runs. */
    public SimdLevel level() {
        return level;
    }

    /** The most threads one call of this instance uses, the caller included. */
    public int threads() {
        return threads;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }

    // ---------------------------------------------------------------- elementwise arithmetic, with broadcasting

    @Override
    public void add(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("add", CpuKernels.ADD, a, b, out);
    }

    @Override
    public void sub(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("sub", CpuKernels.SUB, a, b, out);
    }

    @Override
    public void mul(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("mul", CpuKernels.MUL, a, b, out);
    }

    @Override
    public void mulAdd(final RingTensor a, final RingTensor b, final RingTensor c, final RingTensor out) {
        KernelChecks.mulAdd(a, b, c, out);
        try {
            CpuKernels.mulAdd(config, address(a), address(b), address(c), address(out), out.numel());
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(b);
            Reference.reachabilityFence(c);
            Reference.reachabilityFence(out);
        }
    }

    @Override
    public void neg(final RingTensor a, final RingTensor out) {
        KernelChecks.sameShape("neg", a, out);
        unary(CpuKernels.NEG, a, 0, out);
    }

    @Override
    public void addScalar(final RingTensor a, final long s, final RingTensor out) {
        KernelChecks.sameShape("addScalar", a, out);
        unary(CpuKernels.ADD_SCALAR, a, s, out);
    }

    @Override
    public void mulScalar(final RingTensor a, final long s, final RingTensor out) {
        KernelChecks.sameShape("mulScalar", a, out);
        unary(CpuKernels.MUL_SCALAR, a, s, out);
    }

    @Override
    public void copy(final RingTensor a, final RingTensor out) {
        KernelChecks.sameNumel("copy", a, out);
        unary(CpuKernels.COPY, a, 0, out);
    }

    // ---------------------------------------------------------------- bitwise and shifts

    @Override
    public void and(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("and", CpuKernels.AND, a, b, out);
    }

    @Override
    public void or(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("or", CpuKernels.OR, a, b, out);
    }

    @Override
    public void xor(final RingTensor a, final RingTensor b, final RingTensor out) {
        binary("xor", CpuKernels.XOR, a, b, out);
    }

    @Override
    public void not(final RingTensor a, final RingTensor out) {
        KernelChecks.sameShape("not", a, out);
        unary(CpuKernels.NOT, a, 0, out);
    }

    @Override
    public void shiftLeft(final RingTensor a, final int bits, final RingTensor out) {
        KernelChecks.sameShape("shiftLeft", a, out);
        KernelChecks.bitIndex("shiftLeft", "bits", bits);
        unary(CpuKernels.SHIFT_LEFT, a, bits, out);
    }

    @Override
    public void shiftRight(final RingTensor a, final int bits, final RingTensor out) {
        KernelChecks.sameShape("shiftRight", a, out);
        KernelChecks.bitIndex("shiftRight", "bits", bits);
        unary(CpuKernels.SHIFT_RIGHT, a, bits, out);
    }

    @Override
    public void shiftRightLogical(final RingTensor a, final int bits, final RingTensor out) {
        KernelChecks.sameShape("shiftRightLogical", a, out);
        KernelChecks.bitIndex("shiftRightLogical", "bits", bits);
        unary(CpuKernels.SHIFT_RIGHT_LOGICAL, a, bits, out);
    }

    // ---------------------------------------------------------------- bit extraction and packing

    @Override
    public void extractBit(final RingTensor a, final int bit, final RingTensor out) {
        KernelChecks.sameShape("extractBit", a, out);
        KernelChecks.bitIndex("extractBit", "bit", bit);
        unary(CpuKernels.EXTRACT_BIT, a, bit, out);
    }

    @Override
    public void packBits(final RingTensor a, final RingTensor out) {
        KernelChecks.packBits(a, out);
        try {
            CpuKernels.packBits(config, address(a), address(out), a.numel());
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(out);
        }
    }

    @Override
    public void unpackBits(final RingTensor packed, final RingTensor out) {
        KernelChecks.unpackBits(packed, out);
        try {
            CpuKernels.unpackBits(config, address(packed), address(out), out.numel());
        } finally {
            Reference.reachabilityFence(packed);
            Reference.reachabilityFence(out);
        }
    }

    @Override
    public void toBitPlanes(final RingTensor a, final RingTensor out) {
        KernelChecks.toBitPlanes(a, out);
        try {
            CpuKernels.toBitPlanes(config, address(a), address(out), a.numel());
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(out);
        }
    }

    @Override
    public void fromBitPlanes(final RingTensor planes, final RingTensor out) {
        KernelChecks.fromBitPlanes(planes, out);
        try {
            CpuKernels.fromBitPlanes(config, address(planes), address(out), out.numel());
        } finally {
            Reference.reachabilityFence(planes);
            Reference.reachabilityFence(out);
        }
    }

    // ---------------------------------------------------------------- fixed point

    @Override
    public void truncate(final RingTensor a, final int fracBits, final RingTensor out) {
        KernelChecks.sameShape("truncate", a, out);
        KernelChecks.bitIndex("truncate", "fracBits", fracBits);
        unary(CpuKernels.SHIFT_RIGHT, a, fracBits, out);
    }

    @Override
    public void truncateMasked(final RingTensor opened, final RingTensor rHigh, final RingTensor rMsb,
                               final int bits, final boolean first, final RingTensor out) {
        KernelChecks.truncateMasked(opened, rHigh, rMsb, bits, out);
        try {
            CpuKernels.truncateMasked(config, address(opened), address(rHigh), address(rMsb), bits, first,
                address(out), out.numel());
        } finally {
            Reference.reachabilityFence(opened);
            Reference.reachabilityFence(rHigh);
            Reference.reachabilityFence(rMsb);
            Reference.reachabilityFence(out);
        }
    }

    @Override
    public void encode(final double[] src, final int srcOffset, final int fracBits, final RingTensor out) {
        KernelChecks.encode(src.length, srcOffset, fracBits, out);
        final long bad;
        try {
            bad = CpuKernels.encodeDouble(config, src, srcOffset, fracBits, address(out), out.numel());
        } finally {
            Reference.reachabilityFence(out);
        }
        if (bad >= 0) {
            final int index = srcOffset + (int) bad;
            // Throws the reference's exception for this value and index; returning means the kernel disagreed.
            FixedPoint.encode(src[index], index, fracBits);
            throw new IllegalStateException("native encode rejected a value the reference accepts, index=" + index);
        }
    }

    @Override
    public void encode(final float[] src, final int srcOffset, final int fracBits, final RingTensor out) {
        KernelChecks.encode(src.length, srcOffset, fracBits, out);
        final long bad;
        try {
            bad = CpuKernels.encodeFloat(config, src, srcOffset, fracBits, address(out), out.numel());
        } finally {
            Reference.reachabilityFence(out);
        }
        if (bad >= 0) {
            final int index = srcOffset + (int) bad;
            FixedPoint.encode(src[index], index, fracBits);
            throw new IllegalStateException("native encode rejected a value the reference accepts, index=" + index);
        }
    }

    @Override
    public void decode(final RingTensor a, final int fracBits, final double[] dst, final int dstOffset) {
        KernelChecks.decode(a, fracBits, dst.length, dstOffset);
        try {
            CpuKernels.decodeDouble(config, address(a), fracBits, dst, dstOffset, a.numel());
        } finally {
            Reference.reachabilityFence(a);
        }
    }

    @Override
    public void decode(final RingTensor a, final int fracBits, final float[] dst, final int dstOffset) {
        KernelChecks.decode(a, fracBits, dst.length, dstOffset);
        try {
            CpuKernels.decodeFloat(config, address(a), fracBits, dst, dstOffset, a.numel());
        } finally {
            Reference.reachabilityFence(a);
        }
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public void matmul(final RingTensor a, final RingTensor b, final RingTensor out, final boolean transposeA,
                       final boolean transposeB) {
        final KernelChecks.Matmul d = KernelChecks.matmul(a, b, out, transposeA, transposeB);
        try {
            CpuKernels.matmul(config, address(a), address(b), address(out), d.batch(), d.m(), d.n(), d.k(),
                transposeA, transposeB, d.sharedB());
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(b);
            Reference.reachabilityFence(out);
        }
    }

    @Override
    public void conv2d(final RingTensor input, final RingTensor weight, final Conv2dSpec spec, final RingTensor out) {
        final KernelChecks.Conv g = KernelChecks.conv2d(input, weight, spec, out);
        try {
            CpuKernels.conv2d(config, address(input), address(weight), address(out), g.batch(), g.inChannels(),
                g.inH(), g.inW(), g.outChannels(), g.kernelH(), g.kernelW(), g.strideH(), g.strideW(), g.padH(),
                g.padW(), g.outH(), g.outW());
        } finally {
            Reference.reachabilityFence(input);
            Reference.reachabilityFence(weight);
            Reference.reachabilityFence(out);
        }
    }

    @Override
    public void conv2dBackwardInput(final RingTensor gradOut, final RingTensor weight, final Conv2dSpec spec,
                                    final RingTensor gradInput) {
        final KernelChecks.Conv g = KernelChecks.conv2dBackwardInput(gradOut, weight, spec, gradInput);
        try {
            CpuKernels.conv2dBackwardInput(config, address(gradOut), address(weight), address(gradInput), g.batch(),
                g.inChannels(), g.inH(), g.inW(), g.outChannels(), g.kernelH(), g.kernelW(), g.strideH(),
                g.strideW(), g.padH(), g.padW(), g.outH(), g.outW());
        } finally {
            Reference.reachabilityFence(gradOut);
            Reference.reachabilityFence(weight);
            Reference.reachabilityFence(gradInput);
        }
    }

    @Override
    public void conv2dBackwardWeight(final RingTensor input, final RingTensor gradOut, final Conv2dSpec spec,
                                     final RingTensor gradWeight) {
        final KernelChecks.Conv g = KernelChecks.conv2dBackwardWeight(input, gradOut, spec, gradWeight);
        try {
            CpuKernels.conv2dBackwardWeight(config, address(input), address(gradOut), address(gradWeight),
                g.batch(), g.inChannels(), g.inH(), g.inW(), g.outChannels(), g.kernelH(), g.kernelW(),
                g.strideH(), g.strideW(), g.padH(), g.padW(), g.outH(), g.outW());
        } finally {
            Reference.reachabilityFence(input);
            Reference.reachabilityFence(gradOut);
            Reference.reachabilityFence(gradWeight);
        }
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public void sum(final RingTensor a, final int axis, final RingTensor out) {
        final KernelChecks.Sum s = KernelChecks.sum(a, axis, out);
        try {
            CpuKernels.sum(config, address(a), address(out), s.outer(), s.axisSize(), s.inner());
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(out);
        }
    }

    // ---------------------------------------------------------------- randomness

    @Override
    public void aesCtrFill(final byte[] key, final long nonce, final long firstBlock, final RingTensor out) {
        KernelChecks.aesCtrFill(key, out);
        try {
            CpuKernels.aesCtrFill(config, key, nonce, firstBlock, address(out), out.numel());
        } finally {
            Reference.reachabilityFence(out);
        }
    }

    // ---------------------------------------------------------------- helpers

    private void binary(final String name, final int op, final RingTensor a, final RingTensor b,
                        final RingTensor out) {
        final KernelChecks.Broadcast plan = KernelChecks.broadcast(name, a, b, out);
        try {
            if (plan.sameShape()) {
                CpuKernels.binary(config, op, address(a), address(b), address(out), plan.numel());
            } else if (plan.numel() > 0) {
                final int rank = plan.rank();
                final int[] shape = plan.shape();
                final long[] geometry = new long[3 * rank];
                for (int i = 0; i < rank; i++) {
                    geometry[i] = shape[i];
                }
                System.arraycopy(plan.stridesA(), 0, geometry, rank, rank);
                System.arraycopy(plan.stridesB(), 0, geometry, 2 * rank, rank);
                CpuKernels.binaryBroadcast(config, op, address(a), address(b), address(out), rank, geometry);
            }
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(b);
            Reference.reachabilityFence(out);
        }
    }

    private void unary(final int op, final RingTensor a, final long scalar, final RingTensor out) {
        try {
            CpuKernels.unary(config, op, address(a), scalar, address(out), a.numel());
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(out);
        }
    }

    /** The tensor's off-heap address; fails with IllegalStateException when the tensor is closed. */
    private static long address(final RingTensor t) {
        return t.buffer().addressOffset();
    }

    private static NativeLibrary loaded() {
        final NativeLibrary lib = NativeLibrary.get();
        if (lib.failure().isPresent()) {
            throw new IllegalStateException(NAME + " is not available: " + lib.failure().get());
        }
        return lib;
    }

    /** The pool size the settings ask for. */
    static int configuredThreads() {
        final String value = setting(THREADS_PROPERTY, THREADS_ENVIRONMENT);
        if (value == null) {
            return Math.max(1, Runtime.getRuntime().availableProcessors());
        }
        try {
            final int threads = Integer.parseInt(value.trim());
            if (threads >= 1 && threads <= 1024) {
                return threads;
            }
        } catch (final NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("invalid native thread count, " + THREADS_PROPERTY + "="
            + UntrustedText.quote(value) + ", expected an integer in [1, 1024]");
    }

    /** The SIMD level the settings ask for, or {@code max} when none is set. */
    static SimdLevel configuredLevel(final SimdLevel max) {
        final String value = setting(SIMD_PROPERTY, SIMD_ENVIRONMENT);
        if (value == null) {
            return max;
        }
        final SimdLevel level;
        try {
            level = SimdLevel.parse(value);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown SIMD level, " + SIMD_PROPERTY + "="
                + UntrustedText.quote(value) + ", accepted=scalar, avx2, avx512", e);
        }
        if (level.ordinal() > max.ordinal()) {
            throw new IllegalArgumentException(SIMD_PROPERTY + "=" + level.label()
                + " asks for more than this CPU supports, best=" + max.label());
        }
        return level;
    }

    private static String setting(final String property, final String environment) {
        final String p = System.getProperty(property);
        if (p != null && !p.isBlank()) {
            return p;
        }
        final String e = System.getenv(environment);
        return e != null && !e.isBlank() ? e : null;
    }
}
