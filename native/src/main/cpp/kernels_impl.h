// The ring kernels, written once and compiled once per instruction-set level.
//
// The including file defines OBSCURA_ISA (the namespace: scalar, avx2, avx512), OBSCURA_ISA_NAME (its name as a
// string), OBSCURA_LEVEL (0, 1, 2) and OBSCURA_TABLE (the table it exports) and is compiled with matching -m flags.
// Plain loops are left to the compiler's vectorizer, which emits vpmullq for the 64-bit products under AVX-512DQ
// and a 32-bit multiply sequence under AVX2; the matmul micro-kernel and the bit packing are written with
// intrinsics.
//
// Everything here has internal linkage (anonymous namespace) apart from the one exported table: an inline function
// or template shared with another translation unit could be merged by the linker with its AVX-512 twin and then run
// on a CPU without AVX-512. For the same reason this file instantiates no standard-library templates and calls
// the thread pool only through its function-pointer interface.
#if !defined(OBSCURA_ISA) || !defined(OBSCURA_ISA_NAME) || !defined(OBSCURA_LEVEL) || !defined(OBSCURA_TABLE)
#error "define OBSCURA_ISA, OBSCURA_ISA_NAME, OBSCURA_LEVEL and OBSCURA_TABLE before including kernels_impl.h"
#endif

#include <immintrin.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels.h"
#include "thread_pool.h"

