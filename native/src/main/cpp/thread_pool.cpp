#include "thread_pool.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace obscura {
namespace {

// One parallel region. It lives on the submitting thread's stack, so the submitter must not return while a worker
// still touches it: `active` counts the workers inside, and a worker can only join while the job is queued.
struct Job {
    RangeBody body;
    void* ctx;
    int64_t n;
    int64_t chunk;
    int64_t tasks;
    std::atomic<int64_t> next{0};
    int slots = 0;   // workers that may still join; guarded by the pool's mutex
    int active = 0;  // workers inside run(); guarded by mu
    std::exception_ptr error;  // the first exception a chunk threw (out of memory); guarded by mu
    std::mutex mu;
    std::condition_variable cv;

    void run() {
        for (int64_t t = next.fetch_add(1, std::memory_order_relaxed); t < tasks;
             t = next.fetch_add(1, std::memory_order_relaxed)) {
            const int64_t begin = t * chunk;
            const int64_t end = std::min(n, begin + chunk);
            try {
                body(ctx, begin, end);
            } catch (...) {
                // Hand the failure to the submitter, which rethrows it to its caller (the JNI glue turns it into a
                // Java exception); an exception escaping a worker thread would terminate the process.
                std::lock_guard<std::mutex> lock(mu);
                if (!error) {
                    error = std::current_exception();
                }
                next.store(tasks, std::memory_order_relaxed);
            }
        }
    }
};

class ThreadPool {
public:
    explicit ThreadPool(const int participants) : size_(participants) {
        // Workers never run Java code; keep asynchronous signals (SIGQUIT, SIGTERM, ...) on the JVM's own threads.
        sigset_t all;
        sigset_t previous;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &previous);
        for (int i = 1; i < participants; i++) {
            std::thread([this] { work(); }).detach();
        }
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    }

    int size() const { return size_; }

    void run(Job& job, const int helpers) {
        job.slots = helpers;
        {
            std::lock_guard<std::mutex> lock(mu_);
            queue_.push_back(&job);
        }
        for (int i = 0; i < helpers; i++) {
            cv_.notify_one();
        }
        // The caller works on its own job: it never waits for a worker to become free, so concurrent callers
        // cannot deadlock each other whatever the pool size.
        job.run();
        {
            std::lock_guard<std::mutex> lock(mu_);
            const auto it = std::find(queue_.begin(), queue_.end(), &job);
            if (it != queue_.end()) {
                queue_.erase(it);
            }
        }
        std::unique_lock<std::mutex> lock(job.mu);
        job.cv.wait(lock, [&job] { return job.active == 0; });
    }

private:
    void work() {
        for (;;) {
            Job* job;
            {
                std::unique_lock<std::mutex> lock(mu_);
                cv_.wait(lock, [this] { return !queue_.empty(); });
                job = queue_.front();
                {
                    std::lock_guard<std::mutex> inner(job->mu);
                    job->active++;
                }
                if (--job->slots == 0) {
                    queue_.pop_front();
                }
            }
            job->run();
            std::lock_guard<std::mutex> inner(job->mu);
            if (--job->active == 0) {
                // Notify while holding the job's mutex: the submitter cannot destroy the job before we release it.
                job->cv.notify_all();
            }
        }
    }

    const int size_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job*> queue_;
};

std::mutex init_mu;
std::atomic<ThreadPool*> pool{nullptr};

void submit(const int64_t n, const int64_t chunk, const int64_t tasks, const int max_threads, const RangeBody body,
            void* ctx) {
    ThreadPool* p = pool.load(std::memory_order_acquire);
    const int threads = p == nullptr ? 1 : std::min(max_threads, p->size());
    if (threads <= 1 || tasks <= 1) {
        body(ctx, 0, n);
        return;
    }
    Job job;
    job.body = body;
    job.ctx = ctx;
    job.n = n;
    job.chunk = chunk;
    job.tasks = tasks;
    p->run(job, static_cast<int>(std::min<int64_t>(threads - 1, tasks - 1)));
    if (job.error) {
        std::rethrow_exception(job.error);
    }
}

}  // namespace

void parallel_for(const int64_t n, const int64_t grain, const int max_threads, const RangeBody body, void* ctx) {
    if (n <= 0) {
        return;
    }
    const int64_t g = std::max<int64_t>(grain, 1);
    if (max_threads <= 1 || n <= g) {
        body(ctx, 0, n);
        return;
    }
    // A few chunks per thread balance the load when another caller keeps a worker busy; chunk boundaries fall on
    // multiples of 8 elements (one cache line of uint64) so that threads do not share lines they write.
    const int64_t want = std::min<int64_t>((n + g - 1) / g, 4LL * max_threads);
    int64_t chunk = (n + want - 1) / want;
    chunk = (chunk + 7) & ~int64_t{7};
    const int64_t tasks = (n + chunk - 1) / chunk;
    submit(n, chunk, tasks, max_threads, body, ctx);
}

void parallel_tasks(const int64_t tasks, const int max_threads, const RangeBody body, void* ctx) {
    if (tasks <= 0) {
        return;
    }
    if (max_threads <= 1 || tasks == 1) {
        body(ctx, 0, tasks);
        return;
    }
    submit(tasks, 1, tasks, max_threads, body, ctx);
}

int pool_init(const int threads) {
    std::lock_guard<std::mutex> lock(init_mu);
    ThreadPool* p = pool.load(std::memory_order_acquire);
    if (p == nullptr) {
        // Never deleted: workers live as long as the process, and a static destructor joining them at exit could
        // race the JVM's own shutdown.
        p = new ThreadPool(std::max(1, threads));
        pool.store(p, std::memory_order_release);
    }
    return p->size();
}

int pool_size() {
    const ThreadPool* p = pool.load(std::memory_order_acquire);
    return p == nullptr ? 1 : p->size();
}

}  // namespace obscura
