// Decodes a backend's configuration and forwards each call to the kernel table of its instruction-set level.
#include "obscura_jni.h"

#include "aes_ctr.h"
#include "cpu_features.h"
#include "kernels.h"
#include "thread_pool.h"

namespace obscura {
namespace jni {
namespace {

// The Java side never asks for a level above cpu_max_level(); clamping anyway keeps a stale or forged config from
// executing instructions the CPU lacks.
const KernelTable& table(const int config) {
    const int level = config & 0xF;
    const int usable = level < cpu_max_level() ? level : cpu_max_level();
    switch (usable) {
        case kAvx512: return kAvx512Kernels;
        case kAvx2: return kAvx2Kernels;
        default: return kScalarKernels;
    }
}

// The GEMM path of bits 5-7 (kernels.h GemmPath), again never one the CPU lacks: such a config gets the level's own.
GemmFn gemm(const int config) {
    const CpuFeatures& f = cpu_features();
    switch ((config >> 5) & 0x7) {
        case kGemmScalar: return kScalarKernels.gemm;
        case kGemmAvx2: return f.avx2 ? kAvx2Kernels.gemm : table(config).gemm;
        case kGemmVpmullq: return f.avx512 ? kAvx512Kernels.gemm : table(config).gemm;
        case kGemmVnni: return f.avx512_vnni ? kLimbVnniGemm : table(config).gemm;
        case kGemmAmx: return f.amx == kAmxUsable ? kLimbAmxGemm : table(config).gemm;
        default: return table(config).gemm;
    }
}

int threads(const int config) {
    const int t = config >> 8;
    return t < 1 ? 1 : t;
}

ConvGeometry conv_geometry(const int32_t* g) {
    return ConvGeometry{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12]};
}

}  // namespace

int maxLevel() { return cpu_max_level(); }

int features() {
    const CpuFeatures& f = cpu_features();
    return (f.aes ? 1 : 0) | (f.vaes ? 2 : 0) | (f.avx512_vnni ? 4 : 0);
}

int amxState() { return cpu_features().amx; }

int cpuSignature() {
    const CpuFeatures& f = cpu_features();
    return (f.vendor << 20) | ((f.family & 0xFFF) << 8) | (f.model & 0xFF);
}

int initPool(const int threads) { return pool_init(threads); }

int poolSize() { return pool_size(); }

int aesImpl(const int config) {
    const CpuFeatures& f = cpu_features();
    const int level = config & 0xF;
    if ((config & 0x10) != 0 || !f.aes) {
        return kAesSoftware;
    }
    if (f.vaes && level >= kAvx512 && f.avx512) {
        return kAesVaes512;
    }
    if (f.vaes && level >= kAvx2) {
        return kAesVaes256;
    }
    return kAesNi;
}

void binary(const int config, const int op, const uint64_t* a, const uint64_t* b, uint64_t* out, const int64_t n) {
    table(config).binary(op, a, b, out, n, threads(config));
}

void binaryBroadcast(const int config, const int op, const uint64_t* a, const uint64_t* b, uint64_t* out,
                     const int rank, const int64_t* geometry) {
    table(config).binary_broadcast(op, a, b, out, rank, geometry, geometry + rank, geometry + 2 * rank,
                                   threads(config));
}

void mulAdd(const int config, const uint64_t* a, const uint64_t* b, const uint64_t* c, uint64_t* out,
            const int64_t n) {
    table(config).mul_add(a, b, c, out, n, threads(config));
}

void truncateMasked(const int config, const uint64_t* opened, const uint64_t* rHigh, const uint64_t* rMsb,
                    const int bits, const bool first, uint64_t* out, const int64_t n) {
    table(config).truncate_masked(opened, rHigh, rMsb, bits, first, out, n, threads(config));
}

void unary(const int config, const int op, const uint64_t* a, const uint64_t scalar, uint64_t* out,
           const int64_t n) {
    table(config).unary(op, a, scalar, out, n, threads(config));
}

void packBits(const int config, const uint64_t* a, uint64_t* out, const int64_t n) {
    table(config).pack_bits(a, out, n, threads(config));
}

void unpackBits(const int config, const uint64_t* packed, uint64_t* out, const int64_t n) {
    table(config).unpack_bits(packed, out, n, threads(config));
}

void toBitPlanes(const int config, const uint64_t* a, uint64_t* out, const int64_t n) {
    table(config).to_bit_planes(a, out, n, threads(config));
}

void fromBitPlanes(const int config, const uint64_t* planes, uint64_t* out, const int64_t n) {
    table(config).from_bit_planes(planes, out, n, threads(config));
}

int64_t encodeDouble(const int config, const double* src, const int srcOffset, const int fracBits, uint64_t* out,
                     const int64_t n) {
    return table(config).encode_f64(src + srcOffset, fracBits, out, n, threads(config));
}

int64_t encodeFloat(const int config, const float* src, const int srcOffset, const int fracBits, uint64_t* out,
                    const int64_t n) {
    return table(config).encode_f32(src + srcOffset, fracBits, out, n, threads(config));
}

void decodeDouble(const int config, const uint64_t* a, const int fracBits, double* dst, const int dstOffset,
                  const int64_t n) {
    table(config).decode_f64(a, fracBits, dst + dstOffset, n, threads(config));
}

void decodeFloat(const int config, const uint64_t* a, const int fracBits, float* dst, const int dstOffset,
                 const int64_t n) {
    table(config).decode_f32(a, fracBits, dst + dstOffset, n, threads(config));
}

void sum(const int config, const uint64_t* a, uint64_t* out, const int64_t outer, const int64_t len,
         const int64_t inner) {
    table(config).sum_axis(a, out, outer, len, inner, threads(config));
}

void matmul(const int config, const uint64_t* a, const uint64_t* b, uint64_t* out, const int64_t batch,
            const int64_t m, const int64_t n, const int64_t k, const bool transposeA, const bool transposeB,
            const bool shareB) {
    // a holds [m, k] row-major, or [k, m] when transposed; b holds [k, n], or [n, k] when transposed.
    MatmulProblem p{};
    p.batch = batch;
    p.m = m;
    p.n = n;
    p.k = k;
    p.a = a;
    p.rsa = transposeA ? 1 : k;
    p.csa = transposeA ? m : 1;
    p.batch_a = m * k;
    p.b = b;
    p.rsb = transposeB ? 1 : n;
    p.csb = transposeB ? k : 1;
    p.batch_b = shareB ? 0 : k * n;
    p.c = out;
    table(config).matmul(p, gemm(config), threads(config));
}

void conv2d(const int config, const uint64_t* input, const uint64_t* weight, uint64_t* out, const int32_t* g) {
    table(config).conv2d(input, weight, out, conv_geometry(g), gemm(config), threads(config));
}

void conv2dBackwardInput(const int config, const uint64_t* gradOut, const uint64_t* weight, uint64_t* gradInput,
                         const int32_t* g) {
    table(config).conv2d_backward_input(gradOut, weight, gradInput, conv_geometry(g), gemm(config), threads(config));
}

void conv2dBackwardWeight(const int config, const uint64_t* input, const uint64_t* gradOut, uint64_t* gradWeight,
                          const int32_t* g) {
    table(config).conv2d_backward_weight(input, gradOut, gradWeight, conv_geometry(g), gemm(config),
                                         threads(config));
}

void windowGather(const int config, const uint64_t* input, uint64_t* out, const int32_t* g,
                  const int64_t positionStride, const int64_t windowStride) {
    table(config).window_gather(input, out, conv_geometry(g), positionStride, windowStride, threads(config));
}

void windowScatterAdd(const int config, const uint64_t* windows, uint64_t* out, const int32_t* g,
                      const int64_t positionStride, const int64_t windowStride) {
    table(config).window_scatter_add(windows, out, conv_geometry(g), positionStride, windowStride, threads(config));
}

void aesCtrFill(const int config, const uint8_t* key, const uint64_t nonce, const uint64_t firstBlock, uint64_t* out,
                const int64_t n) {
    aes_ctr_fill(aesImpl(config), key, nonce, firstBlock, out, n, threads(config));
}

void sgemm(const void* sgemm, const bool transA, const bool transB, const int m, const int n, const int k,
           const float* a, const int aOff, const int lda, const float* b, const int bOff, const int ldb, float* c,
           const int cOff, const int ldc, const float beta) {
    // The CBLAS signature with its enums as the ints they are in the C ABI (cblas.h: CblasRowMajor = 101,
    // CblasNoTrans = 111, CblasTrans = 112) and blasint = int (OpenBLAS built without INTERFACE64, as JavaCPP's is).
    using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                                float*, int);
    constexpr int kRowMajor = 101;
    constexpr int kNoTrans = 111;
    constexpr int kTrans = 112;
    const auto fn = reinterpret_cast<CblasSgemm>(const_cast<void*>(sgemm));
    fn(kRowMajor, transA ? kTrans : kNoTrans, transB ? kTrans : kNoTrans, m, n, k, 1.0f, a + aOff, lda, b + bOff, ldb,
       beta, c + cOff, ldc);
}

}  // namespace jni
}  // namespace obscura
