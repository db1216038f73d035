#pragma once
// The stages that run on threads of their own: parallel map, prefetch, and
// interleave (whose parallel form prefetches each open input). Every such
// iterator owns its threads; its destructor asks them to stop, wakes them and
// joins them, so dropping an iterator mid-epoch never leaves work behind.
// Exceptions travel to the consumer as exception_ptrs, in element order.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <exception>
#include <mutex>
#include <thread>

#include "eager/data/detail/stages.hpp"

namespace eager::data::detail {

// hardware_concurrency(), at least 1: what AUTOTUNE means for thread counts.
int autotune_threads();

// One produced element, the exception that replaced it, or the end.
template <class T> struct Slot {
  std::optional<T> value;
  std::exception_ptr error;
  bool ready = false;
  bool end = false;
};

// Runs threads calling one body; join() waits for them. The owner first tells
// the bodies to return (a flag and a notify), then joins.
class WorkerThreads {
 public:
  WorkerThreads() = default;
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;
  ~WorkerThreads() { join(); }
  // Starts `count` threads. If one cannot be started, calls stop() (which
  // must make the bodies return), joins those already running and rethrows.
  template <class Body, class Stop> void start(int count, const Body& body, const Stop& stop) {
    try {
      threads_.reserve(std::size_t(count));
      for (int i = 0; i < count; ++i) threads_.emplace_back(body);
    } catch (...) {
      stop();
      join();
      throw;
    }
  }
  void join() {
    for (auto& thread : threads_)
      if (thread.joinable()) thread.join();
    threads_.clear();
  }

 private:
  std::vector<std::thread> threads_;
};

// Tells a stage's producers to return: sets the flag under the lock they wait
// with (so none misses it between its check and its wait) and wakes them all.
inline void stop_producers(std::mutex& mutex, std::atomic<bool>& cancelled, std::condition_variable& room) {
  {
    std::lock_guard lock(mutex);
    cancelled = true;
  }
  room.notify_all();
}

// Stores what work() returns in the slot, or the exception it throws.
template <class T, class Work> void fill_slot(Slot<T>& slot, Work&& work) {
  try {
    slot.value.emplace(work());
  } catch (...) {
    slot.error = std::current_exception();
  }
  slot.ready = true;
}

// Parallel map. A worker takes the next input element under the input lock,
// which also fixes the element's index (and, when deterministic, reserves its
// slot, so slots stay in index order); it calls the function outside every
// lock and fills the slot. The consumer takes slots in index order
// (deterministic) or in completion order. At most 2 x threads elements are in
// flight or waiting, which bounds memory.
template <class In, class F> class ParallelMapNode final : public Node<typename MapSpec<In, F>::Out> {
 public:
  using Out = typename MapSpec<In, F>::Out;
  ParallelMapNode(NodePtr<In> input, F f, std::uint64_t seed, int threads, bool deterministic)
      : input_(std::move(input)), spec_{std::move(f), seed}, threads_(threads), deterministic_(deterministic) {}
  IterPtr<Out> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("parallel_map");
    return std::make_unique<Iter>(mine, input_->make_iterator(mine), this, spec_.iterations.fetch_add(1));
  }

 private:
  class Iter final : public IteratorImpl<Out> {
   public:
    Iter(const IterContext& ctx, IterPtr<In> input, const ParallelMapNode* node, std::int64_t iteration)
        : IteratorImpl<Out>(ctx, true), input_(std::move(input)), node_(node), iteration_(iteration),
          capacity_(2 * std::int64_t(node->threads_)) {
      if (auto* counters = this->counters()) counters->buffer_capacity = capacity_;
      workers_.start(node->threads_, [this] { work(); }, [this] { cancel(); });
    }
    ~Iter() override {
      cancel();
      workers_.join();
    }

    std::optional<Out> produce() override {
      std::unique_lock lock(mutex_);
      if (auto* counters = this->counters()) {
        counters->occupancy_sum += ready_count_;
        ++counters->occupancy_samples;
      }
      Slot<Out> slot;
      if (node_->deterministic_) {
        filled_.wait(lock, [&] { return (!slots_.empty() && slots_.front().ready) || (exhausted_ && slots_.empty()); });
        if (slots_.empty() || slots_.front().end) return std::nullopt;
        slot = std::move(slots_.front());
        slots_.pop_front();
        ++front_index_;
      } else {
        filled_.wait(lock, [&] { return !finished_.empty() || (exhausted_ && in_flight_ == 0); });
        if (finished_.empty()) return std::nullopt;
        slot = std::move(finished_.front());
        finished_.pop_front();
      }
      --ready_count_;
      lock.unlock();
      room_.notify_one();
      if (slot.error) std::rethrow_exception(slot.error);
      return std::move(slot.value);
    }

   private:
    void cancel() { stop_producers(mutex_, cancelled_, room_); }

