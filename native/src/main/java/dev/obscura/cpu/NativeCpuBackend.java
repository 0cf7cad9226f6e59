package dev.obscura.cpu;

import static dev.obscura.cpu.NativeCalls.call;
import static dev.obscura.cpu.NativeCalls.callForLong;
import static dev.obscura.cpu.NativeCalls.geometry;

import dev.obscura.backend.Backend;
import dev.obscura.backend.Conv2dSpec;
import dev.obscura.backend.KernelChecks;
import dev.obscura.backend.WindowGeometry;
import dev.obscura.backend.WindowLayout;
import dev.obscura.ring.FixedPoint;
import dev.obscura.ring.RingTensor;
import java.util.Arrays;
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
 *   <li>{@value #MATMUL_PROPERTY} / {@value #MATMUL_ENVIRONMENT}: the {@link GemmPath} of every matrix product and
 *       convolution, {@code scalar}, {@code avx2}, {@code vpmullq}, {@code vnni} or {@code amx}; default AMX where it
 *       runs (at the AVX-512 level), else the level's own. Again a path the CPU lacks is an error.</li>
 *   <li>{@value #THREADS_PROPERTY} / {@value #THREADS_ENVIRONMENT}: the size of the shared pool, the calling thread
 *       included; default the available processors. Read once, when the library loads.</li>
 * </ul>
 *
 * <p>Every argument is checked by {@link KernelChecks} in Java before any native call, so the kernels only ever
 * see valid shapes and open tensors; {@code NativeCalls} keeps the tensors alive while the kernels use their
 * memory. AES-CTR uses AES-NI (VAES on AVX2 and AVX-512 levels) whenever the CPU has it, whatever the level, and a
 * constant-time software AES otherwise.
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
    /** System property choosing the GEMM path. */
    public static final String MATMUL_PROPERTY = "obscura.matmul";
    /** Environment variable choosing the GEMM path when the property is not set. */
    public static final String MATMUL_ENVIRONMENT = "OBSCURA_MATMUL";
    /** System property sizing the native thread pool. */
    public static final String THREADS_PROPERTY = "obscura.threads";
    /** Environment variable sizing the native thread pool when the property is not set. */
    public static final String THREADS_ENVIRONMENT = "OBSCURA_THREADS";

    private final NativeConfig settings;
    private final int config;
    private final String description;

    private NativeCpuBackend(final NativeConfig settings) {
        this.settings = settings;
        this.config = settings.word();
        this.description = settings.description();
    }

    /** Empty when this backend can run here with the current settings, else why not, in one line. */
    public static Optional<String> unavailableReason() {
        final NativeLibrary lib = NativeLibrary.get();
        if (lib.failure().isPresent()) {
            return lib.failure();
        }
        try {
            NativeConfig.fromSettings(lib);
            return Optional.empty();
        } catch (final IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * The backend the settings ask for: the configured (or best) SIMD level and GEMM path on the whole pool.
     *
     * @throws IllegalStateException when it cannot run here, with {@link #unavailableReason()}
     */
    public static NativeCpuBackend create() {
        final NativeLibrary lib = loaded();
        try {
            return new NativeCpuBackend(NativeConfig.fromSettings(lib));
        } catch (final IllegalArgumentException e) {
            throw new IllegalStateException(NAME + " is not available: " + e.getMessage(), e);
        }
    }

    /**
     * A backend with an explicit SIMD level, the level's own GEMM ({@link GemmPath#ofLevel}) and a thread limit, for
     * tests and benchmarks that compare them.
     *
     * @param threads at most this many threads per call (the caller included); more than the pool has means all
     * @throws IllegalArgumentException when the CPU cannot run {@code level} or {@code threads} is below 1
     * @throws IllegalStateException    when the native library cannot be loaded
     */
    public static NativeCpuBackend create(final SimdLevel level, final int threads) {
        return create(level, GemmPath.ofLevel(level), threads);
    }

    /** As {@link #create(SimdLevel, int)} with an explicit GEMM path, which the CPU must run too. */
    public static NativeCpuBackend create(final SimdLevel level, final GemmPath gemmPath, final int threads) {
        return create(level, gemmPath, threads, false);
    }

    /** As {@link #create(SimdLevel, GemmPath, int)}, optionally forcing the software AES (to test it on any CPU). */
    static NativeCpuBackend create(final SimdLevel level, final GemmPath gemmPath, final int threads,
                                   final boolean softwareAes) {
        return new NativeCpuBackend(NativeConfig.of(loaded(), level, gemmPath, threads, softwareAes));
    }

    /**
     * Empty when this CPU runs {@code path}, else why not, in one line (also when the library cannot be loaded). The
     * conformance tests print it when they skip a path.
     */
    public static Optional<String> gemmPathUnavailableReason(final GemmPath path) {
        final NativeLibrary lib = NativeLibrary.get();
        return lib.failure().isPresent() ? lib.failure() : lib.gemmPathUnavailable(path);
    }

    /** The SIMD levels this CPU runs, lowest first; empty when the library cannot be loaded. */
    public static List<SimdLevel> supportedLevels() {
        final NativeLibrary lib = NativeLibrary.get();
        return Arrays.stream(SimdLevel.values())
            .filter(l -> lib.failure().isEmpty() && l.ordinal() <= lib.maxLevel().ordinal()).toList();
    }

    /** The GEMM paths this CPU runs, in {@link GemmPath} order; empty when the library cannot be loaded. */
    public static List<GemmPath> supportedGemmPaths() {
        return Arrays.stream(GemmPath.values()).filter(p -> gemmPathUnavailableReason(p).isEmpty()).toList();
    }

    /** Size of the shared native thread pool (1 when the library cannot be loaded). */
    public static int poolSize() {
        return NativeLibrary.get().poolSize();
    }

    /** The SIMD level this instance runs. */
    public SimdLevel level() {
        return settings.level();
    }

    /** The GEMM path of this instance's matrix products and convolutions. */
    public GemmPath gemmPath() {
        return settings.gemmPath();
    }

    /** The most threads one call of this instance uses, the caller included. */
    public int threads() {
        return settings.threads();
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
        final long n = out.numel();
        call(a, b, c, out, (x, y, z, o) -> CpuKernels.mulAdd(config, x, y, z, o, n));
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
        final long n = a.numel();
        call(a, out, (x, o) -> CpuKernels.packBits(config, x, o, n));
    }

    @Override
    public void unpackBits(final RingTensor packed, final RingTensor out) {
        KernelChecks.unpackBits(packed, out);
        final long n = out.numel();
        call(packed, out, (p, o) -> CpuKernels.unpackBits(config, p, o, n));
    }

    @Override
    public void toBitPlanes(final RingTensor a, final RingTensor out) {
        KernelChecks.toBitPlanes(a, out);
        final long n = a.numel();
        call(a, out, (x, o) -> CpuKernels.toBitPlanes(config, x, o, n));
    }

    @Override
    public void fromBitPlanes(final RingTensor planes, final RingTensor out) {
        KernelChecks.fromBitPlanes(planes, out);
        final long n = out.numel();
        call(planes, out, (p, o) -> CpuKernels.fromBitPlanes(config, p, o, n));
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
        final long n = out.numel();
        call(opened, rHigh, rMsb, out, (c, h, m, o) -> CpuKernels.truncateMasked(config, c, h, m, bits, first, o, n));
    }

    @Override
    public void encode(final double[] src, final int srcOffset, final int fracBits, final RingTensor out) {
        KernelChecks.encode(src.length, srcOffset, fracBits, out);
        final long n = out.numel();
        final long bad = callForLong(out, o -> CpuKernels.encodeDouble(config, src, srcOffset, fracBits, o, n));
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
        final long n = out.numel();
        final long bad = callForLong(out, o -> CpuKernels.encodeFloat(config, src, srcOffset, fracBits, o, n));
        if (bad >= 0) {
            final int index = srcOffset + (int) bad;
            FixedPoint.encode(src[index], index, fracBits);
            throw new IllegalStateException("native encode rejected a value the reference accepts, index=" + index);
        }
    }

    @Override
    public void decode(final RingTensor a, final int fracBits, final double[] dst, final int dstOffset) {
        KernelChecks.decode(a, fracBits, dst.length, dstOffset);
        final long n = a.numel();
        call(a, x -> CpuKernels.decodeDouble(config, x, fracBits, dst, dstOffset, n));
    }

    @Override
    public void decode(final RingTensor a, final int fracBits, final float[] dst, final int dstOffset) {
        KernelChecks.decode(a, fracBits, dst.length, dstOffset);
        final long n = a.numel();
        call(a, x -> CpuKernels.decodeFloat(config, x, fracBits, dst, dstOffset, n));
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public void matmul(final RingTensor a, final RingTensor b, final RingTensor out, final boolean transposeA,
                       final boolean transposeB) {
        final KernelChecks.Matmul d = KernelChecks.matmul(a, b, out, transposeA, transposeB);
        call(a, b, out, (x, y, o) -> CpuKernels.matmul(config, x, y, o, d.batch(), d.m(), d.n(), d.k(), transposeA,
            transposeB, d.sharedB()));
    }

    @Override
    public void conv2d(final RingTensor input, final RingTensor weight, final Conv2dSpec spec, final RingTensor out) {
        final KernelChecks.Conv c = KernelChecks.conv2d(input, weight, spec, out);
        call(input, weight, out, (x, w, o) -> CpuKernels.conv2d(config, x, w, o, geometry(c.window(),
            c.outChannels())));
    }

    @Override
    public void conv2dBackwardInput(final RingTensor gradOut, final RingTensor weight, final Conv2dSpec spec,
                                    final RingTensor gradInput) {
        final KernelChecks.Conv c = KernelChecks.conv2dBackwardInput(gradOut, weight, spec, gradInput);
        call(gradOut, weight, gradInput, (go, w, gi) -> CpuKernels.conv2dBackwardInput(config, go, w, gi,
            geometry(c.window(), c.outChannels())));
    }

    @Override
    public void conv2dBackwardWeight(final RingTensor input, final RingTensor gradOut, final Conv2dSpec spec,
                                     final RingTensor gradWeight) {
        final KernelChecks.Conv c = KernelChecks.conv2dBackwardWeight(input, gradOut, spec, gradWeight);
        call(input, gradOut, gradWeight, (x, go, gw) -> CpuKernels.conv2dBackwardWeight(config, x, go, gw,
            geometry(c.window(), c.outChannels())));
    }

    // ---------------------------------------------------------------- windows

    @Override
    public void windowGather(final RingTensor input, final WindowGeometry window, final WindowLayout layout,
                             final RingTensor out) {
        KernelChecks.windowGather(input, window, layout, out);
        call(input, out, (x, o) -> CpuKernels.windowGather(config, x, o, geometry(window, 0),
            layout.positionStride(window), layout.windowStride(window)));
    }

    @Override
    public void windowScatterAdd(final RingTensor windows, final WindowGeometry window, final WindowLayout layout,
                                 final RingTensor out) {
        KernelChecks.windowScatterAdd(windows, window, layout, out);
        call(windows, out, (w, o) -> CpuKernels.windowScatterAdd(config, w, o, geometry(window, 0),
            layout.positionStride(window), layout.windowStride(window)));
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public void sum(final RingTensor a, final int axis, final RingTensor out) {
        final KernelChecks.Sum d = KernelChecks.sum(a, axis, out);
        call(a, out, (x, o) -> CpuKernels.sum(config, x, o, d.outer(), d.axisSize(), d.inner()));
    }

    // ---------------------------------------------------------------- randomness

    @Override
    public void aesCtrFill(final byte[] key, final long nonce, final long firstBlock, final RingTensor out) {
        KernelChecks.aesCtrFill(key, out);
        final long n = out.numel();
        call(out, o -> CpuKernels.aesCtrFill(config, key, nonce, firstBlock, o, n));
    }

    // ---------------------------------------------------------------- helpers

    private void binary(final String name, final int op, final RingTensor a, final RingTensor b,
                        final RingTensor out) {
        final KernelChecks.Broadcast plan = KernelChecks.broadcast(name, a, b, out);
        if (plan.sameShape()) {
            final long n = plan.numel();
            call(a, b, out, (x, y, o) -> CpuKernels.binary(config, op, x, y, o, n));
        } else if (plan.numel() > 0) {
            final int rank = plan.rank();
            final long[] geometry = new long[3 * rank];
            for (int i = 0; i < rank; i++) {
                geometry[i] = plan.shape()[i];
            }
            System.arraycopy(plan.stridesA(), 0, geometry, rank, rank);
            System.arraycopy(plan.stridesB(), 0, geometry, 2 * rank, rank);
            call(a, b, out, (x, y, o) -> CpuKernels.binaryBroadcast(config, op, x, y, o, rank, geometry));
        }
    }

    private void unary(final int op, final RingTensor a, final long scalar, final RingTensor out) {
        final long n = a.numel();
        call(a, out, (x, o) -> CpuKernels.unary(config, op, x, scalar, o, n));
    }

    private static NativeLibrary loaded() {
        final NativeLibrary lib = NativeLibrary.get();
        if (lib.failure().isPresent()) {
            throw new IllegalStateException(NAME + " is not available: " + lib.failure().get());
        }
        return lib;
    }
}