namespace obscura {
namespace OBSCURA_ISA {
namespace {

// ------------------------------------------------------------------------------------------------ helpers

// Work below this many elements stays on the calling thread. Waking a worker costs several microseconds, and when
// parties run as threads the other cores are usually busy with the other parties: a chunk must be worth ~50 us of
// memory-bound work (1 MiB of each operand) before a second thread pays off.
constexpr int64_t kElementGrain = int64_t{1} << 17;

inline int64_t imin(const int64_t a, const int64_t b) { return a < b ? a : b; }
inline int64_t imax(const int64_t a, const int64_t b) { return a > b ? a : b; }
inline int64_t ceil_div(const int64_t a, const int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(const int64_t a, const int64_t b) { return ceil_div(a, b) * b; }

// Runs f(begin, end) over chunks of [0, n) on the shared pool. The captureless lambda below is a distinct function
// in every translation unit (it lives in an anonymous namespace), so the pool calls back into this ISA's code.
template <class F>
void parallel(const int64_t n, const int64_t grain, const int threads, F& f) {
    parallel_for(n, grain, threads,
                 [](void* ctx, const int64_t begin, const int64_t end) { (*static_cast<F*>(ctx))(begin, end); }, &f);
}

// Runs f(task) for every task in [0, tasks) on the shared pool.
template <class F>
void parallel_each(const int64_t tasks, const int threads, F& f) {
    parallel_tasks(tasks, threads,
                   [](void* ctx, const int64_t begin, const int64_t end) {
                       for (int64_t t = begin; t < end; t++) {
                           (*static_cast<F*>(ctx))(t);
                       }
                   },
                   &f);
}

// A growable, 64-byte-aligned scratch area owned by one thread (packing buffers, patch columns), so that a
// matmul or a convolution in a training loop allocates nothing after the first call.
struct Scratch {
    u64* data = nullptr;
    size_t capacity = 0;

    Scratch() = default;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch() { std::free(data); }

    u64* get(const size_t elements) {
        if (elements > capacity) {
            std::free(data);
            const size_t bytes = round_up(static_cast<int64_t>(elements * sizeof(u64)), 64);
            data = static_cast<u64*>(std::aligned_alloc(64, bytes));
            capacity = data == nullptr ? 0 : elements;
            if (data == nullptr) {
                // Reaches Java as an exception through the pool and the JNI glue; the output is then unspecified.
                throw std::bad_alloc();
            }
        }
        return data;
    }
};

thread_local Scratch tls_pack_a;
thread_local Scratch tls_pack_b;
thread_local Scratch tls_columns;

// ------------------------------------------------------------------------------------------------ elementwise

template <int Op>
inline u64 apply(const u64 x, const u64 y) {
    if constexpr (Op == kAdd) {
        return x + y;
    } else if constexpr (Op == kSub) {
        return x - y;
    } else if constexpr (Op == kMul) {
        return x * y;
    } else if constexpr (Op == kAnd) {
        return x & y;
    } else if constexpr (Op == kOr) {
        return x | y;
    } else {
        return x ^ y;
    }
}

// `out` may be `a` or `b` itself (never a partial overlap), which carries no dependence from one index to the
// next; ivdep tells the vectorizer so, instead of letting a runtime overlap check fall back to scalar code in place.
template <int Op>
void binary_vv(const u64* a, const u64* b, u64* out, const int64_t n) {
#pragma GCC ivdep
    for (int64_t i = 0; i < n; i++) {
        out[i] = apply<Op>(a[i], b[i]);
    }
}

template <int Op>
void binary_vs(const u64* a, const u64 s, u64* out, const int64_t n) {
#pragma GCC ivdep
    for (int64_t i = 0; i < n; i++) {
        out[i] = apply<Op>(a[i], s);
    }
}

template <int Op>
void binary_sv(const u64 s, const u64* b, u64* out, const int64_t n) {
#pragma GCC ivdep
    for (int64_t i = 0; i < n; i++) {
        out[i] = apply<Op>(s, b[i]);
    }
}

template <int Op>
void binary_strided(const u64* a, const int64_t sa, const u64* b, const int64_t sb, u64* out, const int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        out[i] = apply<Op>(a[i * sa], b[i * sb]);
    }
}

template <int Op>
void binary_same(const u64* a, const u64* b, u64* out, const int64_t n, const int threads) {
    auto body = [=](const int64_t begin, const int64_t end) {
        binary_vv<Op>(a + begin, b + begin, out + begin, end - begin);
    };
    parallel(n, kElementGrain, threads, body);
}

// General NumPy broadcasting over a rank <= 8 iteration space. Axes of size 1 are dropped and neighbouring axes that
// both operands walk contiguously (or both broadcast) are merged first, so the common cases reach a single inner
// loop: equal shapes become one flat loop, a per-channel vector [C, 1, 1] against [N, C, H, W] becomes rows of
// H*W elements against one scalar each, a row vector becomes rows against the same vector.
template <int Op>
void binary_broadcast_op(const u64* a, const u64* b, u64* out, const int rank, const int64_t* shape,
                         const int64_t* sa, const int64_t* sb, const int threads) {
    int64_t dims[8];
    int64_t as[8];
    int64_t bs[8];
    int r = 0;
    for (int i = 0; i < rank; i++) {
        if (shape[i] == 0) {
            return;
        }
        if (shape[i] == 1) {
            continue;
        }
        if (r > 0 && as[r - 1] == sa[i] * shape[i] && bs[r - 1] == sb[i] * shape[i]) {
            dims[r - 1] *= shape[i];
            as[r - 1] = sa[i];
            bs[r - 1] = sb[i];
        } else {
            dims[r] = shape[i];
            as[r] = sa[i];
            bs[r] = sb[i];
            r++;
        }
    }
    if (r == 0) {
        out[0] = apply<Op>(a[0], b[0]);
        return;
    }
    const int64_t inner = dims[r - 1];
    const int64_t ia = as[r - 1];
    const int64_t ib = bs[r - 1];
    const int outer_rank = r - 1;
    int64_t rows = 1;
    for (int i = 0; i < outer_rank; i++) {
        rows *= dims[i];
    }
    auto body = [&](const int64_t begin, const int64_t end) {
        // Odometer over the outer axes, started at row `begin`.
        int64_t idx[8];
        int64_t oa = 0;
        int64_t ob = 0;
        int64_t rest = begin;
        for (int i = outer_rank - 1; i >= 0; i--) {
            idx[i] = rest % dims[i];
            rest /= dims[i];
            oa += idx[i] * as[i];
            ob += idx[i] * bs[i];
        }
        u64* o = out + begin * inner;
        for (int64_t row = begin; row < end; row++, o += inner) {
            const u64* pa = a + oa;
            const u64* pb = b + ob;
            if (ia == 1 && ib == 1) {
                binary_vv<Op>(pa, pb, o, inner);
            } else if (ia == 1 && ib == 0) {
                binary_vs<Op>(pa, *pb, o, inner);
            } else if (ia == 0 && ib == 1) {
                binary_sv<Op>(*pa, pb, o, inner);
            } else {
                binary_strided<Op>(pa, ia, pb, ib, o, inner);
            }
            for (int i = outer_rank - 1; i >= 0; i--) {
                oa += as[i];
                ob += bs[i];
                if (++idx[i] < dims[i]) {
                    break;
                }
                oa -= as[i] * dims[i];
                ob -= bs[i] * dims[i];
                idx[i] = 0;
            }
        }
    };
    parallel(rows, imax(1, kElementGrain / inner), threads, body);
}

void binary(const int op, const u64* a, const u64* b, u64* out, const int64_t n, const int threads) {
    switch (op) {
        case kAdd: binary_same<kAdd>(a, b, out, n, threads); break;
        case kSub: binary_same<kSub>(a, b, out, n, threads); break;
        case kMul: binary_same<kMul>(a, b, out, n, threads); break;
        case kAnd: binary_same<kAnd>(a, b, out, n, threads); break;
        case kOr: binary_same<kOr>(a, b, out, n, threads); break;
        default: binary_same<kXor>(a, b, out, n, threads); break;
    }
}

void binary_broadcast(const int op, const u64* a, const u64* b, u64* out, const int rank, const int64_t* shape,
                      const int64_t* sa, const int64_t* sb, const int threads) {
    switch (op) {
        case kAdd: binary_broadcast_op<kAdd>(a, b, out, rank, shape, sa, sb, threads); break;
        case kSub: binary_broadcast_op<kSub>(a, b, out, rank, shape, sa, sb, threads); break;
        case kMul: binary_broadcast_op<kMul>(a, b, out, rank, shape, sa, sb, threads); break;
        case kAnd: binary_broadcast_op<kAnd>(a, b, out, rank, shape, sa, sb, threads); break;
        case kOr: binary_broadcast_op<kOr>(a, b, out, rank, shape, sa, sb, threads); break;
        default: binary_broadcast_op<kXor>(a, b, out, rank, shape, sa, sb, threads); break;
    }
}

template <int Op>
inline u64 apply_unary(const u64 x, const u64 s) {
    if constexpr (Op == kNeg) {
        return u64{0} - x;
    } else if constexpr (Op == kNot) {
        return ~x;
    } else if constexpr (Op == kAddScalar) {
        return x + s;
    } else if constexpr (Op == kMulScalar) {
        return x * s;
    } else if constexpr (Op == kShiftLeft) {
        return x << s;
    } else if constexpr (Op == kShiftRight) {
        return static_cast<u64>(static_cast<int64_t>(x) >> s);  // arithmetic on GCC (and C++20)
    } else if constexpr (Op == kShiftRightLogical) {
        return x >> s;
    } else {
        return (x >> s) & 1;
    }
}

template <int Op>
void unary_op(const u64* a, const u64 s, u64* out, const int64_t n, const int threads) {
    auto body = [=](const int64_t begin, const int64_t end) {
        const u64* pa = a + begin;
        u64* po = out + begin;
        const int64_t len = end - begin;
#pragma GCC ivdep
        for (int64_t i = 0; i < len; i++) {
            po[i] = apply_unary<Op>(pa[i], s);
        }
    };
    parallel(n, kElementGrain, threads, body);
}

void copy(const u64* a, u64* out, const int64_t n, const int threads) {
    if (a == out) {
        return;
    }
    auto body = [=](const int64_t begin, const int64_t end) {
        std::memmove(out + begin, a + begin, static_cast<size_t>(end - begin) * sizeof(u64));
    };
    parallel(n, kElementGrain, threads, body);
}

void unary(const int op, const u64* a, const u64 s, u64* out, const int64_t n, const int threads) {
    switch (op) {
        case kNeg: unary_op<kNeg>(a, s, out, n, threads); break;
        case kNot: unary_op<kNot>(a, s, out, n, threads); break;
        case kAddScalar: unary_op<kAddScalar>(a, s, out, n, threads); break;
        case kMulScalar: unary_op<kMulScalar>(a, s, out, n, threads); break;
        case kShiftLeft: unary_op<kShiftLeft>(a, s, out, n, threads); break;
        case kShiftRight: unary_op<kShiftRight>(a, s, out, n, threads); break;
        case kShiftRightLogical: unary_op<kShiftRightLogical>(a, s, out, n, threads); break;
        case kExtractBit: unary_op<kExtractBit>(a, s, out, n, threads); break;
        default: copy(a, out, n, threads); break;
    }
}

void mul_add(const u64* a, const u64* b, const u64* c, u64* out, const int64_t n, const int threads) {
    auto body = [=](const int64_t begin, const int64_t end) {
        const u64* pa = a + begin;
        const u64* pb = b + begin;
        const u64* pc = c + begin;
        u64* po = out + begin;
        const int64_t len = end - begin;
#pragma GCC ivdep
        for (int64_t i = 0; i < len; i++) {
            po[i] = pa[i] * pb[i] + pc[i];
        }
    };
    parallel(n, kElementGrain, threads, body);
}

// With m = -c_msb (all ones or zero), r_msb * (1 - 2 c_msb) is (r_msb ^ m) - m and the product by 2^(63-bits) is a
// shift: the same bits mod 2^64 as the contract's formula, without 64-bit multiplies (AVX2 has none).
template <bool First>
void truncate_masked_op(const u64* opened, const u64* r_high, const u64* r_msb, const int bits, u64* out,
                        const int64_t n, const int threads) {
    const int top = 63 - bits;
    const int low = bits + 1;
    const u64 offset = u64{1} << (62 - bits);
    auto body = [=](const int64_t begin, const int64_t end) {
        const u64* pc = opened + begin;
        const u64* ph = r_high + begin;
        const u64* pm = r_msb + begin;
        u64* po = out + begin;
        const int64_t len = end - begin;
#pragma GCC ivdep
        for (int64_t i = 0; i < len; i++) {
            const u64 c = pc[i];
            const u64 msb = c >> 63;
            const u64 m = u64{0} - msb;
            u64 w = (pm[i] ^ m) - m;
            u64 z;
            if constexpr (First) {
                w += msb;
                z = (w << top) - ph[i] + (((c << 1) >> low) - offset);
            } else {
                z = (w << top) - ph[i];
            }
            po[i] = z;
        }
    };
    parallel(n, kElementGrain, threads, body);
}

void truncate_masked(const u64* opened, const u64* r_high, const u64* r_msb, const int bits, const bool first,
                     u64* out, const int64_t n, const int threads) {
    if (first) {
        truncate_masked_op<true>(opened, r_high, r_msb, bits, out, n, threads);
    } else {
        truncate_masked_op<false>(opened, r_high, r_msb, bits, out, n, threads);
    }
}

// ------------------------------------------------------------------------------------------------ bit packing

// One packed word from `count` (<= 64) elements: bit j is the lowest bit of a[j].
inline u64 pack_word(const u64* a, const int64_t count) {
    u64 word = 0;
    int64_t j = 0;
#if OBSCURA_LEVEL == 2
    // vptestmq yields one mask bit per element whose lowest bit is set: 8 elements per instruction.
    const __m512i one = _mm512_set1_epi64(1);
    for (; j + 8 <= count; j += 8) {
        const __mmask8 m = _mm512_test_epi64_mask(_mm512_loadu_si512(a + j), one);
        word |= static_cast<u64>(m) << j;
    }
#elif OBSCURA_LEVEL == 1
    // Shift the lowest bit into the sign position and collect the four sign bits with vmovmskpd.
    for (; j + 4 <= count; j += 4) {
        const __m256i v = _mm256_slli_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + j)), 63);
        word |= static_cast<u64>(_mm256_movemask_pd(_mm256_castsi256_pd(v))) << j;
    }
#endif
    for (; j < count; j++) {
        word |= (a[j] & 1) << j;
    }
    return word;
}