    void work() {
      F f = node_->spec_.f;  // a copy per thread, since the calls run concurrently
      std::unique_lock lock(mutex_);
      while (true) {
        room_.wait(lock, [&] { return cancelled_ || exhausted_ || in_flight_ + ready_count_ < capacity_; });
        if (cancelled_ || exhausted_) return;
        ++in_flight_;
        lock.unlock();

        std::int64_t index = -1;
        Slot<std::optional<In>> input;
        {
          std::lock_guard input_lock(input_mutex_);
          // Workers queued on the input lock when the iterator was dropped
          // must not each pull (and map) one more element.
          if (!input_done_ && !cancelled_.load(std::memory_order_relaxed)) {
            fill_slot(input, [&] { return this->pull(*input_); });
            input.end = !input.error && !input.value->has_value();
            input_done_ = !input.value || !input.value->has_value();
            index = next_index_++;
            if (node_->deterministic_) {
              std::lock_guard slots_lock(mutex_);
              slots_.emplace_back();
            }
          }
        }

        Slot<Out> result;
        if (index >= 0 && !input_done_after(input) && !cancelled_.load(std::memory_order_relaxed)) {
          const auto start = Clock::now();
          fill_slot(result, [&] {
            try {
              return f(std::move(**input.value), node_->spec_.context(iteration_, index));
            } catch (...) {
              throw_stage_error("parallel_map", index);
            }
          });
          if (auto* counters = this->counters()) counters->work_ns += nanoseconds_since(start);
        } else {
          result.error = input.error;
          result.end = input.end;
          result.ready = true;
        }

        lock.lock();
        --in_flight_;
        if (index < 0 || input_done_after(input)) {
          exhausted_ = true;
          room_.notify_all();  // idle workers can return now
        }
        if (index >= 0) deliver(index, std::move(result));
        // In order, the consumer waits for the front slot only: waking it for
        // any other costs two context switches for nothing.
        if (!node_->deterministic_ || index == front_index_ || exhausted_) filled_.notify_one();
      }
    }
    static bool input_done_after(const Slot<std::optional<In>>& input) {
      return !input.value || !input.value->has_value();
    }

    // With mutex_ held.
    void deliver(std::int64_t index, Slot<Out> result) {
      const bool counts = !result.end;
      if (node_->deterministic_) {
        slots_[std::size_t(index - front_index_)] = std::move(result);
      } else if (counts) {
        finished_.push_back(std::move(result));
      }
      if (counts) ++ready_count_;
    }

    IterPtr<In> input_;
    const ParallelMapNode* node_;
    const std::int64_t iteration_;
    const std::int64_t capacity_;

    std::mutex input_mutex_;  // guards input_, input_done_, next_index_; taken before mutex_
    bool input_done_ = false;
    std::int64_t next_index_ = 0;

    std::mutex mutex_;  // guards everything below
    std::condition_variable filled_, room_;
    std::deque<Slot<Out>> slots_;     // deterministic: slots_[k] holds index front_index_ + k
    std::deque<Slot<Out>> finished_;  // otherwise: completion order
    std::int64_t front_index_ = 0;
    std::int64_t in_flight_ = 0, ready_count_ = 0;
    bool exhausted_ = false;
    std::atomic<bool> cancelled_{false};  // written under mutex_, also read without it
    WorkerThreads workers_;  // last member: joined (by the destructor) before the rest goes
  };

  NodePtr<In> input_;
  MapSpec<In, F> spec_;
  int threads_;
  bool deterministic_;
};

// A background thread that keeps up to `capacity` elements of its input ready.
template <class T> class PrefetchIter final : public IteratorImpl<T> {
 public:
  PrefetchIter(const IterContext& ctx, IterPtr<T> input, std::int64_t capacity)
      : IteratorImpl<T>(ctx, true), input_(std::move(input)), capacity_(capacity) {
    if (auto* counters = this->counters()) counters->buffer_capacity = capacity_;
    worker_.start(1, [this] { work(); }, [this] { cancel(); });
  }
  ~PrefetchIter() override {
    cancel();
    worker_.join();
  }

  std::optional<T> produce() override {
    std::unique_lock lock(mutex_);
    if (auto* counters = this->counters()) {
      counters->occupancy_sum += std::int64_t(buffer_.size());
      ++counters->occupancy_samples;
    }
    filled_.wait(lock, [&] { return !buffer_.empty(); });
    if (buffer_.front().end) return std::nullopt;
    Slot<T> slot = std::move(buffer_.front());
    buffer_.pop_front();
    // The producer sleeps on a full buffer until it is half empty, then
    // refills it in one burst: one wake-up per capacity/2 elements instead of
    // one per element.
    const bool wake = std::int64_t(buffer_.size()) <= capacity_ / 2;
    lock.unlock();
    if (wake) room_.notify_one();
    if (slot.error) std::rethrow_exception(slot.error);
    return std::move(slot.value);
  }

 private:
  void cancel() { stop_producers(mutex_, cancelled_, room_); }

  void work() {
    std::unique_lock lock(mutex_);
    while (true) {
      room_.wait(lock, [&] { return cancelled_ || std::int64_t(buffer_.size()) < capacity_; });
      if (cancelled_) return;
      lock.unlock();
      Slot<std::optional<T>> pulled;
      fill_slot(pulled, [&] { return input_->next(); });
      Slot<T> slot;
      slot.error = pulled.error;
      slot.end = !pulled.error && !pulled.value->has_value();
      if (!slot.error && !slot.end) slot.value = std::move(*pulled.value);
      const bool last = slot.error || slot.end;
      lock.lock();
      buffer_.push_back(std::move(slot));
      filled_.notify_one();
      if (last) return;
    }
  }

  IterPtr<T> input_;
  const std::int64_t capacity_;
  std::mutex mutex_;
  std::condition_variable filled_, room_;
  std::deque<Slot<T>> buffer_;
  std::atomic<bool> cancelled_{false};
  WorkerThreads worker_;  // last member
};

