// AES-128-CTR keystream (FIPS 197, NIST SP 800-38A), with AES-NI and VAES chosen at run time.
//
// This file is compiled for baseline x86-64; the accelerated paths carry GCC target attributes, so each function
// only uses the instructions its attribute names and is only called after cpu_features() said they exist.
#include "aes_ctr.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "thread_pool.h"

#define OBSCURA_TARGET_AESNI __attribute__((target("aes,sse4.1")))
#define OBSCURA_TARGET_VAES256 __attribute__((target("aes,sse4.1,vaes,avx2")))
#define OBSCURA_TARGET_VAES512 __attribute__((target("aes,sse4.1,vaes,avx512f,avx512bw")))

namespace obscura {
namespace {

// The 128-bit counter as two halves; `advance` carries from the low half into the high half.
struct Counter {
    uint64_t hi;
    uint64_t lo;

    void advance(const uint64_t k) {
        const uint64_t next = lo + k;
        hi += next < lo ? 1 : 0;
        lo = next;
    }
};

// The counter of block `block` of a fill: (nonce << 64) + first_block + block, with the carry.
Counter counter_at(const uint64_t nonce, const uint64_t first_block, const uint64_t block) {
    Counter c{nonce, first_block};
    c.advance(block);
    return c;
}

// ---------------------------------------------------------------------------------------------------- AES-NI

// One step of the AES-128 key schedule (FIPS 197 section 5.2): aeskeygenassist computes SubWord(RotWord(w3)) ^ rcon
// in its top word; the three shifted xors form the running xor w0, w0^w1, w0^w1^w2, w0^w1^w2^w3 across the row.
OBSCURA_TARGET_AESNI inline __m128i expand_step(__m128i key, __m128i assist) {
    assist = _mm_shuffle_epi32(assist, 0xff);
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

// The 11 round keys. aeskeygenassist takes its round constant as an immediate, hence the unrolled steps.
OBSCURA_TARGET_AESNI void expand_key_ni(const uint8_t* key, __m128i* rk) {
    rk[0] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
    rk[1] = expand_step(rk[0], _mm_aeskeygenassist_si128(rk[0], 0x01));
    rk[2] = expand_step(rk[1], _mm_aeskeygenassist_si128(rk[1], 0x02));
    rk[3] = expand_step(rk[2], _mm_aeskeygenassist_si128(rk[2], 0x04));
    rk[4] = expand_step(rk[3], _mm_aeskeygenassist_si128(rk[3], 0x08));
    rk[5] = expand_step(rk[4], _mm_aeskeygenassist_si128(rk[4], 0x10));
    rk[6] = expand_step(rk[5], _mm_aeskeygenassist_si128(rk[5], 0x20));
    rk[7] = expand_step(rk[6], _mm_aeskeygenassist_si128(rk[6], 0x40));
    rk[8] = expand_step(rk[7], _mm_aeskeygenassist_si128(rk[7], 0x80));
    rk[9] = expand_step(rk[8], _mm_aeskeygenassist_si128(rk[8], 0x1b));
    rk[10] = expand_step(rk[9], _mm_aeskeygenassist_si128(rk[9], 0x36));
}

// The counter block as AES input: the 128-bit integer in little-endian lane order, byte-reversed to big-endian.
OBSCURA_TARGET_AESNI inline __m128i counter_block(const Counter& c) {
    const __m128i bswap = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return _mm_shuffle_epi8(_mm_set_epi64x(static_cast<long long>(c.hi), static_cast<long long>(c.lo)), bswap);
}

OBSCURA_TARGET_AESNI inline __m128i encrypt_block(const __m128i* rk, __m128i b) {
    b = _mm_xor_si128(b, rk[0]);
    for (int r = 1; r < 10; r++) {
        b = _mm_aesenc_si128(b, rk[r]);
    }
    return _mm_aesenclast_si128(b, rk[10]);
}

// Blocks one at a time, for the tails; `elements` is 2 per block, or 1 in the final half block.
OBSCURA_TARGET_AESNI void ctr_tail_ni(const __m128i* rk, Counter c, uint64_t* out, int64_t elements) {
    for (; elements >= 2; elements -= 2, out += 2) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), encrypt_block(rk, counter_block(c)));
        c.advance(1);
    }
    if (elements == 1) {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out), encrypt_block(rk, counter_block(c)));
    }
}

