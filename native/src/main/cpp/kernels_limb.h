// The ring GEMM over Z_2^64 through 8-bit limbs, as int8 dot products with 32-bit sums: on AVX-512 VNNI (vpdpbusd)
// and on AMX-INT8 tiles (tdpbsud). The decomposition, its exactness bound and the CPU mappings are described in
// docs/LIMB_GEMM.md, which a GPU backend on tensor cores cites too.
//
// Part of kernels_limb.cpp, which includes it after kernels_support.h and kernels_gemm.h: both kernels are micro-kernel
// families for gemm_blocked. The word-multiply GEMM (kernels_matmul.h) stays the default wherever it is faster.
#ifndef OBSCURA_ISA
#error "include kernels_limb.cpp's headers in its order: kernels_limb.h needs kernels_support.h and kernels_gemm.h"
#endif

namespace obscura {
namespace OBSCURA_ISA {
namespace {

// ------------------------------------------------------------------------------------------------ the decomposition
//
// A product over Z_2^64 from bytes (docs/LIMB_GEMM.md, "The decomposition"). B's elements are split into their eight
// unsigned bytes b_j (0..255), A's into eight signed digits d_i (-128..127) with
//
//   a = sum_i d_i 2^(8i) mod 2^64,   d_i = byte_i((a + M) xor M) read as int8,   M = 0x8080808080808080,
//
// (adding M adds 128 to every byte, carries included; xor M then subtracts 128 from each byte without a borrow, so
// sum_i (byte_i(a + M) - 128) 2^(8i) = a + M - M). vpdpbusd and tdpbsud multiply unsigned bytes by signed ones, so
// this needs no correction term. Then, with S_s = sum_k sum_{i+j=s} d_i(A[r,k]) b_j(B[k,c]) for s = 0..7,
//
//   C[r, c] = sum_s S_s 2^(8s) mod 2^64:
//
// 36 limb pairs (i + j < 8), summed per output shift s into eight 32-bit sums. S_s is needed only mod 2^(64-8s):
// for s >= 4 that is 32 bits or fewer, so the wrapping 32-bit sums are exact whatever k. For s <= 3 the 32-bit sum
// must not overflow: |d_i b_j| <= 128 * 255 and S_3 has four pairs per k, so over a chunk of kc values of k
// |S_s| <= 4 * 128 * 255 * kc < 2^31 when kc <= kLimbChunkBound = 16448. Every micro-kernel call covers at most kKC
// values of k and widens its sums to 64 bits before the next chunk; each family asserts kKC <= kLimbChunkBound.
constexpr u64 kDigitBias = 0x8080808080808080ULL;
constexpr int64_t kLimbChunkBound = (int64_t{1} << 31) / (4 * 128 * 255);
static_assert(kLimbChunkBound == 16448, "the chunk bound of docs/LIMB_GEMM.md");

inline u64 signed_digits(const u64 a) { return (a + kDigitBias) ^ kDigitBias; }

// Every packed panel, of A or B, VNNI or AMX, has one layout with two parameters: `lanes` (the rows of A or the
// columns of B in the micro-panel) and kGroup (how many consecutive k share a run of one limb of one lane). Limb i of
// lane l at k = p is the byte
//   (p / kGroup) * (8 * lanes * kGroup) + (i * lanes + l) * kGroup + p mod kGroup,
// so that a run of kGroup bytes is what one instruction takes per lane: 4 k for vpdpbusd's 32-bit lanes and AMX's B
// tile rows, 64 k for an AMX A tile row. Lanes past `valid` and k past kc are zero (all digits of 0 are 0). This packs
// element (p, l) = x[p * step + l * lane_step] of one micro-panel, as its signed digits (A) or its bytes (B).
template <int64_t kGroup>
void pack_limb_panel(const u64* x, const int64_t step, const int64_t lane_step, const int64_t kc,
                     const int64_t kc_padded, const int64_t lanes, const int64_t valid, const bool digits,
                     uint8_t* dst) {
    for (int64_t p = 0; p < kc_padded; p++) {
        uint8_t* at = dst + (p / kGroup) * (8 * lanes * kGroup) + p % kGroup;
        for (int64_t l = 0; l < lanes; l++) {
            const u64 v = l < valid && p < kc ? x[p * step + l * lane_step] : 0;
            const u64 bytes = digits ? signed_digits(v) : v;
            for (int i = 0; i < 8; i++) {
                at[(i * lanes + l) * kGroup] = static_cast<uint8_t>(bytes >> (8 * i));
            }
        }
    }
}

// A: micro-panels of `rows` rows (zero rows past mc), as signed digits, each panel rows * kc_padded u64 long.
template <int64_t kGroup>
void pack_a_limbs(const u64* a, const int64_t rsa, const int64_t csa, const int64_t mc, const int64_t kc,
                  const int64_t kc_padded, const int64_t rows, u64* ap) {
    for (int64_t q = 0; q < mc; q += rows, ap += rows * kc_padded) {
        pack_limb_panel<kGroup>(a + q * rsa, csa, rsa, kc, kc_padded, rows, imin(rows, mc - q), true,
                                reinterpret_cast<uint8_t*>(ap));
    }
}

// B, for both families: 16 columns per panel in groups of 4 k, so that the 64 bytes of one (k / 4, limb) are one zmm
// of vpdpbusd (16 lanes of 4 consecutive k) and sixteen of them, 512 bytes apart, one AMX B tile (16 rows of 4 k by
// 16 columns). Zero past kc and past nc, up to nc_padded columns.
constexpr int64_t kLimbNR = 16;

void pack_b_limbs(const u64* b, const int64_t rsb, const int64_t csb, const int64_t kc, const int64_t nc,
                  const int64_t nc_padded, const int64_t kc_padded, u64* bp) {
    for (int64_t q = 0; q < nc_padded; q += kLimbNR, bp += kLimbNR * kc_padded) {
        pack_limb_panel<4>(b + q * csb, rsb, csb, kc, kc_padded, kLimbNR, imax(0, imin(kLimbNR, nc - q)), false,
                           reinterpret_cast<uint8_t*>(bp));
    }
}

// pack_a and pack_b of a limb kernel family K (for gemm_blocked), from K's kMR, kNR and kKStep.
template <class K>
struct LimbPacking {
    static void pack_a(const u64* a, const int64_t rsa, const int64_t csa, const int64_t mc, const int64_t kc,
                       u64* ap) {
        pack_a_limbs<K::kKStep>(a, rsa, csa, mc, kc, round_up(kc, K::kKStep), K::kMR, ap);
    }