template <class T> class PrefetchNode final : public Node<T> {
 public:
  PrefetchNode(NodePtr<T> input, std::int64_t buffer_size) : input_(std::move(input)), buffer_size_(buffer_size) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("prefetch");
    return std::make_unique<PrefetchIter<T>>(mine, input_->make_iterator(mine), buffer_size_);
  }

 private:
  NodePtr<T> input_;
  std::int64_t buffer_size_;
};

// TF's interleave: keep up to cycle_length inner datasets open, take
// block_length elements from each in turn; an exhausted one frees its place
// in the cycle, refilled from the input when the cycle comes back to it. When
// parallel, every open inner iterator is prefetched on a thread of its own
// (cycle_length threads), which overlaps their work (file reads) and keeps
// exactly the same order.
template <class T, class U> class InterleaveNode final : public Node<U> {
 public:
  static constexpr std::int64_t kInnerPrefetch = 64;
  using MakeInner = std::function<NodePtr<U>(T)>;
  InterleaveNode(NodePtr<T> input, MakeInner make_inner, std::int64_t cycle_length, std::int64_t block_length,
                 bool parallel)
      : input_(std::move(input)), make_inner_(std::move(make_inner)), cycle_length_(cycle_length),
        block_length_(block_length), parallel_(parallel) {}
  IterPtr<U> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("interleave");
    return std::make_unique<Iter>(mine, input_->make_iterator(mine), this);
  }

 private:
  class Iter final : public IteratorImpl<U> {
   public:
    Iter(const IterContext& ctx, IterPtr<T> input, const InterleaveNode* node)
        : IteratorImpl<U>(ctx, false), ctx_(ctx), input_(std::move(input)), node_(node),
          cycle_nodes_(std::size_t(node->cycle_length_)), cycle_(std::size_t(node->cycle_length_)) {}
    std::optional<U> produce() override {
      while (!input_done_ || open_ > 0) {
        IterPtr<U>& current = cycle_[cycle_index_];
        if (current) {
          if (std::optional<U> element = this->pull(*current)) {
            if (++block_index_ == node_->block_length_) advance();
            return element;
          }
          current.reset();
          cycle_nodes_[cycle_index_].reset();
          --open_;
          advance();
        } else if (!input_done_) {
          std::optional<T> element = this->pull(*input_);
          if (!element) {
            input_done_ = true;
            continue;
          }
          NodePtr<U>& inner = cycle_nodes_[cycle_index_];
          try {
            inner = node_->make_inner_(std::move(*element));
          } catch (...) {
            throw_stage_error("interleave", inputs_seen_);
          }
          ++inputs_seen_;
          current = inner->make_iterator(ctx_);
          // A deep buffer lets each reader run ahead in bursts instead of
          // waking the consumer for every (possibly tiny) record.
          if (node_->parallel_)
            current = std::make_unique<PrefetchIter<U>>(ctx_.enter("interleave_prefetch"), std::move(current),
                                                       kInnerPrefetch);
          ++open_;
        } else {
          advance();
        }
      }
      return std::nullopt;
    }

   private:
    void advance() {
      block_index_ = 0;
      cycle_index_ = (cycle_index_ + 1) % cycle_.size();
    }
    IterContext ctx_;
    IterPtr<T> input_;
    const InterleaveNode* node_;
    std::vector<NodePtr<U>> cycle_nodes_;  // before cycle_: the iterators point into them
    std::vector<IterPtr<U>> cycle_;
    std::size_t cycle_index_ = 0;
    std::int64_t block_index_ = 0, open_ = 0, inputs_seen_ = 0;
    bool input_done_ = false;
  };
  NodePtr<T> input_;
  MakeInner make_inner_;
  std::int64_t cycle_length_, block_length_;
  bool parallel_;
};

}  // namespace eager::data::detail