// Eight independent blocks in flight hide the latency of aesenc (Intel optimization manual, "AES-NI" chapter).
OBSCURA_TARGET_AESNI void ctr_ni(const __m128i* rk, Counter c, uint64_t* out, int64_t elements) {
    constexpr int kWidth = 8;
    const __m128i bswap = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; elements >= 2 * kWidth; elements -= 2 * kWidth, out += 2 * kWidth) {
        __m128i b[kWidth];
        if (c.lo <= UINT64_MAX - (kWidth - 1)) {
            const __m128i base = _mm_set_epi64x(static_cast<long long>(c.hi), static_cast<long long>(c.lo));
            for (int j = 0; j < kWidth; j++) {
                b[j] = _mm_shuffle_epi8(_mm_add_epi64(base, _mm_set_epi64x(0, j)), bswap);
            }
        } else {
            Counter t = c;  // the low half wraps inside this group
            for (int j = 0; j < kWidth; j++, t.advance(1)) {
                b[j] = counter_block(t);
            }
        }
        c.advance(kWidth);
        for (int j = 0; j < kWidth; j++) {
            b[j] = _mm_xor_si128(b[j], rk[0]);
        }
        for (int r = 1; r < 10; r++) {
            for (int j = 0; j < kWidth; j++) {
                b[j] = _mm_aesenc_si128(b[j], rk[r]);
            }
        }
        for (int j = 0; j < kWidth; j++) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * j), _mm_aesenclast_si128(b[j], rk[10]));
        }
    }
    ctr_tail_ni(rk, c, out, elements);
}

// ---------------------------------------------------------------------------------------------------- VAES

OBSCURA_TARGET_VAES256 void ctr_vaes256(const __m128i* rk128, Counter c, uint64_t* out, int64_t elements) {
    constexpr int kVectors = 4;  // 2 blocks each
    constexpr int kBlocks = 2 * kVectors;
    __m256i rk[11];
    for (int r = 0; r < 11; r++) {
        rk[r] = _mm256_broadcastsi128_si256(rk128[r]);
    }
    const __m256i bswap = _mm256_broadcastsi128_si256(
        _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    // Lanes as qwords (lo0, hi0, lo1, hi1): block j of a vector adds j to its low half.
    const __m256i first = _mm256_set_epi64x(0, 1, 0, 0);
    const __m256i step = _mm256_set_epi64x(0, 2, 0, 2);
    for (; elements >= 2 * kBlocks; elements -= 2 * kBlocks, out += 2 * kBlocks) {
        if (c.lo > UINT64_MAX - (kBlocks - 1)) {
            ctr_ni(rk128, c, out, 2 * kBlocks);  // the low half wraps inside this group: rare, take the slow path
            c.advance(kBlocks);
            continue;
        }
        __m256i ctr = _mm256_add_epi64(
            _mm256_set_epi64x(static_cast<long long>(c.hi), static_cast<long long>(c.lo),
                              static_cast<long long>(c.hi), static_cast<long long>(c.lo)),
            first);
        __m256i b[kVectors];
        for (int j = 0; j < kVectors; j++) {
            b[j] = _mm256_xor_si256(_mm256_shuffle_epi8(ctr, bswap), rk[0]);
            ctr = _mm256_add_epi64(ctr, step);
        }
        c.advance(kBlocks);
        for (int r = 1; r < 10; r++) {
            for (int j = 0; j < kVectors; j++) {
                b[j] = _mm256_aesenc_epi128(b[j], rk[r]);
            }
        }
        for (int j = 0; j < kVectors; j++) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 4 * j), _mm256_aesenclast_epi128(b[j], rk[10]));
        }
    }
    ctr_ni(rk128, c, out, elements);
}

