// The blocked GEMM driver over Z_2^64, for any micro-kernel family: the loops, the packing buffers and the threading.
//
// Part of kernels_impl.h (with kernels_matmul.h's 64-bit-multiply micro-kernels) and of kernels_limb.cpp (with the
// 8-bit-limb micro-kernels of kernels_limb.h).
#ifndef OBSCURA_ISA
#error "include kernels_impl.h, not kernels_gemm.h: it is compiled once per instruction-set level"
#endif

namespace obscura {
namespace OBSCURA_ISA {
namespace {

thread_local Scratch tls_pack_a;
thread_local Scratch tls_pack_b;

// GEMM over Z_2^64 in the layered structure of Goto and van de Geijn, "Anatomy of High-Performance Matrix
// Multiplication" (ACM TOMS 34(3), 2008), as refined in BLIS (Van Zee and van de Geijn, ACM TOMS 41(3), 2015):
//
//   for jc in steps of NC:          a KC x NC panel of B, packed once, lives in L3
//     for pc in steps of KC:
//       pack B[pc:, jc:] into NR-wide micro-panels
//       for ic in steps of MC:      an MC x KC block of A, packed, lives in L2
//         pack A[ic:, pc:] into MR-tall micro-panels
//         for jr in steps of NR:    one KC x NR micro-panel of B stays in L1 across the ir loop
//           for ir in steps of MR:  the micro-kernel: an MR x NR block of C held in registers (or tiles)
//
// A micro-kernel family K supplies, as static members:
//   kMR, kNR, kKC, kMC, kNC   the block sizes above (kMC a multiple of kMR)
//   kKStep                    packed panels hold k rounded up to a multiple of this, zero-padded
//   pack_a(a, rsa, csa, mc, kc, ap)  the mc x kc block A[i, p] = a[i * rsa + p * csa] as MR-row micro-panels,
//                                    zero rows past mc; a panel of round_up(kc, kKStep) k takes kMR times that
//                                    many u64, whatever its internal layout
//   pack_b(b, rsb, csb, kc, nc, bp)  likewise the kc x nc block of B as NR-column micro-panels
//   micro_kernel(kc, ap, bp, c, ldc, accumulate)  C[0:MR, 0:NR] = (accumulate ? C : 0) + Ap · Bp
//   begin(), end()            around one thread's GEMM: per-thread state such as the AMX tile configuration
template <class K>
void edge_kernel(const int64_t kc, const u64* ap, const u64* bp, u64* c, const int64_t ldc, const bool accumulate,
                 const int64_t mr, const int64_t nr) {
    // A partial tile at the right or bottom edge: compute the full tile into a local buffer, copy its valid part.
    alignas(64) u64 tile[K::kMR * K::kNR];
    K::micro_kernel(kc, ap, bp, tile, K::kNR, false);
    for (int64_t i = 0; i < mr; i++) {
        for (int64_t j = 0; j < nr; j++) {
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i * K::kNR + j] : tile[i * K::kNR + j];
        }
    }
}

// C (m x n, row stride ldc) = (accumulate ? C : 0) + A · B on the calling thread, with this thread's packing buffers.
template <class K>
void gemm_blocked(const int64_t m, const int64_t n, const int64_t k, const u64* a, const int64_t rsa,
                  const int64_t csa, const u64* b, const int64_t rsb, const int64_t csb, u64* c, const int64_t ldc,
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
    const int64_t mc_step = round_up(ceil_div(m, ceil_div(m, K::kMC)), K::kMR);
    const int64_t kc_max = round_up(imin(K::kKC, k), K::kKStep);
    u64* ap = tls_pack_a.get(static_cast<size_t>(mc_step * kc_max));
    u64* bp = tls_pack_b.get(static_cast<size_t>(round_up(imin(K::kNC, n), K::kNR) * kc_max));
    K::begin();
    for (int64_t jc = 0; jc < n; jc += K::kNC) {
        const int64_t nc = imin(K::kNC, n - jc);
        for (int64_t pc = 0; pc < k; pc += K::kKC) {
            const int64_t kc = imin(K::kKC, k - pc);
            const int64_t panel = round_up(kc, K::kKStep);  // u64 per row or column of a packed micro-panel
            const bool add = accumulate || pc > 0;
            K::pack_b(b + pc * rsb + jc * csb, rsb, csb, kc, nc, bp);
            for (int64_t ic = 0; ic < m; ic += mc_step) {
                const int64_t mc = imin(mc_step, m - ic);
                K::pack_a(a + ic * rsa + pc * csa, rsa, csa, mc, kc, ap);
                for (int64_t jr = 0; jr < nc; jr += K::kNR) {
                    const int64_t nr = imin(K::kNR, nc - jr);
                    for (int64_t ir = 0; ir < mc; ir += K::kMR) {
                        const int64_t mr = imin(K::kMR, mc - ir);
                        u64* tile = c + (ic + ir) * ldc + jc + jr;
                        if (mr == K::kMR && nr == K::kNR) {
                            K::micro_kernel(kc, ap + ir * panel, bp + jr * panel, tile, ldc, add);
                        } else {
                            edge_kernel<K>(kc, ap + ir * panel, bp + jr * panel, tile, ldc, add, mr, nr);
                        }
                    }
                }
            }
        }
    }
    K::end();
}

// Below this many multiply-adds (128^3, about 50 us with AVX-512) a matmul stays on one thread.
constexpr int64_t kGemmGrain = int64_t{1} << 21;

// One GEMM split over the pool: each thread takes a slab of whole NR-wide column blocks (or MR-tall row blocks,
// whichever dimension is longer) and runs the sequential GEMM on it with its own packing buffers, so that threads
// share nothing but their read-only inputs.
template <class K>
void gemm_parallel(const int64_t m, const int64_t n, const int64_t k, const u64* a, const int64_t rsa,
                   const int64_t csa, const u64* b, const int64_t rsb, const int64_t csb, u64* c, const int64_t ldc,
                   const bool accumulate, const int threads) {
    if (threads <= 1 || m * n * imax(k, 1) < kGemmGrain) {
        gemm_blocked<K>(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, accumulate);
        return;
    }
    const bool by_columns = n >= m;
    const int64_t extent = by_columns ? n : m;
    const int64_t unit = by_columns ? K::kNR : K::kMR;
    const int64_t slab = round_up(ceil_div(extent, threads), unit);
    const int64_t slabs = ceil_div(extent, slab);
    auto task = [&](const int64_t t) {
        const int64_t lo = t * slab;
        const int64_t len = imin(slab, extent - lo);
        if (by_columns) {
            gemm_blocked<K>(m, len, k, a, rsa, csa, b + lo * csb, rsb, csb, c + lo, ldc, accumulate);
        } else {
            gemm_blocked<K>(len, n, k, a + lo * rsa, rsa, csa, b, rsb, csb, c + lo * ldc, ldc, accumulate);
        }
    };
    parallel_each(slabs, threads, task);
}

}  // namespace
}  // namespace OBSCURA_ISA
}  // namespace obscura
