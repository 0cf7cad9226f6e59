// The ring kernels over Z_2^64, one table per instruction-set level.
//
// kernels_impl.h is compiled three times (kernels_scalar.cpp, kernels_avx2.cpp, kernels_avx512.cpp), each with its
// own -m flags and its own namespace; each translation unit exports only one constant table of function pointers.
// jni_entry.cpp picks a table at run time from what the CPU reports, so the library runs on any x86-64 CPU.
//
// Callers (the Java side) have validated every shape: kernels trust their sizes and never fail.
#pragma once

#include <cstdint>

namespace obscura {

using u64 = uint64_t;

// Operation codes; they match the constants in CpuKernels.java.
enum BinaryOp : int { kAdd = 0, kSub = 1, kMul = 2, kAnd = 3, kOr = 4, kXor = 5 };
enum UnaryOp : int {
    kNeg = 0,
    kNot = 1,
    kAddScalar = 2,
    kMulScalar = 3,
    kCopy = 4,
    kShiftLeft = 5,
    kShiftRight = 6,          // arithmetic
    kShiftRightLogical = 7,
    kExtractBit = 8,
};

// out = op(a) · op(b) for `batch` matrices: element (i, p) of op(a) of batch t is a[t * batch_a + i * rsa + p * csa],
// element (p, j) of op(b) is b[t * batch_b + p * rsb + j * csb] (batch_b = 0 shares b), out is row-major [batch, m, n].
struct MatmulProblem {
    int64_t batch, m, n, k;
    const u64* a;
    int64_t rsa, csa, batch_a;
    const u64* b;
    int64_t rsb, csb, batch_b;
    u64* c;
};

// C (m x n, row stride ldc) = (accumulate ? C : 0) + A · B, where A[i, p] = a[i * rsa + p * csa] and
// B[p, j] = b[p * rsb + j * csb], on at most `threads` threads (the caller included). Every matrix product and
// convolution goes through one of these; jni_entry.cpp picks which (GemmPath) per backend configuration.
using GemmFn = void (*)(int64_t m, int64_t n, int64_t k, const u64* a, int64_t rsa, int64_t csa, const u64* b,
                        int64_t rsb, int64_t csb, u64* c, int64_t ldc, bool accumulate, int threads);

// Geometry of a 2-D convolution: input [n, c, h, w], weight [o, c, kh, kw], output [n, o, oh, ow]. The window kernels
// use it for the windows of a pooling (dev.obscura.backend.WindowGeometry), with o = 0.
struct ConvGeometry {
    int64_t n, c, h, w, o, kh, kw, sh, sw, ph, pw, oh, ow;
};

struct KernelTable {
    const char* name;
    void (*binary)(int op, const u64* a, const u64* b, u64* out, int64_t n, int threads);
    // out has `rank` axes of sizes shape[]; a and b are read with strides sa[] and sb[] (0 on broadcast axes).
    void (*binary_broadcast)(int op, const u64* a, const u64* b, u64* out, int rank, const int64_t* shape,
                             const int64_t* sa, const int64_t* sb, int threads);
    void (*unary)(int op, const u64* a, u64 scalar, u64* out, int64_t n, int threads);
    // out = a * b + c; out may be any input itself.
    void (*mul_add)(const u64* a, const u64* b, const u64* c, u64* out, int64_t n, int threads);
    // The local step of the exact truncation (Backend.truncateMasked), 1 <= bits <= 62; out may be any input.
    void (*truncate_masked)(const u64* opened, const u64* r_high, const u64* r_msb, int bits, bool first, u64* out,
                            int64_t n, int threads);
    void (*pack_bits)(const u64* a, u64* out, int64_t n, int threads);
    void (*unpack_bits)(const u64* packed, u64* out, int64_t n, int threads);
    void (*to_bit_planes)(const u64* a, u64* out, int64_t n, int threads);
    void (*from_bit_planes)(const u64* planes, u64* out, int64_t n, int threads);
    // Return the index of the first value out of range, or -1.
    int64_t (*encode_f64)(const double* src, int frac_bits, u64* out, int64_t n, int threads);
    int64_t (*encode_f32)(const float* src, int frac_bits, u64* out, int64_t n, int threads);
    void (*decode_f64)(const u64* a, int frac_bits, double* dst, int64_t n, int threads);
    void (*decode_f32)(const u64* a, int frac_bits, float* dst, int64_t n, int threads);
    // a is [outer, len, inner], out is [outer, inner].
    void (*sum_axis)(const u64* a, u64* out, int64_t outer, int64_t len, int64_t inner, int threads);
    // This level's own GEMM over whole 64-bit words (vpmullq under AVX-512, 32-bit multiplies under AVX2).
    GemmFn gemm;
    // The products below run their GEMMs on `gemm`, which need not be this table's own (see GemmPath).
    void (*matmul)(const MatmulProblem& p, GemmFn gemm, int threads);
    void (*conv2d)(const u64* input, const u64* weight, u64* out, const ConvGeometry& g, GemmFn gemm, int threads);
    void (*conv2d_backward_input)(const u64* grad_out, const u64* weight, u64* grad_input, const ConvGeometry& g,
                                  GemmFn gemm, int threads);
    void (*conv2d_backward_weight)(const u64* input, const u64* grad_out, u64* grad_weight, const ConvGeometry& g,
                                   GemmFn gemm, int threads);
    // Backend.windowGather and Backend.windowScatterAdd: position p of window w is element
    // p * position_stride + w * window_stride of the windows' buffer (WindowLayout); input/out is [n, c, h, w].
    void (*window_gather)(const u64* input, u64* out, const ConvGeometry& g, int64_t position_stride,
                          int64_t window_stride, int threads);
    void (*window_scatter_add)(const u64* windows, u64* out, const ConvGeometry& g, int64_t position_stride,
                               int64_t window_stride, int threads);
};

// Instruction-set levels, matching SimdLevel.java.
enum Level : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

extern const KernelTable kScalarKernels;
extern const KernelTable kAvx2Kernels;
extern const KernelTable kAvx512Kernels;

// The GEMM paths, matching GemmPath.java: the three levels' own GEMMs, and the ring GEMM through 8-bit limbs
// (kernels_limb.h, docs/LIMB_GEMM.md) on AVX-512 VNNI or on AMX-INT8 tiles.
enum GemmPath : int { kGemmScalar = 0, kGemmAvx2 = 1, kGemmVpmullq = 2, kGemmVnni = 3, kGemmAmx = 4 };

// kernels_limb.cpp; call only on a CPU with AVX-512 VNNI (kLimbVnniGemm) or usable AMX-INT8 (kLimbAmxGemm, which
// is null when the compiler could not build it).
extern const GemmFn kLimbVnniGemm;
extern const GemmFn kLimbAmxGemm;

}  // namespace obscura