OBSCURA_TARGET_VAES512 void ctr_vaes512(const __m128i* rk128, Counter c, uint64_t* out, int64_t elements) {
    constexpr int kVectors = 4;  // 4 blocks each
    constexpr int kBlocks = 4 * kVectors;
    __m512i rk[11];
    for (int r = 0; r < 11; r++) {
        rk[r] = _mm512_broadcast_i32x4(rk128[r]);
    }
    const __m512i bswap = _mm512_broadcast_i32x4(
        _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    const __m512i first = _mm512_set_epi64(0, 3, 0, 2, 0, 1, 0, 0);
    const __m512i step = _mm512_set_epi64(0, 4, 0, 4, 0, 4, 0, 4);
    for (; elements >= 2 * kBlocks; elements -= 2 * kBlocks, out += 2 * kBlocks) {
        if (c.lo > UINT64_MAX - (kBlocks - 1)) {
            ctr_ni(rk128, c, out, 2 * kBlocks);
            c.advance(kBlocks);
            continue;
        }
        const long long hi = static_cast<long long>(c.hi);
        const long long lo = static_cast<long long>(c.lo);
        __m512i ctr = _mm512_add_epi64(_mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo), first);
        __m512i b[kVectors];
        for (int j = 0; j < kVectors; j++) {
            b[j] = _mm512_xor_si512(_mm512_shuffle_epi8(ctr, bswap), rk[0]);
            ctr = _mm512_add_epi64(ctr, step);
        }
        c.advance(kBlocks);
        for (int r = 1; r < 10; r++) {
            for (int j = 0; j < kVectors; j++) {
                b[j] = _mm512_aesenc_epi128(b[j], rk[r]);
            }
        }
        for (int j = 0; j < kVectors; j++) {
            _mm512_storeu_si512(out + 8 * j, _mm512_aesenclast_epi128(b[j], rk[10]));
        }
    }
    ctr_ni(rk128, c, out, elements);
}

// ---------------------------------------------------------------------------------------------------- software

// A plain byte-oriented AES-128 for CPUs without AES-NI. The S-box is never indexed by a secret byte (a table
// lookup would leak the key through the cache): SubBytes compares the 16 state bytes against every one of the 256
// inputs and keeps the matching entry, so the memory access pattern is independent of the data.
struct SoftwareAes {
    uint8_t sbox[256];

    SoftwareAes() {
        // S-box from its definition (FIPS 197 section 5.1.1): the inverse in GF(2^8), then the affine map.
        for (int x = 0; x < 256; x++) {
            uint8_t inv = 0;
            for (int y = 1; y < 256 && x != 0; y++) {
                if (mul(static_cast<uint8_t>(x), static_cast<uint8_t>(y)) == 1) {
                    inv = static_cast<uint8_t>(y);
                    break;
                }
            }
            uint8_t s = inv;
            for (int r = 1; r < 5; r++) {
                s ^= static_cast<uint8_t>((inv << r) | (inv >> (8 - r)));
            }
            sbox[x] = static_cast<uint8_t>(s ^ 0x63);
        }
    }

    static uint8_t xtime(const uint8_t x) {
        return static_cast<uint8_t>((x << 1) ^ (0x1b & -(x >> 7)));
    }

    static uint8_t mul(uint8_t a, uint8_t b) {
        uint8_t p = 0;
        for (int i = 0; i < 8; i++) {
            p ^= static_cast<uint8_t>(a & -(b & 1));
            a = xtime(a);
            b >>= 1;
        }
        return p;
    }

    void sub_bytes(uint8_t* s, const int count) const {
        alignas(16) uint8_t buf[16] = {};
        std::memcpy(buf, s, count);
        const __m128i x = _mm_load_si128(reinterpret_cast<const __m128i*>(buf));
        __m128i r = _mm_setzero_si128();
        for (int i = 0; i < 256; i++) {
            const __m128i hit = _mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(i)));
            r = _mm_or_si128(r, _mm_and_si128(hit, _mm_set1_epi8(static_cast<char>(sbox[i]))));
        }
        _mm_store_si128(reinterpret_cast<__m128i*>(buf), r);
        std::memcpy(s, buf, count);
    }

    // FIPS 197 section 5.2.
    void expand(const uint8_t* key, uint8_t* rk) const {
        std::memcpy(rk, key, 16);
        uint8_t rcon = 1;
        for (int i = 4; i < 44; i++) {
            uint8_t t[4];
            std::memcpy(t, rk + 4 * (i - 1), 4);
            if (i % 4 == 0) {
                const uint8_t first = t[0];
                t[0] = t[1];
                t[1] = t[2];
                t[2] = t[3];
                t[3] = first;
                sub_bytes(t, 4);
                t[0] ^= rcon;
                rcon = xtime(rcon);
            }
            for (int j = 0; j < 4; j++) {
                rk[4 * i + j] = static_cast<uint8_t>(rk[4 * (i - 4) + j] ^ t[j]);
            }
        }
    }

    // FIPS 197 section 5.1; the state is column-major, s[r + 4c].
    void encrypt(const uint8_t* rk, const uint8_t* in, uint8_t* out) const {
        uint8_t s[16];
        for (int i = 0; i < 16; i++) {
            s[i] = in[i] ^ rk[i];
        }
        for (int round = 1; round <= 10; round++) {
            sub_bytes(s, 16);
            uint8_t t[16];
            for (int c = 0; c < 4; c++) {
                for (int r = 0; r < 4; r++) {
                    t[r + 4 * c] = s[r + 4 * ((c + r) & 3)];  // ShiftRows
                }
            }
            if (round < 10) {
                for (int c = 0; c < 4; c++) {  // MixColumns
                    uint8_t* a = t + 4 * c;
                    const uint8_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
                    a[0] = xtime(a0) ^ xtime(a1) ^ a1 ^ a2 ^ a3;
                    a[1] = a0 ^ xtime(a1) ^ xtime(a2) ^ a2 ^ a3;
                    a[2] = a0 ^ a1 ^ xtime(a2) ^ xtime(a3) ^ a3;
                    a[3] = xtime(a0) ^ a0 ^ a1 ^ a2 ^ xtime(a3);
                }
            }
            for (int i = 0; i < 16; i++) {
                s[i] = t[i] ^ rk[16 * round + i];
            }
        }
        std::memcpy(out, s, 16);
    }
};

