// One fixed, process-wide pool of worker threads shared by every caller.
//
// Parties run as Java threads in one process and may call kernels at the same time. They must share one pool
// instead of each spawning its own threads (two parties on two cores would otherwise run four busy threads), and two
// callers submitting at once must never wait on each other: each caller always works through its own job, and idle
// workers join whichever job is queued first. A job therefore always finishes even when every worker is busy.
//
// The interface is a plain function pointer plus context, not a template, because this file is compiled for the
// baseline ISA while the kernels that call it are compiled for AVX2 and AVX-512 in other translation units; a template
// instantiated in both would be an ODR hazard (the linker keeps one copy, possibly the AVX-512 one).
#pragma once

#include <cstdint>

namespace obscura {

// Runs body(ctx, begin, end) over disjoint chunks covering [0, n), on at most max_threads threads (the caller
// included). Chunks hold at least `grain` items except the last, so small inputs stay on the calling thread.
// Returns once every chunk has run; if a chunk threw, the remaining chunks are skipped and the first exception is
// rethrown here, on the calling thread.
using RangeBody = void (*)(void* ctx, int64_t begin, int64_t end);
void parallel_for(int64_t n, int64_t grain, int max_threads, RangeBody body, void* ctx);

// Runs every task in [0, tasks) on at most max_threads threads; body(ctx, begin, end) receives a range of tasks
// (a single one when spread over the pool, all of them when run on the caller alone).
void parallel_tasks(int64_t tasks, int max_threads, RangeBody body, void* ctx);

// Creates the pool with `threads` participants (the caller plus threads - 1 workers) unless it exists already; the
// first call wins. Returns the pool's size.
int pool_init(int threads);

// The pool's size (participants including the caller), 1 before pool_init.
int pool_size();

}  // namespace obscura
