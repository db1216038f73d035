#include "thread_pool.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

namespace eager::detail {

namespace {
thread_local bool t_in_pool_task = false;
// How long an idle worker polls for the next job before it sleeps.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(200);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}
}

ThreadPool& ThreadPool::instance() {
  // Leaked on purpose: joining threads during static destruction races with
  // other static destructors that may still run ops.
  static auto* pool = new ThreadPool(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  return *pool;
}

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    published_stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

bool ThreadPool::in_pool_task() { return t_in_pool_task; }

void ThreadPool::work_on_current_job() {
  // Called with mutex_ held; releases it while running chunks.
  std::unique_lock lock(mutex_, std::adopt_lock);
  while (next_chunk_ < num_chunks_) {
    const std::int64_t c = next_chunk_++;
    lock.unlock();
    const std::int64_t begin = c * chunk_;
    const std::int64_t end = std::min(n_, begin + chunk_);
    std::exception_ptr error;
    t_in_pool_task = true;
    try {
      trampoline_(fn_, begin, end);
    } catch (...) {
      error = std::current_exception();
    }
    t_in_pool_task = false;
    lock.lock();
    if (error && !error_) error_ = error;
    if (++chunks_done_ == num_chunks_) done_.notify_all();
  }
  lock.release();
}

void ThreadPool::worker_loop() {
  std::uint64_t seen = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    lock.unlock();
    const auto give_up = std::chrono::steady_clock::now() + kSpinBeforeSleep;
    for (int polls = 0; published_generation_.load(std::memory_order_acquire) == seen &&
                        !published_stopping_.load(std::memory_order_acquire);
         ++polls) {
      cpu_relax();
      if (polls % 64 == 0 && std::chrono::steady_clock::now() > give_up) break;
    }
    lock.lock();
    wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    lock.release();  // the mutex stays held; work_on_current_job adopts it
    work_on_current_job();
    lock = std::unique_lock(mutex_, std::adopt_lock);
  }
}

void ThreadPool::run(std::int64_t n, std::int64_t grain, Trampoline trampoline, const void* fn) {
  std::lock_guard serial(run_mutex_);
  const std::int64_t threads = num_threads();
  const std::int64_t chunks = std::min<std::int64_t>(threads, (n + grain - 1) / grain);
  std::unique_lock lock(mutex_);
  trampoline_ = trampoline;
  fn_ = fn;
  n_ = n;
  chunk_ = (n + chunks - 1) / chunks;
  num_chunks_ = (n + chunk_ - 1) / chunk_;
  next_chunk_ = 0;
  chunks_done_ = 0;
  ++generation_;
  published_generation_.store(generation_, std::memory_order_release);
  wake_.notify_all();
  lock.release();
  work_on_current_job();
  lock = std::unique_lock(mutex_, std::adopt_lock);
  done_.wait(lock, [&] { return chunks_done_ == num_chunks_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace eager::detail
