// Matrix products over Z_2^64 on whole 64-bit words: the micro-kernels of each instruction-set level for the blocked
// driver of kernels_gemm.h, this level's GEMM (KernelTable::gemm) and the batched matrix product.
//
// Part of kernels_impl.h. The ring GEMM through 8-bit limbs (AVX-512 VNNI, AMX-INT8) lives beside it in
// kernels_limb.h; jni_entry.cpp chooses between them and hands the chosen GemmFn to matmul() and the convolutions.
#ifndef OBSCURA_ISA
#error "include kernels_impl.h, not kernels_matmul.h: it is compiled once per instruction-set level"
#endif

namespace obscura {
namespace OBSCURA_ISA {
namespace {

// The micro-kernel is a sequence of rank-1 updates: per k it loads NR elements of B, broadcasts MR elements of A and
// does MR * NR multiply-adds. Integers have no fused multiply-add, so each update is a low 64-bit multiply and an
// add: vpmullq under AVX-512DQ (Intel Intrinsics Guide, _mm512_mullo_epi64); AVX2 has no 64-bit multiply and
// builds the product from 32-bit ones (see its micro_kernel). This is the micro-kernel family of this level over whole
// 64-bit words, for gemm_blocked (kernels_gemm.h).
struct WordKernel {
#if OBSCURA_LEVEL == 2
    static constexpr int64_t kMR = 8;   // 8 rows x 2 zmm = 16 accumulators of the 32 zmm registers
    static constexpr int64_t kNR = 16;
#elif OBSCURA_LEVEL == 1
    // 6 rows x 1 ymm x 2 accumulators (see micro_kernel) = 12 of the 16 ymm registers
    static constexpr int64_t kMR = 6;
    static constexpr int64_t kNR = 4;
#else
    static constexpr int64_t kMR = 4;
    static constexpr int64_t kNR = 4;
#endif
    // MC x KC x 8 bytes of A (256 KiB) fit in L2 and KC x NC x 8 bytes of B (2 MiB) in L3. The KC x NR micro-panel
    // of B (32 KiB with AVX-512) fills L1; a smaller KC measured no faster, because the micro-kernel is bound by the
    // multiplier (one vpmullq per 8 multiply-adds), not by loads.
    static constexpr int64_t kKC = 256;
    static constexpr int64_t kMC = 128 / kMR * kMR;  // whole micro-panels: 128, or 126 with MR = 6
    static constexpr int64_t kNC = 1024;

    // Packs the mc x kc block A[i, p] = a[i * rsa + p * csa] into MR-row micro-panels, p-major within each panel,
    // with zero rows past mc so that the micro-kernel always computes full tiles.
    static void pack_a(const u64* a, const int64_t rsa, const int64_t csa, const int64_t mc, const int64_t kc,
                       u64* ap) {
        for (int64_t q = 0; q < mc; q += kMR, ap += kMR * kc) {
            const int64_t rows = imin(kMR, mc - q);
            const u64* src = a + q * rsa;
            if (rows == kMR && rsa == 1) {
                for (int64_t p = 0; p < kc; p++) {
                    for (int64_t i = 0; i < kMR; i++) {
                        ap[p * kMR + i] = src[p * csa + i];
                    }
                }
            } else if (rows == kMR) {
                for (int64_t p = 0; p < kc; p++) {
                    for (int64_t i = 0; i < kMR; i++) {
                        ap[p * kMR + i] = src[i * rsa + p * csa];
                    }
                }
            } else {
                for (int64_t p = 0; p < kc; p++) {
                    for (int64_t i = 0; i < kMR; i++) {
                        ap[p * kMR + i] = i < rows ? src[i * rsa + p * csa] : 0;
                    }
                }
            }
        }
    }

    // Packs the kc x nc block B[p, j] = b[p * rsb + j * csb] into NR-column micro-panels, p-major, zero-padded.
    static void pack_b(const u64* b, const int64_t rsb, const int64_t csb, const int64_t kc, const int64_t nc,
                       u64* bp) {
        for (int64_t q = 0; q < nc; q += kNR, bp += kNR * kc) {
            const int64_t cols = imin(kNR, nc - q);
            const u64* src = b + q * csb;
            if (cols == kNR && csb == 1) {
                for (int64_t p = 0; p < kc; p++) {
                    std::memcpy(bp + p * kNR, src + p * rsb, kNR * sizeof(u64));
                }
            } else if (cols == kNR) {
                for (int64_t j = 0; j < kNR; j++) {
                    for (int64_t p = 0; p < kc; p++) {
                        bp[p * kNR + j] = src[j * csb + p * rsb];
                    }
                }
            } else {
                for (int64_t p = 0; p < kc; p++) {
                    for (int64_t j = 0; j < kNR; j++) {
                        bp[p * kNR + j] = j < cols ? src[j * csb + p * rsb] : 0;
                    }
                }
            }
        }
    }