    // kNR / 16 panels of pack_b_limbs, one after the other.
    static void pack_b(const u64* b, const int64_t rsb, const int64_t csb, const int64_t kc, const int64_t nc,
                       u64* bp) {
        pack_b_limbs(b, rsb, csb, kc, nc, round_up(nc, K::kNR), round_up(kc, K::kKStep), bp);
    }
};

// c[0:16] = (accumulate ? c : 0) + sum_s S_s 2^(8s) mod 2^64, for the 16 columns whose shift sums are the int32 lanes
// of s0..s7. S_0..S_3 are exact and sign-extended; S_4..S_7 only count mod 2^32 (they land at 2^32 and above), so
// they are folded in 32-bit lanes first.
inline void store_limb_sums(const __m512i s0, const __m512i s1, const __m512i s2, const __m512i s3, const __m512i s4,
                            const __m512i s5, const __m512i s6, const __m512i s7, u64* c, const bool accumulate) {
    __m512i high = _mm512_add_epi32(s4, _mm512_slli_epi32(s5, 8));
    high = _mm512_add_epi32(high, _mm512_slli_epi32(s6, 16));
    high = _mm512_add_epi32(high, _mm512_slli_epi32(s7, 24));
    for (int half = 0; half < 2; half++) {
        const auto widen = [half](const __m512i v) {
            return _mm512_cvtepi32_epi64(half == 0 ? _mm512_castsi512_si256(v) : _mm512_extracti64x4_epi64(v, 1));
        };
        __m512i r = widen(s0);
        r = _mm512_add_epi64(r, _mm512_slli_epi64(widen(s1), 8));
        r = _mm512_add_epi64(r, _mm512_slli_epi64(widen(s2), 16));
        r = _mm512_add_epi64(r, _mm512_slli_epi64(widen(s3), 24));
        r = _mm512_add_epi64(r, _mm512_slli_epi64(widen(high), 32));
        if (accumulate) {
            r = _mm512_add_epi64(r, _mm512_loadu_si512(c + 8 * half));
        }
        _mm512_storeu_si512(c + 8 * half, r);
    }
}

// ------------------------------------------------------------------------------------------------ AVX-512 VNNI

// vpdpbusd (Intel Intrinsics Guide, _mm512_dpbusd_epi32): per 32-bit lane, the sum of 4 products of an unsigned byte
// of its first source by a signed byte of its second, added to the lane without saturation. The micro-kernel keeps
// 1 row x 32 columns x 8 shift sums in 16 zmm registers; per 4 values of k it loads the 8 limb vectors of each
// 16-column half of B (16 columns x 4 k each) and broadcasts the row's 4 digits of each of the 8 limbs of A once,
// then does 2 vpdpbusd per limb pair: 72 vpdpbusd for 128 ring multiply-adds, against 16 vpmullq on the word path.
// One row rather than several keeps the loads (16 of B, 8 broadcasts) well below the multiplies.
struct LimbVnniKernel : LimbPacking<LimbVnniKernel> {
    static constexpr int64_t kMR = 1;
    static constexpr int64_t kNR = 2 * kLimbNR;
    static constexpr int64_t kKStep = 4;
    // As the word kernel: an MC x KC block of A (as many bytes as its words) in L2, the KC x 32 panel of B (64 KiB)
    // in L1 and L2.
    static constexpr int64_t kKC = 256;
    static constexpr int64_t kMC = 128;
    static constexpr int64_t kNC = 1024;
    static_assert(kKC <= kLimbChunkBound, "a chunk of k must keep the 32-bit shift sums exact");

