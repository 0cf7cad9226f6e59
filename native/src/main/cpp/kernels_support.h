// What every kernel family shares: sizes, the thread pool and per-thread scratch memory.
//
// Part of kernels_impl.h (see there for how the families are compiled once per instruction-set level).
#ifndef OBSCURA_ISA
#error "include kernels_impl.h, not kernels_support.h: it is compiled once per instruction-set level"
#endif

namespace obscura {
namespace OBSCURA_ISA {
namespace {

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

}  // namespace
}  // namespace OBSCURA_ISA
}  // namespace obscura
