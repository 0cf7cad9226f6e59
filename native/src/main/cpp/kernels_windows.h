// Window kernels: the window gather and scatter-add of pooling (Backend.windowGather, Backend.windowScatterAdd) and
// the convolutions, which are the same gather (im2col) and scatter (col2im) around a GEMM.
//
// Part of kernels_impl.h.
#ifndef OBSCURA_ISA
#error "include kernels_impl.h, not kernels_windows.h: it is compiled once per instruction-set level"
#endif

namespace obscura {
namespace OBSCURA_ISA {
namespace {

thread_local Scratch tls_columns;

// ------------------------------------------------------------------------------------------------ gather and scatter

// Where the taps of the windows of a ConvGeometry lie in a buffer: position p = i*kw + j of the window at output
// position s = y*ow + x of plane q (one h x w image of one channel) is element q*plane + p*position + s*spatial.
// The columns of im2col for one image are {kh*kw*oh*ow, oh*ow, 1}, rows (c, i, j) by columns (y, x); a layout of
// Backend.windowGather with position stride ps and window stride ws is {oh*ow*ws, ps, ws}.
struct WindowStrides {
    int64_t plane;
    int64_t position;
    int64_t spatial;
};

// For a kernel column j, the output columns whose input column lies inside the image form one range [lo, hi);
// finding it once per row of windows leaves a plain copy (a memcpy at stride 1) between two zero fills, with no
// test per element.
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

// Zeros elements [from, to) of a row whose elements lie `stride` apart.
inline void zero_strided(u64* row, const int64_t from, const int64_t to, const int64_t stride) {
    if (stride == 1) {
        zero_elements(row + from, to - from);
        return;
    }
    for (int64_t xo = from; xo < to; xo++) {
        row[xo * stride] = 0;
    }
}

// Writes every tap of `planes` consecutive planes of x into `out` at `s`, 0 for taps in the padding. With
// s.position == 0 all positions of a window meet in one element, which then receives their sum.
void gather_windows(const u64* x, const ConvGeometry& g, const int64_t planes, const WindowStrides& s, u64* out) {
    const bool sum = s.position == 0;
    const int64_t row_step = g.ow * s.spatial;
    for (int64_t q = 0; q < planes; q++) {
        const u64* xq = x + q * g.h * g.w;
        u64* oq = out + q * s.plane;
        if (sum) {
            for (int64_t y = 0; y < g.oh; y++) {
                zero_strided(oq + y * row_step, 0, g.ow, s.spatial);
            }
        }
        for (int64_t i = 0; i < g.kh; i++) {
            for (int64_t j = 0; j < g.kw; j++) {
                const ColumnRange r = valid_columns(g, j);
                u64* dst = oq + (i * g.kw + j) * s.position;
                for (int64_t y = 0; y < g.oh; y++, dst += row_step) {
                    const int64_t iy = y * g.sh + i - g.ph;
                    if (iy < 0 || iy >= g.h || r.lo == r.hi) {
                        if (!sum) {
                            zero_strided(dst, 0, g.ow, s.spatial);
                        }
                        continue;
                    }
                    const u64* src = xq + iy * g.w + j - g.pw;  // src[xo * sw] is input column ix
                    if (sum) {
                        for (int64_t xo = r.lo; xo < r.hi; xo++) {
                            dst[xo * s.spatial] += src[xo * g.sw];
                        }
                        continue;
                    }
                    zero_strided(dst, 0, r.lo, s.spatial);
                    if (g.sw == 1 && s.spatial == 1) {
                        copy_elements(dst + r.lo, src + r.lo, r.hi - r.lo);
                    } else {
                        for (int64_t xo = r.lo; xo < r.hi; xo++) {
                            dst[xo * s.spatial] = src[xo * g.sw];
                        }
                    }
                    zero_strided(dst, r.hi, g.ow, s.spatial);
                }
            }
        }
    }
}

// The adjoint of gather_windows: adds every tap's element of `windows` onto the input position it reads; taps in the
// padding are dropped.
void scatter_windows_add(const u64* windows, const ConvGeometry& g, const int64_t planes, const WindowStrides& s,
                         u64* x) {
    const int64_t row_step = g.ow * s.spatial;
    for (int64_t q = 0; q < planes; q++) {
        u64* xq = x + q * g.h * g.w;
        const u64* wq = windows + q * s.plane;
        for (int64_t i = 0; i < g.kh; i++) {
            for (int64_t j = 0; j < g.kw; j++) {
                const ColumnRange r = valid_columns(g, j);
                const u64* src = wq + (i * g.kw + j) * s.position;
                for (int64_t y = 0; y < g.oh; y++, src += row_step) {
                    const int64_t iy = y * g.sh + i - g.ph;
                    if (iy < 0 || iy >= g.h) {
                        continue;
                    }
                    u64* dst = xq + iy * g.w + j - g.pw;
                    if (g.sw == 1 && s.spatial == 1) {
                        for (int64_t xo = r.lo; xo < r.hi; xo++) {
                            dst[xo] += src[xo];
                        }
                    } else {
                        for (int64_t xo = r.lo; xo < r.hi; xo++) {
                            dst[xo * g.sw] += src[xo * s.spatial];
                        }
                    }
                }
            }
        }
    }
}

// The taps of a window sum per plane, for the grain: a chunk of planes must be worth kElementGrain taps.
inline int64_t plane_grain(const ConvGeometry& g) {
    return imax(1, kElementGrain / imax(1, g.kh * g.kw * g.oh * g.ow));
}

inline WindowStrides layout_strides(const ConvGeometry& g, const int64_t position_stride, const int64_t window_stride) {
    return WindowStrides{g.oh * g.ow * window_stride, position_stride, window_stride};
}

// Backend.windowGather over the n*c planes of the input, chunks of whole planes per thread (their outputs are
// disjoint in every layout).
void window_gather(const u64* input, u64* out, const ConvGeometry& g, const int64_t position_stride,
                   const int64_t window_stride, const int threads) {
    const WindowStrides s = layout_strides(g, position_stride, window_stride);
    auto body = [&](const int64_t begin, const int64_t end) {
        gather_windows(input + begin * g.h * g.w, g, end - begin, s, out + begin * s.plane);
    };
    parallel(g.n * g.c, plane_grain(g), threads, body);
}

// Backend.windowScatterAdd: each chunk of planes clears its own part of the output, then adds into it.
void window_scatter_add(const u64* windows, u64* out, const ConvGeometry& g, const int64_t position_stride,
                        const int64_t window_stride, const int threads) {
    const WindowStrides s = layout_strides(g, position_stride, window_stride);
    auto body = [&](const int64_t begin, const int64_t end) {
        u64* x = out + begin * g.h * g.w;
        std::memset(x, 0, static_cast<size_t>((end - begin) * g.h * g.w) * sizeof(u64));
        scatter_windows_add(windows + begin * s.plane, g, end - begin, s, x);
    };
    parallel(g.n * g.c, plane_grain(g), threads, body);
}

// ------------------------------------------------------------------------------------------------ convolution

// Convolution as GEMM over unrolled patches (im2col; Chellapilla, Puri and Simard, "High Performance Convolutional
// Neural Networks for Document Processing", 2006): the columns of one image form a [C*kh*kw, oh*ow] matrix whose
// row (c, i, j) holds input[c, y*sh + i - ph, x*sw + j - pw] for every output position (y, x), zero outside.
inline WindowStrides column_strides(const ConvGeometry& g) {
    return WindowStrides{g.kh * g.kw * g.oh * g.ow, g.oh * g.ow, 1};
}

void im2col(const u64* x, const ConvGeometry& g, u64* col) {
    gather_windows(x, g, g.c, column_strides(g), col);
}

// The adjoint of im2col: adds every column entry back onto the input position it was read from.
void col2im_add(const u64* col, const ConvGeometry& g, u64* x) {
    scatter_windows_add(col, g, g.c, column_strides(g), x);
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
void conv2d(const u64* input, const u64* weight, u64* out, const ConvGeometry& g, const GemmFn gemm,
            const int threads) {
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
        gemm(g.o, spatial, patch, weight, patch, 1, col, spatial, 1, out + img * g.o * spatial, spatial, false, inner);
    };
    parallel_each(g.n, outer, task);
}

// gradInput[n] = col2im(weight^T [C*kh*kw, O] · gradOut[n] [O, oh*ow]).
void conv2d_backward_input(const u64* grad_out, const u64* weight, u64* grad_input, const ConvGeometry& g,
                           const GemmFn gemm, const int threads) {
    const int64_t patch = g.c * g.kh * g.kw;
    const int64_t spatial = g.oh * g.ow;
    const int64_t image = g.c * g.h * g.w;
    const int outer = image_threads(g, threads);
    const int inner = outer > 1 ? 1 : threads;
    auto task = [&](const int64_t img) {
        u64* gx = grad_input + img * image;
        const u64* gy = grad_out + img * g.o * spatial;
        if (is_pointwise(g)) {
            gemm(patch, spatial, g.o, weight, 1, patch, gy, spatial, 1, gx, spatial, false, inner);
            return;
        }
        u64* col = tls_columns.get(static_cast<size_t>(patch * spatial));
        gemm(patch, spatial, g.o, weight, 1, patch, gy, spatial, 1, col, spatial, false, inner);
        std::memset(gx, 0, static_cast<size_t>(image) * sizeof(u64));
        col2im_add(col, g, gx);
    };
    parallel_each(g.n, outer, task);
}

// gradWeight [O, C*kh*kw] = sum_n gradOut[n] [O, oh*ow] · columns(input[n])^T [oh*ow, C*kh*kw]. Threads take
// disjoint sets of images and sum into their own partial result; the partials are added at the end. Ring addition
// is associative and commutative, so the split does not change a single bit of the result.
void conv2d_backward_weight(const u64* input, const u64* grad_out, u64* grad_weight, const ConvGeometry& g,
                            const GemmFn gemm, const int threads) {
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
            gemm(g.o, patch, spatial, grad_out + img * g.o * spatial, spatial, 1, col, 1, spatial, acc, patch,
                 img > first, inner);
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