    // Packing (LimbPacking): A one row per micro-panel, [k / 4][limb i] as one int32 of the 4 digits of
    // k = 4(k / 4) .. + 3; B as two 16-column panels, one after the other.

    static void micro_kernel(const int64_t kc, const u64* ap, const u64* bp, u64* c, const int64_t ldc,
                             const bool accumulate) {
        const int32_t* a = reinterpret_cast<const int32_t*>(ap);
        const int64_t quads = ceil_div(kc, kKStep);
        const __m512i* b0 = reinterpret_cast<const __m512i*>(bp);  // columns 0..15
        const __m512i* b1 = b0 + 8 * quads;                          // columns 16..31
        const __m512i z = _mm512_setzero_si512();
        __m512i lo0 = z, lo1 = z, lo2 = z, lo3 = z, lo4 = z, lo5 = z, lo6 = z, lo7 = z;
        __m512i hi0 = z, hi1 = z, hi2 = z, hi3 = z, hi4 = z, hi5 = z, hi6 = z, hi7 = z;
        for (int64_t q = 0; q < quads; q++, a += 8, b0 += 8, b1 += 8) {
            const __m512i d0 = _mm512_set1_epi32(a[0]), d1 = _mm512_set1_epi32(a[1]);
            const __m512i d2 = _mm512_set1_epi32(a[2]), d3 = _mm512_set1_epi32(a[3]);
            const __m512i d4 = _mm512_set1_epi32(a[4]), d5 = _mm512_set1_epi32(a[5]);
            const __m512i d6 = _mm512_set1_epi32(a[6]), d7 = _mm512_set1_epi32(a[7]);
            __m512i x;
            __m512i y;
            // Limb i of A (di) times limb j of B (x, y) adds to the sums of shift s = i + j.
#define OBSCURA_B(j)                   \
    x = _mm512_load_si512(b0 + (j));   \
    y = _mm512_load_si512(b1 + (j));
#define OBSCURA_DP(s, i)                                \
    lo##s = _mm512_dpbusd_epi32(lo##s, x, d##i);        \
    hi##s = _mm512_dpbusd_epi32(hi##s, y, d##i);
            OBSCURA_B(0)
            OBSCURA_DP(0, 0) OBSCURA_DP(1, 1) OBSCURA_DP(2, 2) OBSCURA_DP(3, 3)
            OBSCURA_DP(4, 4) OBSCURA_DP(5, 5) OBSCURA_DP(6, 6) OBSCURA_DP(7, 7)
            OBSCURA_B(1)
            OBSCURA_DP(1, 0) OBSCURA_DP(2, 1) OBSCURA_DP(3, 2) OBSCURA_DP(4, 3)
            OBSCURA_DP(5, 4) OBSCURA_DP(6, 5) OBSCURA_DP(7, 6)
            OBSCURA_B(2)
            OBSCURA_DP(2, 0) OBSCURA_DP(3, 1) OBSCURA_DP(4, 2) OBSCURA_DP(5, 3) OBSCURA_DP(6, 4) OBSCURA_DP(7, 5)
            OBSCURA_B(3)
            OBSCURA_DP(3, 0) OBSCURA_DP(4, 1) OBSCURA_DP(5, 2) OBSCURA_DP(6, 3) OBSCURA_DP(7, 4)
            OBSCURA_B(4)
            OBSCURA_DP(4, 0) OBSCURA_DP(5, 1) OBSCURA_DP(6, 2) OBSCURA_DP(7, 3)
            OBSCURA_B(5)
            OBSCURA_DP(5, 0) OBSCURA_DP(6, 1) OBSCURA_DP(7, 2)
            OBSCURA_B(6)
            OBSCURA_DP(6, 0) OBSCURA_DP(7, 1)
            OBSCURA_B(7)
            OBSCURA_DP(7, 0)
#undef OBSCURA_B
#undef OBSCURA_DP
            // Pin the 16 sums to registers (as the AVX2 word kernel does): GCC 12 otherwise keeps some in memory.
            __asm__("" : "+v"(lo0), "+v"(lo1), "+v"(lo2), "+v"(lo3), "+v"(lo4), "+v"(lo5), "+v"(lo6), "+v"(lo7));
            __asm__("" : "+v"(hi0), "+v"(hi1), "+v"(hi2), "+v"(hi3), "+v"(hi4), "+v"(hi5), "+v"(hi6), "+v"(hi7));
        }
        store_limb_sums(lo0, lo1, lo2, lo3, lo4, lo5, lo6, lo7, c, accumulate);
        store_limb_sums(hi0, hi1, hi2, hi3, hi4, hi5, hi6, hi7, c + kLimbNR, accumulate);
        (void)ldc;  // one row
    }