inline void unpack_word(const u64 word, u64* out, const int64_t count) {
    int64_t j = 0;
#if OBSCURA_LEVEL == 2
    const __m512i one = _mm512_set1_epi64(1);
    for (; j + 8 <= count; j += 8) {
        _mm512_storeu_si512(out + j, _mm512_maskz_mov_epi64(static_cast<__mmask8>(word >> j), one));
    }
#endif
    for (; j < count; j++) {
        out[j] = (word >> j) & 1;
    }
}

void pack_bits(const u64* a, u64* out, const int64_t n, const int threads) {
    auto body = [=](const int64_t begin, const int64_t end) {
        for (int64_t w = begin; w < end; w++) {
            out[w] = pack_word(a + 64 * w, imin(64, n - 64 * w));
        }
    };
    parallel(ceil_div(n, 64), kElementGrain / 64, threads, body);
}

void unpack_bits(const u64* packed, u64* out, const int64_t n, const int threads) {
    auto body = [=](const int64_t begin, const int64_t end) {
        for (int64_t w = begin; w < end; w++) {
            unpack_word(packed[w], out + 64 * w, imin(64, n - 64 * w));
        }
    };
    parallel(ceil_div(n, 64), kElementGrain / 64, threads, body);
}

// One stage of the transpose below: rows k and k + W (k with bit W clear) trade the W-bit groups selected by
// M << W in row k and by M in row k + W. W is a constant, so the k loop runs over W consecutive rows and the
// vectorizer turns it into whole-register operations for W >= the vector width.
template <int W, u64 M>
inline void transpose_stage(u64* m) {
    for (int base = 0; base < 64; base += 2 * W) {
        for (int k = base; k < base + W; k++) {
            const u64 t = ((m[k] >> W) ^ m[k + W]) & M;
            m[k] ^= t << W;
            m[k + W] ^= t;
        }
    }
}

// In-place transpose of a 64 x 64 bit matrix, row r = m[r], column j = bit j: afterwards bit r of m[j] is what bit
// j of m[r] was. Recursive block swap (Hacker's Delight, 2nd ed., section 7-3): at width w, the top-right w x w
// block of every 2w x 2w block trades places with the bottom-left one, for w = 32, 16, ..., 1.
inline void transpose64(u64* m) {
    transpose_stage<32, 0x00000000FFFFFFFFULL>(m);
    transpose_stage<16, 0x0000FFFF0000FFFFULL>(m);
    transpose_stage<8, 0x00FF00FF00FF00FFULL>(m);
    transpose_stage<4, 0x0F0F0F0F0F0F0F0FULL>(m);
    transpose_stage<2, 0x3333333333333333ULL>(m);
    transpose_stage<1, 0x5555555555555555ULL>(m);
}

// Bit planes are written (and read) 8 words at a time: one plane of 8 consecutive blocks is one 64-byte line.
// Going block by block would touch 64 lines a plane apart for every block, and with planes a multiple of 4 KiB apart
// those lines all fall into one cache set and evict each other.
constexpr int64_t kPlaneGroup = 8;

