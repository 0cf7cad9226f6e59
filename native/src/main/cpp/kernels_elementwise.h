// Elementwise kernels: the binary operations with NumPy broadcasting, the unary ones and the fused multiply-add.
//
// Part of kernels_impl.h. Plain loops, left to the compiler's vectorizer.
#ifndef OBSCURA_ISA
#error "include kernels_impl.h, not kernels_elementwise.h: it is compiled once per instruction-set level"
#endif

namespace obscura {
namespace OBSCURA_ISA {
namespace {

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

}  // namespace
}  // namespace OBSCURA_ISA
}  // namespace obscura
