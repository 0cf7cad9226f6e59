// Reductions: the sum over one axis.
//
// Part of kernels_impl.h.
#ifndef OBSCURA_ISA
#error "include kernels_impl.h, not kernels_reduce.h: it is compiled once per instruction-set level"
#endif

namespace obscura {
namespace OBSCURA_ISA {
namespace {

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

}  // namespace
}  // namespace OBSCURA_ISA
}  // namespace obscura
