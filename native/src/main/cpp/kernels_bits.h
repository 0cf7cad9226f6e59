// Bit kernels: packing the lowest bit of 64 elements into a word, and bit planes (a 64 x 64 bit transpose).
//
// Part of kernels_impl.h.
#ifndef OBSCURA_ISA
#error "include kernels_impl.h, not kernels_bits.h: it is compiled once per instruction-set level"
#endif

namespace obscura {
namespace OBSCURA_ISA {
namespace {

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

}  // namespace
}  // namespace OBSCURA_ISA
}  // namespace obscura