const SoftwareAes& software_aes() {
    static const SoftwareAes aes;
    return aes;
}

void ctr_software(const uint8_t* rk, Counter c, uint64_t* out, int64_t elements) {
    const SoftwareAes& aes = software_aes();
    for (; elements > 0; elements -= 2, out += 2, c.advance(1)) {
        uint8_t in[16];
        uint8_t ks[16];
        for (int i = 0; i < 8; i++) {
            in[i] = static_cast<uint8_t>(c.hi >> (56 - 8 * i));
            in[8 + i] = static_cast<uint8_t>(c.lo >> (56 - 8 * i));
        }
        aes.encrypt(rk, in, ks);
        std::memcpy(out, ks, elements >= 2 ? 16 : 8);  // little-endian uint64 read of the keystream bytes
    }
}

// ---------------------------------------------------------------------------------------------------- driver

struct Fill {
    int impl;
    __m128i rk[11];
    uint8_t soft_rk[176];
    uint64_t nonce;
    uint64_t first_block;
    uint64_t* out;
    int64_t n;
};

void fill_blocks(void* ctx, const int64_t begin, const int64_t end) {
    const Fill& f = *static_cast<const Fill*>(ctx);
    const Counter c = counter_at(f.nonce, f.first_block, static_cast<uint64_t>(begin));
    uint64_t* out = f.out + 2 * begin;
    const int64_t elements = std::min(2 * end, f.n) - 2 * begin;
    switch (f.impl) {
        case kAesVaes512: ctr_vaes512(f.rk, c, out, elements); break;
        case kAesVaes256: ctr_vaes256(f.rk, c, out, elements); break;
        case kAesNi: ctr_ni(f.rk, c, out, elements); break;
        default: ctr_software(f.soft_rk, c, out, elements); break;
    }
}

}  // namespace

const char* aes_impl_name(const int impl) {
    switch (impl) {
        case kAesVaes512: return "vaes512";
        case kAesVaes256: return "vaes256";
        case kAesNi: return "aes-ni";
        default: return "software-aes";
    }
}

void aes_ctr_fill(const int impl, const uint8_t key[16], const uint64_t nonce, const uint64_t first_block,
                  uint64_t* out, const int64_t n, const int threads) {
    if (n <= 0) {
        return;
    }
    Fill f;
    f.impl = impl;
    if (impl == kAesSoftware) {
        software_aes().expand(key, f.soft_rk);
    } else {
        expand_key_ni(key, f.rk);
    }
    f.nonce = nonce;
    f.first_block = first_block;
    f.out = out;
    f.n = n;
    // 16384 blocks (256 KiB of keystream, ~10 us with VAES) per chunk: below that a second thread costs more than
    // it saves.
    parallel_for((n + 1) / 2, 16384, threads, fill_blocks, &f);
    // The round keys are secret: do not leave them on the stack.
    volatile uint8_t* wipe = reinterpret_cast<volatile uint8_t*>(&f);
    for (size_t i = 0; i < sizeof(f); i++) {
        wipe[i] = 0;
    }
}

}  // namespace obscura