void to_bit_planes(const u64* a, u64* out, const int64_t n, const int threads) {
    const int64_t words = ceil_div(n, 64);
    auto body = [=](const int64_t begin, const int64_t end) {
        alignas(64) u64 m[kPlaneGroup][64];
        for (int64_t g = begin; g < end; g++) {
            const int64_t w0 = g * kPlaneGroup;
            const int64_t blocks = imin(kPlaneGroup, words - w0);
            for (int64_t b = 0; b < blocks; b++) {
                const int64_t count = imin(64, n - 64 * (w0 + b));
                std::memcpy(m[b], a + 64 * (w0 + b), static_cast<size_t>(count) * sizeof(u64));
                std::memset(m[b] + count, 0, static_cast<size_t>(64 - count) * sizeof(u64));
                transpose64(m[b]);
            }
            for (int j = 0; j < 64; j++) {
                u64* dst = out + j * words + w0;
                for (int64_t b = 0; b < blocks; b++) {
                    dst[b] = m[b][j];
                }
            }
        }
    };
    parallel(ceil_div(words, kPlaneGroup), kElementGrain / (64 * kPlaneGroup * 8), threads, body);
}

void from_bit_planes(const u64* planes, u64* out, const int64_t n, const int threads) {
    const int64_t words = ceil_div(n, 64);
    auto body = [=](const int64_t begin, const int64_t end) {
        alignas(64) u64 m[kPlaneGroup][64];
        for (int64_t g = begin; g < end; g++) {
            const int64_t w0 = g * kPlaneGroup;
            const int64_t blocks = imin(kPlaneGroup, words - w0);
            for (int j = 0; j < 64; j++) {
                const u64* src = planes + j * words + w0;
                for (int64_t b = 0; b < blocks; b++) {
                    m[b][j] = src[b];
                }
            }
            for (int64_t b = 0; b < blocks; b++) {
                transpose64(m[b]);
                std::memcpy(out + 64 * (w0 + b), m[b],
                            static_cast<size_t>(imin(64, n - 64 * (w0 + b))) * sizeof(u64));
            }
        }
    };
    parallel(ceil_div(words, kPlaneGroup), kElementGrain / (64 * kPlaneGroup * 8), threads, body);
}

// ------------------------------------------------------------------------------------------------ fixed point

// |x * 2^f| must stay below 2^62 (FixedPoint.java). The comparison is false for NaN, so NaN fails as well.
constexpr double kEncodeLimit = 4611686018427387904.0;  // 2^62

inline double pow2(const int e) {
    // 2^e exactly, for -1022 <= e <= 1023: build the exponent field directly.
    const uint64_t bits = static_cast<uint64_t>(e + 1023) << 52;
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}

// Lowers the shared "first failure" to `index` unless an earlier one is already there.
inline void note_failure(std::atomic<int64_t>& first, const int64_t index) {
    int64_t seen = first.load(std::memory_order_relaxed);
    while (index < seen && !first.compare_exchange_weak(seen, index, std::memory_order_relaxed)) {
    }
}