    // C[0:MR, 0:NR] (row stride ldc) = (accumulate ? C : 0) + Ap · Bp over kc steps.
#if OBSCURA_LEVEL == 2
    static void micro_kernel(const int64_t kc, const u64* ap, const u64* bp, u64* c, const int64_t ldc,
                             const bool accumulate) {
        __m512i c00 = _mm512_setzero_si512(), c01 = _mm512_setzero_si512();
        __m512i c10 = _mm512_setzero_si512(), c11 = _mm512_setzero_si512();
        __m512i c20 = _mm512_setzero_si512(), c21 = _mm512_setzero_si512();
        __m512i c30 = _mm512_setzero_si512(), c31 = _mm512_setzero_si512();
        __m512i c40 = _mm512_setzero_si512(), c41 = _mm512_setzero_si512();
        __m512i c50 = _mm512_setzero_si512(), c51 = _mm512_setzero_si512();
        __m512i c60 = _mm512_setzero_si512(), c61 = _mm512_setzero_si512();
        __m512i c70 = _mm512_setzero_si512(), c71 = _mm512_setzero_si512();
        for (int64_t p = 0; p < kc; p++, ap += kMR, bp += kNR) {
            const __m512i b0 = _mm512_load_si512(bp);
            const __m512i b1 = _mm512_load_si512(bp + 8);
            __m512i a;
#define OBSCURA_ROW(i, lo, hi)                                \
        a = _mm512_set1_epi64(static_cast<long long>(ap[i])); \
        lo = _mm512_add_epi64(lo, _mm512_mullo_epi64(a, b0)); \
        hi = _mm512_add_epi64(hi, _mm512_mullo_epi64(a, b1));
            OBSCURA_ROW(0, c00, c01)
            OBSCURA_ROW(1, c10, c11)
            OBSCURA_ROW(2, c20, c21)
            OBSCURA_ROW(3, c30, c31)
            OBSCURA_ROW(4, c40, c41)
            OBSCURA_ROW(5, c50, c51)
            OBSCURA_ROW(6, c60, c61)
            OBSCURA_ROW(7, c70, c71)
#undef OBSCURA_ROW
        }
#define OBSCURA_STORE(i, lo, hi)                                              \
        if (accumulate) {                                                     \
            lo = _mm512_add_epi64(lo, _mm512_loadu_si512(c + (i) * ldc));     \
            hi = _mm512_add_epi64(hi, _mm512_loadu_si512(c + (i) * ldc + 8)); \
        }                                                                     \
        _mm512_storeu_si512(c + (i) * ldc, lo);                               \
        _mm512_storeu_si512(c + (i) * ldc + 8, hi);
        OBSCURA_STORE(0, c00, c01)
        OBSCURA_STORE(1, c10, c11)
        OBSCURA_STORE(2, c20, c21)
        OBSCURA_STORE(3, c30, c31)
        OBSCURA_STORE(4, c40, c41)
        OBSCURA_STORE(5, c50, c51)
        OBSCURA_STORE(6, c60, c61)
        OBSCURA_STORE(7, c70, c71)
#undef OBSCURA_STORE
    }
#elif OBSCURA_LEVEL == 1
    // AVX2 has no 64-bit multiply. Of the schoolbook product
    //   a * b mod 2^64 = lo(a)lo(b) + ((lo(a)hi(b) + hi(a)lo(b)) mod 2^32) << 32
    // the first term is one vpmuludq (_mm256_mul_epu32), and both cross terms come from one vpmulld
    // (_mm256_mullo_epi32) against b with its 32-bit halves swapped: the low half of each lane gets lo(a)hi(b), the
    // high half hi(a)lo(b). Only their sum mod 2^32 matters, so the cross terms accumulate with 32-bit adds in a second
    // register and are folded in once per tile: two multiplies and two adds per lane and k, instead of three
    // multiplies, a shift and three adds.
    static void micro_kernel(const int64_t kc, const u64* ap, const u64* bp, u64* c, const int64_t ldc,
                             const bool accumulate) {
        __m256i l0 = _mm256_setzero_si256(), x0 = _mm256_setzero_si256();
        __m256i l1 = _mm256_setzero_si256(), x1 = _mm256_setzero_si256();
        __m256i l2 = _mm256_setzero_si256(), x2 = _mm256_setzero_si256();
        __m256i l3 = _mm256_setzero_si256(), x3 = _mm256_setzero_si256();
        __m256i l4 = _mm256_setzero_si256(), x4 = _mm256_setzero_si256();
        __m256i l5 = _mm256_setzero_si256(), x5 = _mm256_setzero_si256();
        for (int64_t p = 0; p < kc; p++, ap += kMR, bp += kNR) {
            const __m256i b = _mm256_load_si256(reinterpret_cast<const __m256i*>(bp));
            const __m256i bs = _mm256_shuffle_epi32(b, 0xB1);  // swap the 32-bit halves of each lane
            __m256i a;
#define OBSCURA_ROW(i, lo, cross)                                   \
        a = _mm256_set1_epi64x(static_cast<long long>(ap[i]));      \
        lo = _mm256_add_epi64(_mm256_mul_epu32(a, b), lo);          \
        cross = _mm256_add_epi32(_mm256_mullo_epi32(a, bs), cross);
            OBSCURA_ROW(0, l0, x0)
            OBSCURA_ROW(1, l1, x1)
            OBSCURA_ROW(2, l2, x2)
            OBSCURA_ROW(3, l3, x3)
            OBSCURA_ROW(4, l4, x4)
            OBSCURA_ROW(5, l5, x5)
#undef OBSCURA_ROW
            // Pin the ten accumulators to registers: without this GCC 12 keeps one in memory, and its add chain then
            // waits on store-to-load forwarding every iteration (half the speed).
            __asm__("" : "+x"(l0), "+x"(l1), "+x"(l2), "+x"(l3), "+x"(l4), "+x"(l5), "+x"(x0), "+x"(x1), "+x"(x2),
                    "+x"(x3), "+x"(x4), "+x"(x5));
        }
#define OBSCURA_STORE(i, lo, cross)                                                                              \
        lo = _mm256_add_epi64(lo, _mm256_slli_epi64(_mm256_add_epi32(cross, _mm256_srli_epi64(cross, 32)), 32)); \
        if (accumulate) {                                                                                        \
            lo = _mm256_add_epi64(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + (i) * ldc)));      \
        }                                                                                                        \
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + (i) * ldc), lo);
        OBSCURA_STORE(0, l0, x0)
        OBSCURA_STORE(1, l1, x1)
        OBSCURA_STORE(2, l2, x2)
        OBSCURA_STORE(3, l3, x3)
        OBSCURA_STORE(4, l4, x4)
        OBSCURA_STORE(5, l5, x5)
#undef OBSCURA_STORE
    }
