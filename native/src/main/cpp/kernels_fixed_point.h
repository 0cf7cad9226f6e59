// Fixed-point kernels: the local step of the exact truncation, encoding from and decoding to floating point.
//
// Part of kernels_impl.h.
#ifndef OBSCURA_ISA
#error "include kernels_impl.h, not kernels_fixed_point.h: it is compiled once per instruction-set level"
#endif

namespace obscura {
namespace OBSCURA_ISA {
namespace {

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

}  // namespace
}  // namespace OBSCURA_ISA
}  // namespace obscura
