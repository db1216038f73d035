#pragma once
// The recording side of the profiler (eager/profiler.hpp), used by op
// dispatchers: a TraceScope at the top of an op records one span from there
// to the op's return (or throw). When no session runs its constructor is one
// relaxed atomic load and a branch, and its destructor a test of a member;
// everything else (the clock, describing the inputs) happens only while
// profiling, out of line in profiler.cpp.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "eager/tensor.hpp"

namespace eager::profiler::detail {

// The running session's id (they count from 1), 0 when none runs.
extern std::atomic<std::uint64_t> running_session;

inline bool active() { return running_session.load(std::memory_order_relaxed) != 0; }

// eager::config::set_log_device_placement: op scopes then also print where
// each op runs.
extern std::atomic<bool> log_device_placement;
inline bool watching_ops() { return active() || log_device_placement.load(std::memory_order_relaxed); }

// A span opened by one of the begin functions: its session (0 when nothing
// was recorded), the buffer of the thread that opened it and its place there.
struct OpenSpan {
  std::uint64_t session = 0;
  std::size_t index = 0;
  const void* buffer = nullptr;
};

// Prints "Executing op <op> in device <device>" to stderr (TensorFlow's
// log_device_placement line).
void log_placement(const char* op, Device device);

// An op on the CPU or device of its first input, with the inputs' dtypes and
// shapes as the "inputs" argument; undefined inputs are shown as such.
OpenSpan begin_op(const char* op, std::initializer_list<const Tensor*> inputs);
OpenSpan begin_op(const char* op, const std::vector<Tensor>& inputs);
// An op that creates a tensor of `shape` and `dtype` on `device`.
OpenSpan begin_op(const char* op, const Shape& shape, DType dtype, Device device);
// A span of another category named name + suffix, without device or args.
OpenSpan begin_span(const char* category, const char* name, const char* suffix);
// Closes a span; a span of a session that has ended, or closed on another
// thread than the one that opened it, is dropped.
void end_span(const OpenSpan& span) noexcept;

class TraceScope {
 public:
  TraceScope(const char* op, std::initializer_list<const Tensor*> inputs) {
    if (watching_ops()) [[unlikely]] span_ = begin_op(op, inputs);
  }
  TraceScope(const char* op, const std::vector<Tensor>& inputs) {
    if (watching_ops()) [[unlikely]] span_ = begin_op(op, inputs);
  }
  TraceScope(const char* op, const Shape& shape, DType dtype, Device device) {
    if (watching_ops()) [[unlikely]] span_ = begin_op(op, shape, dtype, device);
  }
  // category is "gradient" or "optimizer"; the name is built only while profiling.
  TraceScope(const char* category, const char* name, const char* suffix = "") {
    if (active()) [[unlikely]] span_ = begin_span(category, name, suffix);
  }
  ~TraceScope() {
    if (span_.session != 0) [[unlikely]] end_span(span_);
  }
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  OpenSpan span_;
};

}  // namespace eager::profiler::detail

namespace eager::detail {
// Dispatchers live in eager::detail or next to it: `detail::TraceScope trace("matmul", {&a, &b});`.
using profiler::detail::TraceScope;
}  // namespace eager::detail
