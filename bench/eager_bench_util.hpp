#pragma once
// Helpers of eager_bench's workloads (the parts that need eager itself; the
// timing helpers shared with the peers are in bench_util.hpp).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>

#include "bench_util.hpp"
#include "eager/eager.hpp"

namespace bench {

inline eager::Tensor random_tensor(const eager::Shape& shape, std::uint32_t seed) {
  return eager::constant(pseudo_random(shape.num_elements(), seed), shape);
}

struct Target {
  double bound;
  bool at_most;  // true: value must be <= bound (times); false: >= bound (rates, ratios)
};

inline void add_target(Line& line, double value, Target target) {
  char text[32];
  std::snprintf(text, sizeof text, "%s %g", target.at_most ? "<=" : ">=", target.bound);
  line.field("target", text).flag("met", target.at_most ? value <= target.bound : value >= target.bound);
}

inline std::int64_t system_allocations() { return eager::memory::stats().system_allocations; }

// A workload that throws (an op not implemented yet, a shape rule that
// rejects it) is reported as a line with an error instead of ending the run.
inline void guarded(const std::string& name, const std::string& unit, const std::function<void()>& body) {
  try {
    body();
  } catch (const std::exception& e) {
    Line(name, std::nan(""), unit, "eager").field("error", e.what());
  }
}

// The tape and training-step workloads (autograd_bench.cpp).
void run_autograd_benchmarks();

}  // namespace bench
