package dev.obscura.cpu;

import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * Every native method of the CPU backend, bound by JavaCPP to {@code obscura_jni.h} (native/src/main/cpp).
 *
 * <p>The build runs JavaCPP's generator on this class to produce the JNI glue, and CMake compiles that glue with the
 * kernels into one library, {@code libjniobscura.so}, under {@code dev/obscura/cpu/linux-x86_64/} where
 * {@link org.bytedeco.javacpp.Loader} finds it. Tensors cross as raw addresses ({@code long}), so no JavaCPP pointer
 * type leaves this package and no call allocates.
 *
 * <p>Nothing here checks anything: {@link NativeCpuBackend} validates every argument first. {@code config} packs the
 * instruction-set level (bits 0-3), the software-AES switch (bit 4), the {@link GemmPath} (bits 5-7) and the thread
 * limit (bits 8 and up).
 */
@Platform(include = "obscura_jni.h", library = "jniobscura")
@Namespace("obscura::jni")
final class CpuKernels {
    static final int ADD = 0;
    static final int SUB = 1;
    static final int MUL = 2;
    static final int AND = 3;
    static final int OR = 4;
    static final int XOR = 5;

    static final int NEG = 0;
    static final int NOT = 1;
    static final int ADD_SCALAR = 2;
    static final int MUL_SCALAR = 3;
    static final int COPY = 4;
    static final int SHIFT_LEFT = 5;
    static final int SHIFT_RIGHT = 6;
    static final int SHIFT_RIGHT_LOGICAL = 7;
    static final int EXTRACT_BIT = 8;

    /** Bit of {@link #features()}: AES-NI. */
    static final int FEATURE_AES = 1;
    /** Bit of {@link #features()}: VAES. */
    static final int FEATURE_VAES = 2;
    /** Bit of {@link #features()}: AVX-512 VNNI beside the AVX-512 level, so the VNNI limb GEMM runs. */
    static final int FEATURE_AVX512_VNNI = 4;

    /** Values of {@link #aesImpl(int)}. */
    static final String[] AES_IMPLS = {"software-aes", "aes-ni", "vaes256", "vaes512"};

    private CpuKernels() {
    }

    /** The highest {@link SimdLevel} ordinal this CPU runs. */
    static native int maxLevel();

    static native int features();

    /** 0 when the AMX limb GEMM runs here, else why not (NativeLibrary's reasons, cpu_features.h AmxState). */
    static native int amxState();

    /** CPUID vendor (0 other, 1 Intel, 2 AMD) {@code << 20 |} display family {@code << 8 |} display model. */
    static native int cpuSignature();

    /** Creates the process-wide thread pool unless it exists; returns its size. */
    static native int initPool(int threads);

    static native int poolSize();

    /** Which AES implementation a configuration uses, an index into {@link #AES_IMPLS}. */
    static native int aesImpl(int config);

    static native void binary(int config, int op, @Cast("const uint64_t*") long a, @Cast("const uint64_t*") long b,
                              @Cast("uint64_t*") long out, long n);

    @CriticalRegion
    static native void binaryBroadcast(int config, int op, @Cast("const uint64_t*") long a,
                                       @Cast("const uint64_t*") long b, @Cast("uint64_t*") long out, int rank,
                                       @Cast("const int64_t*") long[] geometry);

    static native void unary(int config, int op, @Cast("const uint64_t*") long a, @Cast("uint64_t") long scalar,
                             @Cast("uint64_t*") long out, long n);

    /** {@code out = a * b + c} over {@code n} elements; {@code out} may be any input itself. */
    static native void mulAdd(int config, @Cast("const uint64_t*") long a, @Cast("const uint64_t*") long b,
                              @Cast("const uint64_t*") long c, @Cast("uint64_t*") long out, long n);

    /** The local truncation step of {@code Backend.truncateMasked}; {@code out} may be any input itself. */
    static native void truncateMasked(int config, @Cast("const uint64_t*") long opened,
                                      @Cast("const uint64_t*") long rHigh, @Cast("const uint64_t*") long rMsb,
                                      int bits, boolean first, @Cast("uint64_t*") long out, long n);

