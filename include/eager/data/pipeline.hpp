#pragma once
// The machinery under Dataset<T>: the iterator and node interfaces every
// stage implements, per-stage statistics, and the error that carries a failing
// stage's name and element index to the consumer. Users meet StageStats,
// PipelineError, ElementContext and AUTOTUNE; the rest is for stage authors.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "eager/error.hpp"

namespace eager::data {

// For num_parallel_calls and buffer sizes: let eager choose (the number of
// hardware threads for parallel calls, a small multiple of it for buffers).
inline constexpr int AUTOTUNE = -1;

// What one stage of one iteration did, summed over its threads.
//   busy:    time spent on the stage's own work (the user's function, stacking
//            a batch, reading a file), not counting time inside its input.
//   waiting: time the stage spent waiting for an input element; for a stage
//            with a background buffer (prefetch, parallel map), the time its
//            consumer waited on an empty buffer.
// A stage whose busy time dominates is the bottleneck; a consumer waiting on a
// buffered stage says that stage's producers are too slow.
struct StageStats {
  std::string stage;  // path from the consumer, e.g. "batch/map/from_tensor_slices"
  int depth = 0;      // 0 for the last stage; its inputs are 1, theirs 2, ...
  std::int64_t elements = 0;
  std::chrono::nanoseconds busy{0};
  std::chrono::nanoseconds waiting{0};
  std::int64_t buffer_capacity = 0;    // 0 for stages without a buffer
  double mean_buffer_occupancy = 0.0;  // sampled each time the consumer takes an element
};

// A table of the statistics, one line per stage, indented by depth.
std::string format_stats(const std::vector<StageStats>& stats);

// An exception thrown by a user function (or a reader) inside a pipeline,
// re-thrown to the consumer with the stage and the element's index in that
// stage's input. The original exception is nested (std::rethrow_if_nested
// re-throws it), and what() reads "map: element 17: <original message>".
class PipelineError : public Error {
 public:
  PipelineError(std::string stage, std::int64_t element_index, const std::string& cause);
  const std::string& stage() const { return stage_; }
  std::int64_t element_index() const { return element_index_; }

 private:
  std::string stage_;
  std::int64_t element_index_;
};

// Given to map functions that ask for it: the element's position and a seed
// pair for eager's stateless random ops (stateless_uniform(shape, ctx.seed)).
// seed = {mix(map seed, iteration), index}: the same on any number of threads
// and in every run, different for each element and each pass over the data.
struct ElementContext {
  std::int64_t index = 0;      // position of the element in the map's input, from 0 each iteration
  std::int64_t iteration = 0;  // how many iterators the map node made before this one
  std::array<std::int64_t, 2> seed{};
};

namespace detail {

using Clock = std::chrono::steady_clock;

inline std::int64_t nanoseconds_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

// Counters of one stage, shared by every iterator of that stage in one
// iteration (repeat and interleave make many), updated from any thread.
struct StageCounters {
  explicit StageCounters(std::string path_, int depth_) : path(std::move(path_)), depth(depth_) {}
  std::string path;
  int depth;
  std::atomic<std::int64_t> elements{0};
  std::atomic<std::int64_t> total_ns{0};    // synchronous stages: time inside next()
  std::atomic<std::int64_t> input_ns{0};    // synchronous stages: time inside the input's next()
  std::atomic<std::int64_t> work_ns{0};     // buffered stages: producers' own work
  std::atomic<std::int64_t> blocked_ns{0};  // buffered stages: consumer waiting on an empty buffer
  std::atomic<std::int64_t> buffer_capacity{0};
  std::atomic<std::int64_t> occupancy_sum{0};
  std::atomic<std::int64_t> occupancy_samples{0};
};

class StatsRegistry {
 public:
  StageCounters* stage(const std::string& path, int depth);
  std::vector<StageStats> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::deque<StageCounters> stages_;  // deque: addresses stay valid as it grows
};

// Handed down the chain when an iterator is made. `path` and `depth` describe
// the consumer of the stage being made.
struct IterContext {
  StatsRegistry* stats = nullptr;
  std::string path;
  int depth = -1;

  // The context of a stage called `name` made by this context's stage.
  IterContext enter(const char* name) const {
    if (!stats) return {};
    return {stats, path.empty() ? std::string(name) : path + "/" + name, depth + 1};
  }
};

// Throws PipelineError(stage, index, what) with the current exception nested.
// Call only from a catch block.
[[noreturn]] void throw_stage_error(const std::string& stage, std::int64_t element_index);

// Base of every stage's iterator: next() returns the next element, or nullopt
// at the end.
template <class T> class IteratorImpl {
 public:
  // `ctx` is the context returned by IterContext::enter for this stage.
  IteratorImpl(const IterContext& ctx, bool buffered)
      : counters_(ctx.stats ? ctx.stats->stage(ctx.path, ctx.depth) : nullptr), buffered_(buffered) {}
  IteratorImpl(const IteratorImpl&) = delete;
  IteratorImpl& operator=(const IteratorImpl&) = delete;
  virtual ~IteratorImpl() = default;

  // After the end or an exception, every later call returns nullopt without
  // touching the stage again: stages (batch returning a short last batch,
  // zip, a user's generator) may be asked once more after their input ended.
  std::optional<T> next() {
    if (finished_) return std::nullopt;
    try {
      std::optional<T> element = counters_ ? timed_produce() : produce();
      finished_ = !element;
      return element;
    } catch (...) {
      finished_ = true;
      throw;
    }
  }

 protected:
  virtual std::optional<T> produce() = 0;

  // The input's next element, timed as this stage's waiting time.
  template <class U> std::optional<U> pull(IteratorImpl<U>& input) {
    if (!counters_) [[likely]]
      return input.next();
    const auto start = Clock::now();
    std::optional<U> element = input.next();
    counters_->input_ns += nanoseconds_since(start);
    return element;
  }

  StageCounters* counters() const { return counters_; }

 private:
  std::optional<T> timed_produce() {
    const auto start = Clock::now();
    std::optional<T> element = produce();
    (buffered_ ? counters_->blocked_ns : counters_->total_ns) += nanoseconds_since(start);
    if (element) ++counters_->elements;
    return element;
  }

  StageCounters* counters_;
  bool buffered_;
  bool finished_ = false;
};

// A stage of a dataset: an immutable recipe that makes iterators.
template <class T> class Node {
 public:
  virtual ~Node() = default;
  // `ctx` is the consumer's context; implementations call ctx.enter(name).
  virtual std::unique_ptr<IteratorImpl<T>> make_iterator(const IterContext& ctx) const = 0;
};

}  // namespace detail
}  // namespace eager::data