    static void begin() {}
    static void end() {}
};

// ------------------------------------------------------------------------------------------------ AMX-INT8

#if OBSCURA_LIMB_AMX
// tdpbsud (Intel SDM vol. 2, TDPBSUD; Intel Intrinsics Guide, _tile_dpbsud): C[m][n] += sum_{t < K} A[m][t] B[t/4][4n
// + t mod 4], signed bytes of the A tile (16 rows x 64 bytes) times unsigned bytes of the B tile (16 rows of 4 k x 16
// columns), into int32 without saturation: one 16 x 16 x 64 block of int8 multiply-adds per instruction.
//
// Eight tile registers hold at most 8 x 16 x 16 int32, and one output block needs 8 shift sums, so a 16 x 16 block
// of C takes two passes over its chunk of k: shifts 0..3 (the 10 limb pairs with i + j <= 3) in tiles 0-3, then
// shifts 4..7 (the other 26) in tiles 0-3 again; tile 4 holds the limb of A, tiles 5-7 take turns at the limbs of B.
// Linux grants the tile state only on request (arch_prctl(ARCH_REQ_XCOMP_PERM), cpu_features.cpp); jni_entry.cpp
// calls this family only where that succeeded.
struct alignas(64) TileConfig {
    uint8_t palette_id;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
};

// Palette 1, tiles 0-7 all 16 rows x 64 bytes.
constexpr TileConfig kTileConfig = {1, 0, {}, {64, 64, 64, 64, 64, 64, 64, 64}, {16, 16, 16, 16, 16, 16, 16, 16}};

struct LimbAmxKernel : LimbPacking<LimbAmxKernel> {
    static constexpr int64_t kMR = 16;
    static constexpr int64_t kNR = kLimbNR;
    static constexpr int64_t kKStep = 64;
    // Longer chunks than VNNI's: every chunk ends in 8 tile stores and a 256-element combination per block of C.
    // A 16 x 512 micro-panel of A or B is 64 KiB, in L2; the MC x KC block of A 256 KiB, the KC x NC panel of B 2 MiB.
    static constexpr int64_t kKC = 512;
    static constexpr int64_t kMC = 64;
    static constexpr int64_t kNC = 512;
    static_assert(kKC <= kLimbChunkBound, "a chunk of k must keep the 32-bit shift sums exact");

    // Packing (LimbPacking): A 16 rows per micro-panel, [k / 64][limb i][row r][k mod 64] digits, so that limb i
    // of one 64-k block is one A tile (rows 64 bytes apart) at byte (k / 64) * 8192 + i * 1024; B one 16-column
    // panel, whose 16 rows of 4 k of one limb in a 64-k block are one B tile (rows 512 bytes apart).

    static void begin() { _tile_loadconfig(&kTileConfig); }
    static void end() { _tile_release(); }

