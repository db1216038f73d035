#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace eager::detail {

// A small fixed pool (one thread per core, the caller included) that splits
// large ops into contiguous ranges. Calls from inside a pool task run inline,
// so nested parallel ops never deadlock or oversubscribe.
class ThreadPool {
 public:
  static ThreadPool& instance();
  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) over [0, n) in chunks of at least `grain` elements.
  // Kernels validate their arguments before they run, so fn should not
  // throw; if it does anyway (bad_alloc), the first exception reaches the
  // caller once every chunk has finished.
  template <class Fn> void parallel_for(std::int64_t n, std::int64_t grain, const Fn& fn) {
    if (n <= 0) return;
    if (n <= grain || workers_.empty() || in_pool_task()) {
      fn(std::int64_t{0}, n);
      return;
    }
    run(n, grain, &invoke<Fn>, &fn);
  }

  ~ThreadPool();

 private:
  using Trampoline = void (*)(const void* fn, std::int64_t begin, std::int64_t end);
  template <class Fn> static void invoke(const void* fn, std::int64_t begin, std::int64_t end) {
    (*static_cast<const Fn*>(fn))(begin, end);
  }
  explicit ThreadPool(int threads);
  static bool in_pool_task();
  void run(std::int64_t n, std::int64_t grain, Trampoline trampoline, const void* fn);
  void worker_loop();
  void work_on_current_job();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::mutex run_mutex_;  // one parallel job at a time; other callers wait their turn
  std::condition_variable wake_;
  std::condition_variable done_;
  std::uint64_t generation_ = 0;
  // generation_ (and stopping_) mirrored for workers that spin before they
  // sleep: a training step runs its ops back to back, and waking a sleeping
  // thread costs more than the small ops themselves.
  std::atomic<std::uint64_t> published_generation_{0};
  std::atomic<bool> published_stopping_{false};
  bool stopping_ = false;
  // The current job.
  Trampoline trampoline_ = nullptr;
  const void* fn_ = nullptr;
  std::int64_t n_ = 0, chunk_ = 0, num_chunks_ = 0;
  std::int64_t next_chunk_ = 0, chunks_done_ = 0;
  std::exception_ptr error_;
};

template <class Fn> void parallel_for(std::int64_t n, std::int64_t grain, const Fn& fn) {
  ThreadPool::instance().parallel_for(n, grain, fn);
}

}  // namespace eager::detail