// Encodes src[0, n) and returns the index of the first value out of range, or -1. Rounding is to nearest with ties
// to even, as Java's Math.rint: the conversions below use the current rounding mode, which is round-to-nearest in
// every thread of a JVM (and in the pool's threads, which start with the default environment), or an explicit
// round-to-nearest where AVX-512 allows one. Values in range are below 2^62 in magnitude, so they convert exactly.
template <class T>
int64_t encode_range(const T* src, const double scale, u64* out, const int64_t n) {
    int64_t i = 0;
#if OBSCURA_LEVEL == 2
    const __m512d limit = _mm512_set1_pd(kEncodeLimit);
    const __m512d vscale = _mm512_set1_pd(scale);
    for (; i + 8 <= n; i += 8) {
        __m512d x;
        if constexpr (sizeof(T) == 8) {
            x = _mm512_loadu_pd(src + i);
        } else {
            x = _mm512_cvtps_pd(_mm256_loadu_ps(src + i));
        }
        x = _mm512_mul_pd(x, vscale);
        const __mmask8 ok = _mm512_cmp_pd_mask(_mm512_abs_pd(x), limit, _CMP_LT_OQ);
        if (ok != 0xFF) {
            return i + __builtin_ctz(~static_cast<unsigned>(ok));
        }
        const __m512i v = _mm512_cvt_roundpd_epi64(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm512_storeu_si512(out + i, v);
    }
#endif
    for (; i < n; i++) {
        const double x = static_cast<double>(src[i]) * scale;
        if (!(__builtin_fabs(x) < kEncodeLimit)) {
            return i;
        }
        out[i] = static_cast<u64>(_mm_cvtsd_si64(_mm_set_sd(x)));  // cvtsd2si: round to nearest even
    }
    return -1;
}

template <class T>
int64_t encode(const T* src, const int frac_bits, u64* out, const int64_t n, const int threads) {
    const double scale = pow2(frac_bits);
    std::atomic<int64_t> first{INT64_MAX};
    auto body = [&](const int64_t begin, const int64_t end) {
        if (begin > first.load(std::memory_order_relaxed)) {
            return;  // an earlier chunk already failed; the output is unspecified after a failure
        }
        const int64_t bad = encode_range(src + begin, scale, out + begin, end - begin);
        if (bad >= 0) {
            note_failure(first, begin + bad);
        }
    };
    parallel(n, kElementGrain, threads, body);
    const int64_t result = first.load();
    return result == INT64_MAX ? -1 : result;
}

int64_t encode_f64(const double* src, const int frac_bits, u64* out, const int64_t n, const int threads) {
    return encode(src, frac_bits, out, n, threads);
}

int64_t encode_f32(const float* src, const int frac_bits, u64* out, const int64_t n, const int threads) {
    return encode(src, frac_bits, out, n, threads);
}

// (double) a[i] / 2^f, a[i] read as signed. Multiplying by 2^-f gives the same double as dividing by 2^f: both are
// the correctly rounded value of one real number, and a nonzero result is at least 2^-62 in magnitude, never
// subnormal. The float variant rounds that double once more, as Java's (float) cast does.
template <class T>
void decode(const u64* a, const int frac_bits, T* dst, const int64_t n, const int threads) {
    const double inv = pow2(-frac_bits);
    auto body = [=](const int64_t begin, const int64_t end) {
        int64_t i = begin;
#if OBSCURA_LEVEL == 2
        const __m512d vinv = _mm512_set1_pd(inv);
        for (; i + 8 <= end; i += 8) {
            const __m512d x = _mm512_mul_pd(
                _mm512_cvt_roundepi64_pd(_mm512_loadu_si512(a + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                vinv);
            if constexpr (sizeof(T) == 8) {
                _mm512_storeu_pd(dst + i, x);
            } else {
                _mm256_storeu_ps(dst + i, _mm512_cvt_roundpd_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            }
        }
#endif
        for (; i < end; i++) {
            dst[i] = static_cast<T>(static_cast<double>(static_cast<int64_t>(a[i])) * inv);
        }
    };
    parallel(n, kElementGrain, threads, body);
}

void decode_f64(const u64* a, const int frac_bits, double* dst, const int64_t n, const int threads) {
    decode(a, frac_bits, dst, n, threads);
}

void decode_f32(const u64* a, const int frac_bits, float* dst, const int64_t n, const int threads) {
    decode(a, frac_bits, dst, n, threads);
}

// ------------------------------------------------------------------------------------------------ reductions

void sum_axis(const u64* a, u64* out, const int64_t outer, const int64_t len, const int64_t inner,
              const int threads) {
    if (len == 0) {
        std::memset(out, 0, static_cast<size_t>(outer * inner) * sizeof(u64));
        return;
    }
    if (inner == 1) {
        // Contiguous rows: a horizontal sum each (ring addition is associative, so vector partial sums are exact).
        auto body = [=](const int64_t begin, const int64_t end) {
            for (int64_t o = begin; o < end; o++) {
                const u64* row = a + o * len;
                u64 s = 0;
                for (int64_t j = 0; j < len; j++) {
                    s += row[j];
                }
                out[o] = s;
            }
        };
        parallel(outer, imax(1, kElementGrain / len), threads, body);
        return;
    }
    // Otherwise add whole rows of `inner` elements, in column chunks that stay in L1 while every row is added.
    constexpr int64_t kChunk = 1024;
    const int64_t chunks = ceil_div(inner, kChunk);
    auto body = [=](const int64_t begin, const int64_t end) {
        for (int64_t t = begin; t < end; t++) {
            const int64_t o = t / chunks;
            const int64_t c0 = (t % chunks) * kChunk;
            const int64_t width = imin(kChunk, inner - c0);
            u64* dst = out + o * inner + c0;
            const u64* src = a + o * len * inner + c0;
            std::memcpy(dst, src, static_cast<size_t>(width) * sizeof(u64));
            for (int64_t j = 1; j < len; j++) {
                const u64* row = src + j * inner;
                for (int64_t i = 0; i < width; i++) {
                    dst[i] += row[i];
                }
            }
        }
    };
    parallel(outer * chunks, imax(1, kElementGrain / (len * kChunk)), threads, body);
}

// ------------------------------------------------------------------------------------------------ matmul

// GEMM over Z_2^64 in the layered structure of Goto and van de Geijn, "Anatomy of High-Performance Matrix
// Multiplication" (ACM TOMS 34(3), 2008), as refined in BLIS (Van Zee and van de Geijn, ACM TOMS 41(3), 2015):
//
//   for jc in steps of NC:          a KC x NC panel of B, packed once, lives in L3
//     for pc in steps of KC:
//       pack B[pc:, jc:] into NR-wide micro-panels
//       for ic in steps of MC:      an MC x KC block of A, packed, lives in L2
//         pack A[ic:, pc:] into MR-tall micro-panels
//         for jr in steps of NR:    one KC x NR micro-panel of B stays in L1 across the ir loop
//           for ir in steps of MR:  the micro-kernel: an MR x NR block of C held in registers
//
// The micro-kernel is a sequence of rank-1 updates: per k it loads NR elements of B, broadcasts MR elements of A and
// does MR * NR multiply-adds. Integers have no fused multiply-add, so each update is a low 64-bit multiply and an
// add: vpmullq under AVX-512DQ (Intel Intrinsics Guide, _mm512_mullo_epi64); AVX2 has no 64-bit multiply and
// builds the product from 32-bit ones (see its micro_kernel).
#if OBSCURA_LEVEL == 2
constexpr int64_t kMR = 8;   // 8 rows x 2 zmm = 16 accumulators of the 32 zmm registers
constexpr int64_t kNR = 16;
#elif OBSCURA_LEVEL == 1
constexpr int64_t kMR = 6;   // 6 rows x 1 ymm x 2 accumulators (see micro_kernel) = 12 of the 16 ymm registers
constexpr int64_t kNR = 4;
#else
constexpr int64_t kMR = 4;
constexpr int64_t kNR = 4;
#endif
// MC x KC x 8 bytes of A (256 KiB) fit in L2 and KC x NC x 8 bytes of B (2 MiB) in L3. The KC x NR micro-panel of B
// (32 KiB with AVX-512) fills L1; a smaller KC measured no faster, because the micro-kernel is bound by the
// multiplier (one vpmullq per 8 multiply-adds), not by loads.
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 128 / kMR * kMR;  // whole micro-panels: 128, or 126 with MR = 6
constexpr int64_t kNC = 1024;

// Packs the mc x kc block A[i, p] = a[i * rsa + p * csa] into MR-row micro-panels, p-major within each panel, with
// zero rows past mc so that the micro-kernel always computes full tiles.
void pack_a(const u64* a, const int64_t rsa, const int64_t csa, const int64_t mc, const int64_t kc, u64* ap) {
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
void pack_b(const u64* b, const int64_t rsb, const int64_t csb, const int64_t kc, const int64_t nc, u64* bp) {
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
void micro_kernel(const int64_t kc, const u64* ap, const u64* bp, u64* c, const int64_t ldc, const bool accumulate) {
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
#define OBSCURA_ROW(i, lo, hi)                                   \
    a = _mm512_set1_epi64(static_cast<long long>(ap[i]));        \
    lo = _mm512_add_epi64(lo, _mm512_mullo_epi64(a, b0));        \
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
#define OBSCURA_STORE(i, lo, hi)                                                          \
    if (accumulate) {                                                                     \
        lo = _mm512_add_epi64(lo, _mm512_loadu_si512(c + (i) * ldc));                     \
        hi = _mm512_add_epi64(hi, _mm512_loadu_si512(c + (i) * ldc + 8));                 \
    }                                                                                     \
    _mm512_storeu_si512(c + (i) * ldc, lo);                                               \
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
// (_mm256_mullo_epi32) against b with its 32-bit halves swapped: the low half of each lane gets lo(a)hi(b), the high
// half hi(a)lo(b). Only their sum mod 2^32 matters, so the cross terms accumulate with 32-bit adds in a second
// register and are folded in once per tile: two multiplies and two adds per lane and k, instead of three
// multiplies, a shift and three adds.
void micro_kernel(const int64_t kc, const u64* ap, const u64* bp, u64* c, const int64_t ldc, const bool accumulate) {
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
#define OBSCURA_ROW(i, lo, cross)                                      \
    a = _mm256_set1_epi64x(static_cast<long long>(ap[i]));             \
    lo = _mm256_add_epi64(_mm256_mul_epu32(a, b), lo);                 \
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
#define OBSCURA_STORE(i, lo, cross)                                                                       \
    lo = _mm256_add_epi64(lo, _mm256_slli_epi64(_mm256_add_epi32(cross, _mm256_srli_epi64(cross, 32)), 32)); \
    if (accumulate) {                                                                                     \
        lo = _mm256_add_epi64(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + (i) * ldc)));     \
    }                                                                                                     \
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
void micro_kernel(const int64_t kc, const u64* ap, const u64* bp, u64* c, const int64_t ldc, const bool accumulate) {
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

// A partial tile at the right or bottom edge: compute the full tile into a local buffer, then copy its valid part.
void edge_kernel(const int64_t kc, const u64* ap, const u64* bp, u64* c, const int64_t ldc, const bool accumulate,
                 const int64_t mr, const int64_t nr) {
    alignas(64) u64 tile[kMR * kNR];
    micro_kernel(kc, ap, bp, tile, kNR, false);
    for (int64_t i = 0; i < mr; i++) {
        for (int64_t j = 0; j < nr; j++) {
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i * kNR + j] : tile[i * kNR + j];
        }
    }
}

// The B operand of a GEMM, as seen by the packing step: a strided matrix, B[p, j] = b[p * rsb + j * csb].
struct StridedB {
    const u64* b;
    int64_t rsb;
    int64_t csb;

    // Packs rows [pc, pc + kc) and columns [jc, jc + nc) of B.
    void operator()(const int64_t pc, const int64_t kc, const int64_t jc, const int64_t nc, u64* bp) const {
        pack_b(b + pc * rsb + jc * csb, rsb, csb, kc, nc, bp);
    }
};

// C (m x n, row stride ldc) = (accumulate ? C : 0) + A · B on the calling thread, with this thread's packing buffers.
// B is whatever `pack` packs; column j of this product is column col0 + j of that B, which lets a caller run the
// GEMM on a slab of columns.
template <class PackB>
void gemm_with(const int64_t m, const int64_t n, const int64_t k, const u64* a, const int64_t rsa,
               const int64_t csa, const PackB& pack, const int64_t col0, u64* c, const int64_t ldc,
               const bool accumulate) {
    if (m <= 0 || n <= 0) {
        return;
    }
    if (k <= 0) {
        if (!accumulate) {
            for (int64_t i = 0; i < m; i++) {
                std::memset(c + i * ldc, 0, static_cast<size_t>(n) * sizeof(u64));
            }
        }
        return;
    }
    // Equal row blocks rather than full blocks and a sliver: every block streams the whole packed B panel through
    // L1, so a thin last block would cost almost as much as a full one.
    const int64_t mc_step = round_up(ceil_div(m, ceil_div(m, kMC)), kMR);
    const int64_t kc_max = imin(kKC, k);
    u64* ap = tls_pack_a.get(static_cast<size_t>(mc_step * kc_max));
    u64* bp = tls_pack_b.get(static_cast<size_t>(round_up(imin(kNC, n), kNR) * kc_max));
    for (int64_t jc = 0; jc < n; jc += kNC) {
        const int64_t nc = imin(kNC, n - jc);
        for (int64_t pc = 0; pc < k; pc += kKC) {
            const int64_t kc = imin(kKC, k - pc);
            const bool add = accumulate || pc > 0;
            pack(pc, kc, col0 + jc, nc, bp);
            for (int64_t ic = 0; ic < m; ic += mc_step) {
                const int64_t mc = imin(mc_step, m - ic);
                pack_a(a + ic * rsa + pc * csa, rsa, csa, mc, kc, ap);
                for (int64_t jr = 0; jr < nc; jr += kNR) {
                    const int64_t nr = imin(kNR, nc - jr);
                    for (int64_t ir = 0; ir < mc; ir += kMR) {
                        const int64_t mr = imin(kMR, mc - ir);
                        u64* tile = c + (ic + ir) * ldc + jc + jr;
                        if (mr == kMR && nr == kNR) {
                            micro_kernel(kc, ap + ir * kc, bp + jr * kc, tile, ldc, add);
                        } else {
                            edge_kernel(kc, ap + ir * kc, bp + jr * kc, tile, ldc, add, mr, nr);
                        }
                    }
                }
            }
        }
    }
}

void gemm(const int64_t m, const int64_t n, const int64_t k, const u64* a, const int64_t rsa, const int64_t csa,
          const u64* b, const int64_t rsb, const int64_t csb, u64* c, const int64_t ldc, const bool accumulate) {
    gemm_with(m, n, k, a, rsa, csa, StridedB{b, rsb, csb}, 0, c, ldc, accumulate);
}

// Below this many multiply-adds (128^3, about 50 us with AVX-512) a matmul stays on one thread.
constexpr int64_t kGemmGrain = int64_t{1} << 21;

// One GEMM split over the pool: each thread takes a slab of whole NR-wide column blocks (or MR-tall row blocks,
// whichever dimension is longer) and runs the sequential GEMM on it with its own packing buffers, so that threads
// share nothing but their read-only inputs.
template <class PackB>
void gemm_parallel_with(const int64_t m, const int64_t n, const int64_t k, const u64* a, const int64_t rsa,
                        const int64_t csa, const PackB& pack, u64* c, const int64_t ldc, const bool accumulate,
                        const int threads) {
    if (threads <= 1 || m * n * imax(k, 1) < kGemmGrain) {
        gemm_with(m, n, k, a, rsa, csa, pack, 0, c, ldc, accumulate);
        return;
    }
    const bool by_columns = n >= m;
    const int64_t extent = by_columns ? n : m;
    const int64_t unit = by_columns ? kNR : kMR;
    const int64_t slab = round_up(ceil_div(extent, threads), unit);
    const int64_t slabs = ceil_div(extent, slab);
    auto task = [&](const int64_t t) {
        const int64_t lo = t * slab;
        const int64_t len = imin(slab, extent - lo);
        if (by_columns) {
            gemm_with(m, len, k, a, rsa, csa, pack, lo, c + lo, ldc, accumulate);
        } else {
            gemm_with(len, n, k, a + lo * rsa, rsa, csa, pack, 0, c + lo * ldc, ldc, accumulate);
        }
    };
    parallel_each(slabs, threads, task);
}

void gemm_parallel(const int64_t m, const int64_t n, const int64_t k, const u64* a, const int64_t rsa,
                   const int64_t csa, const u64* b, const int64_t rsb, const int64_t csb, u64* c, const int64_t ldc,
                   const bool accumulate, const int threads) {
    gemm_parallel_with(m, n, k, a, rsa, csa, StridedB{b, rsb, csb}, c, ldc, accumulate, threads);
}

void matmul(const MatmulProblem& p, const int threads) {
    const int64_t per_batch = p.m * p.n * imax(p.k, 1);
    if (p.batch >= threads && p.batch * per_batch >= kGemmGrain && threads > 1) {
        // Enough independent matrices: one thread per batch entry, no splitting.
        auto task = [&](const int64_t t) {
            gemm(p.m, p.n, p.k, p.a + t * p.batch_a, p.rsa, p.csa, p.b + t * p.batch_b, p.rsb, p.csb,
                 p.c + t * p.m * p.n, p.n, false);
        };
        parallel_each(p.batch, threads, task);
        return;
    }
    for (int64_t t = 0; t < p.batch; t++) {
        gemm_parallel(p.m, p.n, p.k, p.a + t * p.batch_a, p.rsa, p.csa, p.b + t * p.batch_b, p.rsb, p.csb,
                      p.c + t * p.m * p.n, p.n, false, threads);
    }
}

// ------------------------------------------------------------------------------------------------ convolution

// Convolution as GEMM over unrolled patches (im2col; Chellapilla, Puri and Simard, "High Performance Convolutional
// Neural Networks for Document Processing", 2006): the columns of one image form a [C*kh*kw, oh*ow] matrix whose
// row (c, i, j) holds input[c, y*sh + i - ph, x*sw + j - pw] for every output position (y, x), zero outside.
//
// For a kernel column j, the output columns whose input column lies inside the image form one range [lo, hi);
// finding it once per row of the patch matrix leaves a plain copy (a memcpy at stride 1) between two zero fills,
// with no test per element.
struct ColumnRange {
    int64_t lo;
    int64_t hi;
};

inline ColumnRange valid_columns(const ConvGeometry& g, const int64_t j) {
    // ix = xo * sw + j - pw must satisfy 0 <= ix < w.
    const int64_t first = g.pw - j;            // smallest xo * sw allowed
    const int64_t last = g.w - 1 + g.pw - j;   // largest xo * sw allowed
    const int64_t lo = first <= 0 ? 0 : ceil_div(first, g.sw);
    const int64_t hi = last < 0 ? 0 : imin(g.ow, last / g.sw + 1);
    return ColumnRange{imin(lo, g.ow), imax(hi, imin(lo, g.ow))};
}

// Copies and zero fills of a few elements (an output row of a small feature map is often 8 to 24 elements): fixed-size
// memcpy and memset compile to plain vector moves, where a call into the C library would cost more than the copy.
inline void copy_elements(u64* dst, const u64* src, int64_t n) {
    for (; n >= 8; n -= 8, dst += 8, src += 8) {
        std::memcpy(dst, src, 64);
    }
    if (n & 4) {
        std::memcpy(dst, src, 32);
        dst += 4;
        src += 4;
    }
    if (n & 2) {
        std::memcpy(dst, src, 16);
        dst += 2;
        src += 2;
    }
    if (n & 1) {
        *dst = *src;
    }
}

inline void zero_elements(u64* dst, int64_t n) {
    for (; n >= 8; n -= 8, dst += 8) {
        std::memset(dst, 0, 64);
    }
    if (n & 4) {
        std::memset(dst, 0, 32);
        dst += 4;
    }
    if (n & 2) {
        std::memset(dst, 0, 16);
        dst += 2;
    }
    if (n & 1) {
        *dst = 0;
    }
}

void im2col(const u64* x, const ConvGeometry& g, u64* col) {
    const int64_t spatial = g.oh * g.ow;
    for (int64_t c = 0; c < g.c; c++) {
        for (int64_t i = 0; i < g.kh; i++) {
            for (int64_t j = 0; j < g.kw; j++) {
                const ColumnRange r = valid_columns(g, j);
                u64* dst = col + ((c * g.kh + i) * g.kw + j) * spatial;
                for (int64_t y = 0; y < g.oh; y++, dst += g.ow) {
                    const int64_t iy = y * g.sh + i - g.ph;
                    if (iy < 0 || iy >= g.h || r.lo == r.hi) {
                        zero_elements(dst, g.ow);
                        continue;
                    }
                    const u64* src = x + (c * g.h + iy) * g.w + j - g.pw;  // src[xo * sw] is input column ix
                    zero_elements(dst, r.lo);
                    if (g.sw == 1) {
                        copy_elements(dst + r.lo, src + r.lo, r.hi - r.lo);
                    } else {
                        for (int64_t xo = r.lo; xo < r.hi; xo++) {
                            dst[xo] = src[xo * g.sw];
                        }
                    }
                    zero_elements(dst + r.hi, g.ow - r.hi);
                }
            }
        }
    }
}

// The adjoint of im2col: adds every column entry back onto the input position it was read from.
void col2im_add(const u64* col, const ConvGeometry& g, u64* x) {
    const int64_t spatial = g.oh * g.ow;
    for (int64_t c = 0; c < g.c; c++) {
        for (int64_t i = 0; i < g.kh; i++) {
            for (int64_t j = 0; j < g.kw; j++) {
                const ColumnRange r = valid_columns(g, j);
                const u64* src = col + ((c * g.kh + i) * g.kw + j) * spatial;
                for (int64_t y = 0; y < g.oh; y++, src += g.ow) {
                    const int64_t iy = y * g.sh + i - g.ph;
                    if (iy < 0 || iy >= g.h) {
                        continue;
                    }
                    u64* dst = x + (c * g.h + iy) * g.w + j - g.pw;
                    if (g.sw == 1) {
                        for (int64_t xo = r.lo; xo < r.hi; xo++) {
                            dst[xo] += src[xo];
                        }
                    } else {
                        for (int64_t xo = r.lo; xo < r.hi; xo++) {
                            dst[xo * g.sw] += src[xo];
                        }
                    }
                }
            }
        }
    }
}

// A 1x1 kernel with stride 1 and no padding reads the image itself as its column matrix.
inline bool is_pointwise(const ConvGeometry& g) {
    return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
}

// Images run in parallel when there are enough of them (each thread with its own column buffer); otherwise the
// images run in turn and each GEMM is split over the pool.
inline int image_threads(const ConvGeometry& g, const int threads) {
    return g.n >= threads ? threads : 1;
}

// out[n] = weight [O, C*kh*kw] · columns(input[n]) [C*kh*kw, oh*ow].
void conv2d(const u64* input, const u64* weight, u64* out, const ConvGeometry& g, const int threads) {
    const int64_t patch = g.c * g.kh * g.kw;
    const int64_t spatial = g.oh * g.ow;
    const int outer = image_threads(g, threads);
    const int inner = outer > 1 ? 1 : threads;
    auto task = [&](const int64_t img) {
        const u64* x = input + img * g.c * g.h * g.w;
        const u64* col = x;
        if (!is_pointwise(g)) {
            u64* buf = tls_columns.get(static_cast<size_t>(patch * spatial));
            im2col(x, g, buf);
            col = buf;
        }
        gemm_parallel(g.o, spatial, patch, weight, patch, 1, col, spatial, 1, out + img * g.o * spatial, spatial,
                      false, inner);
    };
    parallel_each(g.n, outer, task);
}

// gradInput[n] = col2im(weight^T [C*kh*kw, O] · gradOut[n] [O, oh*ow]).
void conv2d_backward_input(const u64* grad_out, const u64* weight, u64* grad_input, const ConvGeometry& g,
                           const int threads) {
    const int64_t patch = g.c * g.kh * g.kw;
    const int64_t spatial = g.oh * g.ow;
    const int64_t image = g.c * g.h * g.w;
    const int outer = image_threads(g, threads);
    const int inner = outer > 1 ? 1 : threads;
    auto task = [&](const int64_t img) {
        u64* gx = grad_input + img * image;
        const u64* gy = grad_out + img * g.o * spatial;
        if (is_pointwise(g)) {
            gemm_parallel(patch, spatial, g.o, weight, 1, patch, gy, spatial, 1, gx, spatial, false, inner);
            return;
        }
        u64* col = tls_columns.get(static_cast<size_t>(patch * spatial));
        gemm_parallel(patch, spatial, g.o, weight, 1, patch, gy, spatial, 1, col, spatial, false, inner);
        std::memset(gx, 0, static_cast<size_t>(image) * sizeof(u64));
        col2im_add(col, g, gx);
    };
    parallel_each(g.n, outer, task);
}

// gradWeight [O, C*kh*kw] = sum_n gradOut[n] [O, oh*ow] · columns(input[n])^T [oh*ow, C*kh*kw]. Threads take
// disjoint sets of images and sum into their own partial result; the partials are added at the end. Ring addition
// is associative and commutative, so the split does not change a single bit of the result.
void conv2d_backward_weight(const u64* input, const u64* grad_out, u64* grad_weight, const ConvGeometry& g,
                            const int threads) {
    const int64_t patch = g.c * g.kh * g.kw;
    const int64_t spatial = g.oh * g.ow;
    const int64_t size = g.o * patch;
    if (g.n == 0) {
        std::memset(grad_weight, 0, static_cast<size_t>(size) * sizeof(u64));
        return;
    }
    const int64_t work = g.n * g.o * patch * imax(spatial, 1);
    const int64_t parts = threads <= 1 || work < kGemmGrain ? 1 : imin(threads, g.n);
    Scratch partial_buffer;  // freed on every way out, including an exception from a task
    u64* partials = parts > 1 ? partial_buffer.get(static_cast<size_t>((parts - 1) * size)) : nullptr;
    const int inner = parts > 1 ? 1 : threads;
    auto task = [&](const int64_t part) {
        u64* acc = part == 0 ? grad_weight : partials + (part - 1) * size;
        const int64_t first = g.n * part / parts;
        const int64_t last = g.n * (part + 1) / parts;
        for (int64_t img = first; img < last; img++) {
            const u64* x = input + img * g.c * g.h * g.w;
            const u64* col = x;
            if (!is_pointwise(g)) {
                u64* buf = tls_columns.get(static_cast<size_t>(patch * spatial));
                im2col(x, g, buf);
                col = buf;
            }
            gemm_parallel(g.o, patch, spatial, grad_out + img * g.o * spatial, spatial, 1, col, 1, spatial, acc,
                          patch, img > first, inner);
        }
    };
    parallel_each(parts, static_cast<int>(parts), task);
    for (int64_t part = 1; part < parts; part++) {
        binary_vv<kAdd>(grad_weight, partials + (part - 1) * size, grad_weight, size);
    }
}

}  // namespace

}  // namespace OBSCURA_ISA
}  // namespace obscura

namespace obscura {

// The one symbol this translation unit exports (declared extern in kernels.h).
const KernelTable OBSCURA_TABLE = {
    OBSCURA_ISA_NAME,
    OBSCURA_ISA::binary,
    OBSCURA_ISA::binary_broadcast,
    OBSCURA_ISA::unary,
    OBSCURA_ISA::mul_add,
    OBSCURA_ISA::truncate_masked,
    OBSCURA_ISA::pack_bits,
    OBSCURA_ISA::unpack_bits,
    OBSCURA_ISA::to_bit_planes,
    OBSCURA_ISA::from_bit_planes,
    OBSCURA_ISA::encode_f64,
    OBSCURA_ISA::encode_f32,
    OBSCURA_ISA::decode_f64,
    OBSCURA_ISA::decode_f32,
    OBSCURA_ISA::sum_axis,
    OBSCURA_ISA::matmul,
    OBSCURA_ISA::conv2d,
    OBSCURA_ISA::conv2d_backward_input,
    OBSCURA_ISA::conv2d_backward_weight,
};

}  // namespace obscura