    static native void packBits(int config, @Cast("const uint64_t*") long a, @Cast("uint64_t*") long out, long n);

    static native void unpackBits(int config, @Cast("const uint64_t*") long packed, @Cast("uint64_t*") long out,
                                  long n);

    static native void toBitPlanes(int config, @Cast("const uint64_t*") long a, @Cast("uint64_t*") long out, long n);

    static native void fromBitPlanes(int config, @Cast("const uint64_t*") long planes, @Cast("uint64_t*") long out,
                                     long n);

    /** Returns the index (relative to {@code srcOffset}) of the first value that cannot be encoded, or -1. */
    @CriticalRegion
    static native long encodeDouble(int config, @Cast("const double*") double[] src, int srcOffset, int fracBits,
                                    @Cast("uint64_t*") long out, long n);

    @CriticalRegion
    static native long encodeFloat(int config, @Cast("const float*") float[] src, int srcOffset, int fracBits,
                                   @Cast("uint64_t*") long out, long n);

    @CriticalRegion
    static native void decodeDouble(int config, @Cast("const uint64_t*") long a, int fracBits, double[] dst,
                                    int dstOffset, long n);

    @CriticalRegion
    static native void decodeFloat(int config, @Cast("const uint64_t*") long a, int fracBits, float[] dst,
                                   int dstOffset, long n);

    static native void sum(int config, @Cast("const uint64_t*") long a, @Cast("uint64_t*") long out, long outer,
                           long len, long inner);

    static native void matmul(int config, @Cast("const uint64_t*") long a, @Cast("const uint64_t*") long b,
                              @Cast("uint64_t*") long out, long batch, long m, long n, long k, boolean transposeA,
                              boolean transposeB, boolean shareB);

    /** {@code geometry} is the int[13] of {@link NativeCpuBackend}'s {@code geometry}: n, c, h, w, o, kh, kw, ... */
    static native void conv2d(int config, @Cast("const uint64_t*") long input, @Cast("const uint64_t*") long weight,
                              @Cast("uint64_t*") long out, @Cast("const int32_t*") int[] geometry);

    static native void conv2dBackwardInput(int config, @Cast("const uint64_t*") long gradOut,
                                           @Cast("const uint64_t*") long weight, @Cast("uint64_t*") long gradInput,
                                           @Cast("const int32_t*") int[] geometry);

    static native void conv2dBackwardWeight(int config, @Cast("const uint64_t*") long input,
                                            @Cast("const uint64_t*") long gradOut,
                                            @Cast("uint64_t*") long gradWeight, @Cast("const int32_t*") int[] geometry);

    /** Position p of window w is element {@code p * positionStride + w * windowStride} of {@code out}. */
    static native void windowGather(int config, @Cast("const uint64_t*") long input, @Cast("uint64_t*") long out,
                                    @Cast("const int32_t*") int[] geometry, long positionStride, long windowStride);

    static native void windowScatterAdd(int config, @Cast("const uint64_t*") long windows,
                                        @Cast("uint64_t*") long out, @Cast("const int32_t*") int[] geometry,
                                        long positionStride, long windowStride);

    @CriticalRegion
    static native void aesCtrFill(int config, @Cast("const uint8_t*") byte[] key, @Cast("uint64_t") long nonce,
                                  @Cast("uint64_t") long firstBlock, @Cast("uint64_t*") long out, long n);

    /**
     * Calls OpenBLAS's {@code cblas_sgemm} at address {@code sgemm} in row-major order on slices of Java arrays,
     * which stay pinned (not copied) for the call. {@link OpenBlasFloatGemm} has checked every bound; {@code m},
     * {@code n} and every leading dimension are at least 1 ({@code k} may be 0).
     */
    @CriticalRegion
    static native void sgemm(@Cast("const void*") long sgemm, boolean transA, boolean transB, int m, int n, int k,
                             @Cast("const float*") float[] a, int aOff, int lda, @Cast("const float*") float[] b,
                             int bOff, int ldb, float[] c, int cOff, int ldc, float beta);
}