#else
    static void micro_kernel(const int64_t kc, const u64* ap, const u64* bp, u64* c, const int64_t ldc,
                             const bool accumulate) {
        u64 acc[kMR][kNR] = {};
        for (int64_t p = 0; p < kc; p++, ap += kMR, bp += kNR) {
            for (int64_t i = 0; i < kMR; i++) {
                for (int64_t j = 0; j < kNR; j++) {
                    acc[i][j] += ap[i] * bp[j];
                }
            }
        }
        for (int64_t i = 0; i < kMR; i++) {
            for (int64_t j = 0; j < kNR; j++) {
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
            }
        }
    }
#endif

    static constexpr int64_t kKStep = 1;
    static void begin() {}
    static void end() {}
};

// KernelTable::gemm of this level.
void word_gemm(const int64_t m, const int64_t n, const int64_t k, const u64* a, const int64_t rsa, const int64_t csa,
               const u64* b, const int64_t rsb, const int64_t csb, u64* c, const int64_t ldc, const bool accumulate,
               const int threads) {
    gemm_parallel<WordKernel>(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, accumulate, threads);
}

void matmul(const MatmulProblem& p, const GemmFn gemm, const int threads) {
    const int64_t per_batch = p.m * p.n * imax(p.k, 1);
    if (p.batch >= threads && p.batch * per_batch >= kGemmGrain && threads > 1) {
        // Enough independent matrices: one thread per batch entry, no splitting.
        auto task = [&](const int64_t t) {
            gemm(p.m, p.n, p.k, p.a + t * p.batch_a, p.rsa, p.csa, p.b + t * p.batch_b, p.rsb, p.csb,
                 p.c + t * p.m * p.n, p.n, false, 1);
        };
        parallel_each(p.batch, threads, task);
        return;
    }
    for (int64_t t = 0; t < p.batch; t++) {
        gemm(p.m, p.n, p.k, p.a + t * p.batch_a, p.rsa, p.csa, p.b + t * p.batch_b, p.rsb, p.csb,
             p.c + t * p.m * p.n, p.n, false, threads);
    }
}

}  // namespace
}  // namespace OBSCURA_ISA
}  // namespace obscura