    // The shifts kFirst .. kFirst + 3 of one 16 x 16 block over all 64-k blocks of a chunk, in tiles 0-3, then
    // stored to sums[kFirst ..]: tile 4 <- limb i of A, tile t <- limb j of B, tile i + j - kFirst += tile 4 · tile t.
    // Tile numbers must be literals (they are spliced into the instruction), hence the spelt-out pair lists.
    template <int kFirst>
    static void tile_pass(const uint8_t* a, const uint8_t* b, const int64_t blocks, int32_t (*sums)[16 * 16]) {
#define OBSCURA_TILE_A(i) _tile_loadd(4, blk_a + (i) * 1024, 64);
#define OBSCURA_TILE_B(j, t, s)                     \
    _tile_loadd(t, blk_b + (j) * 64, 8 * 64);       \
    _tile_dpbsud(s, 4, t);
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        for (int64_t blk = 0; blk < blocks; blk++) {
            const uint8_t* blk_a = a + blk * (8 * kMR * 64);
            const uint8_t* blk_b = b + blk * (16 * 8 * 64);
            if constexpr (kFirst == 0) {
                // The 10 pairs with i + j <= 3.
                OBSCURA_TILE_A(0) OBSCURA_TILE_B(0, 5, 0) OBSCURA_TILE_B(1, 6, 1) OBSCURA_TILE_B(2, 7, 2)
                OBSCURA_TILE_B(3, 5, 3)
                OBSCURA_TILE_A(1) OBSCURA_TILE_B(0, 6, 1) OBSCURA_TILE_B(1, 7, 2) OBSCURA_TILE_B(2, 5, 3)
                OBSCURA_TILE_A(2) OBSCURA_TILE_B(0, 6, 2) OBSCURA_TILE_B(1, 7, 3)
                OBSCURA_TILE_A(3) OBSCURA_TILE_B(0, 5, 3)
            } else {
                // The 26 pairs with 4 <= i + j <= 7.
                OBSCURA_TILE_A(0) OBSCURA_TILE_B(4, 5, 0) OBSCURA_TILE_B(5, 6, 1) OBSCURA_TILE_B(6, 7, 2)
                OBSCURA_TILE_B(7, 5, 3)
                OBSCURA_TILE_A(1) OBSCURA_TILE_B(3, 6, 0) OBSCURA_TILE_B(4, 7, 1) OBSCURA_TILE_B(5, 5, 2)
                OBSCURA_TILE_B(6, 6, 3)
                OBSCURA_TILE_A(2) OBSCURA_TILE_B(2, 7, 0) OBSCURA_TILE_B(3, 5, 1) OBSCURA_TILE_B(4, 6, 2)
                OBSCURA_TILE_B(5, 7, 3)
                OBSCURA_TILE_A(3) OBSCURA_TILE_B(1, 5, 0) OBSCURA_TILE_B(2, 6, 1) OBSCURA_TILE_B(3, 7, 2)
                OBSCURA_TILE_B(4, 5, 3)
                OBSCURA_TILE_A(4) OBSCURA_TILE_B(0, 6, 0) OBSCURA_TILE_B(1, 7, 1) OBSCURA_TILE_B(2, 5, 2)
                OBSCURA_TILE_B(3, 6, 3)
                OBSCURA_TILE_A(5) OBSCURA_TILE_B(0, 7, 1) OBSCURA_TILE_B(1, 5, 2) OBSCURA_TILE_B(2, 6, 3)
                OBSCURA_TILE_A(6) OBSCURA_TILE_B(0, 7, 2) OBSCURA_TILE_B(1, 5, 3)
                OBSCURA_TILE_A(7) OBSCURA_TILE_B(0, 6, 3)
            }
        }
#undef OBSCURA_TILE_A
#undef OBSCURA_TILE_B
        _tile_stored(0, sums[kFirst + 0], 64);
        _tile_stored(1, sums[kFirst + 1], 64);
        _tile_stored(2, sums[kFirst + 2], 64);
        _tile_stored(3, sums[kFirst + 3], 64);
    }

    static void micro_kernel(const int64_t kc, const u64* ap, const u64* bp, u64* c, const int64_t ldc,
                             const bool accumulate) {
        alignas(64) int32_t sums[8][16 * 16];
        const uint8_t* a = reinterpret_cast<const uint8_t*>(ap);
        const uint8_t* b = reinterpret_cast<const uint8_t*>(bp);
        const int64_t blocks = ceil_div(kc, kKStep);
        // GCC's tile intrinsics are asm statements without memory operands: keep the packing stores before the
        // tile loads, and the tile stores before the reads of sums.
        __asm__ volatile("" ::: "memory");
        tile_pass<0>(a, b, blocks, sums);
        tile_pass<4>(a, b, blocks, sums);
        __asm__ volatile("" ::: "memory");
        for (int64_t r = 0; r < kMR; r++) {
            const auto row = [&sums, r](const int s) { return _mm512_load_si512(sums[s] + r * 16); };
            store_limb_sums(row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7), c + r * ldc, accumulate);
        }
    }
};
#endif  // OBSCURA_LIMB_AMX

}  // namespace
}  // namespace OBSCURA_ISA
}  // namespace obscura
