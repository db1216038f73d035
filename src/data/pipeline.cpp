// The non-template parts of the Dataset machinery: statistics, stage errors,
// seeds, argument checks and the sources that need no template.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <thread>

#include "autograd/tape.hpp"
#include "eager/array_ops.hpp"
#include "eager/data/dataset.hpp"
#include "eager/random.hpp"

namespace eager::data {

PipelineError::PipelineError(std::string stage, std::int64_t element_index, const std::string& cause)
    : Error(fmt::format("{}: element {}: {}", stage, element_index, cause)), stage_(std::move(stage)),
      element_index_(element_index) {}

std::string format_stats(const std::vector<StageStats>& stats) {
  std::string out = fmt::format("{:<44} {:>10} {:>11} {:>11} {:>9}\n", "stage", "elements", "busy ms", "waiting ms",
                                "buffer");
  for (const auto& s : stats) {
    const std::string name = std::string(2 * std::size_t(s.depth), ' ') + s.stage.substr(s.stage.rfind('/') + 1);
    const std::string buffer =
        s.buffer_capacity > 0 ? fmt::format("{:.1f}/{}", s.mean_buffer_occupancy, s.buffer_capacity) : "";
    out += fmt::format("{:<44} {:>10} {:>11.3f} {:>11.3f} {:>9}\n", name, s.elements, s.busy.count() / 1e6,
                       s.waiting.count() / 1e6, buffer);
  }
  return out;
}

namespace detail {

StageCounters* StatsRegistry::stage(const std::string& path, int depth) {
  std::lock_guard lock(mutex_);
  for (auto& stage : stages_)
    if (stage.path == path) return &stage;
  return &stages_.emplace_back(path, depth);
}

std::vector<StageStats> StatsRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<StageStats> out;
  for (const auto& c : stages_) {
    StageStats s;
    s.stage = c.path;
    s.depth = c.depth;
    s.elements = c.elements;
    // Synchronous stages: own time = time in next() minus time in the input.
    s.busy = std::chrono::nanoseconds(std::max<std::int64_t>(c.total_ns - c.input_ns, 0) + c.work_ns);
    s.waiting = std::chrono::nanoseconds(c.input_ns + c.blocked_ns);
    s.buffer_capacity = c.buffer_capacity;
    const std::int64_t samples = c.occupancy_samples;
    s.mean_buffer_occupancy = samples > 0 ? double(c.occupancy_sum) / double(samples) : 0.0;
    out.push_back(std::move(s));
  }
  // Paths sorted as strings list a stage before its inputs (tree pre-order).
  std::sort(out.begin(), out.end(), [](const StageStats& a, const StageStats& b) { return a.stage < b.stage; });
  return out;
}

void throw_stage_error(const std::string& stage, std::int64_t element_index) {
  std::string cause = "unknown exception";
  try {
    throw;
  } catch (const std::exception& e) {
    cause = e.what();
  } catch (...) {
  }
  std::throw_with_nested(PipelineError(stage, element_index, cause));
}

std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a * 0x9e3779b97f4a7c15ULL + b + 0x632be59bd9b4e019ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t default_stage_seed() {
  // A stateful uniform draw follows eager's seeding rules: reproducible after
  // set_seed (the draws repeat in order), random otherwise.
  return std::uint64_t(
      random::uniform(Shape{}, 0, Scalar(std::numeric_limits<std::int64_t>::max()), DType::Int64).item<std::int64_t>());
}

std::uint64_t resolve_seed(const std::optional<std::int64_t>& seed) {
  return seed ? mix_seed(std::uint64_t(*seed), 0x5eed) : default_stage_seed();
}

ShuffleRng::ShuffleRng(std::uint64_t seed) {
  for (auto& word : s_) word = seed = mix_seed(seed, 0x243f6a8885a308d3ULL);
}

std::uint64_t ShuffleRng::next() {
  const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = std::rotl(s_[3], 45);
  return result;
}

std::uint64_t ShuffleRng::below(std::uint64_t n) {
  unsigned __int128 product = (unsigned __int128)next() * n;
  if (std::uint64_t(product) < n) {
    const std::uint64_t threshold = -n % n;
    while (std::uint64_t(product) < threshold) product = (unsigned __int128)next() * n;
  }
  return std::uint64_t(product >> 64);
}

int autotune_threads() { return std::max(1, int(std::thread::hardware_concurrency())); }

int resolve_threads(int num_parallel_calls, const char* op) {
  // More threads than this only exhausts the process (each has its stack).
  constexpr int kMaxThreads = 1024;
  if (num_parallel_calls == AUTOTUNE) return autotune_threads();
  if (num_parallel_calls < 1 || num_parallel_calls > kMaxThreads)
    throw InvalidArgument(fmt::format("{}: num_parallel_calls must be in [1, {}] or AUTOTUNE, got {}", op, kMaxThreads,
                                      num_parallel_calls));
  return num_parallel_calls;
}

void check_positive(std::int64_t value, const char* op, const char* what) {
  if (value < 1) throw InvalidArgument(fmt::format("{}: {} must be >= 1, got {}", op, what, value));
}

void check_shard(std::int64_t num_shards, std::int64_t index) {
  check_positive(num_shards, "shard", "num_shards");
  if (index < 0 || index >= num_shards)
    throw InvalidArgument(fmt::format("shard: index must be in [0, {}), got {}", num_shards, index));
}

void check_cycle_length(std::int64_t cycle_length, bool parallel) {
  const std::int64_t limit = parallel ? 1024 : std::int64_t(1) << 20;
  if (cycle_length < 1 || cycle_length > limit)
    throw InvalidArgument(fmt::format("interleave: cycle_length must be in [1, {}]{}, got {}", limit,
                                      parallel ? " with parallel calls (one thread each)" : "", cycle_length));
}

void check_slices(const std::vector<Tensor>& tensors, const char* op) {
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].rank() == 0)
      throw InvalidArgument(fmt::format("{}: component {} is a scalar; slicing needs rank >= 1", op, i));
    if (tensors[i].dim(0) != tensors[0].dim(0))
      throw InvalidArgument(fmt::format("{}: all components need the same first dimension, but component 0 has {} "
                                        "and component {} has {} (shapes {} and {})",
                                        op, tensors[0].dim(0), i, tensors[i].dim(0), tensors[0].shape().to_string(),
                                        tensors[i].shape().to_string()));
  }
}

void check_batch_shapes(const std::vector<Tensor>& elements) {
  for (std::size_t i = 1; i < elements.size(); ++i) {
    if (elements[i].shape() != elements[0].shape() || elements[i].dtype() != elements[0].dtype())
      throw InvalidArgument(fmt::format(
          "cannot stack the batch's input elements 0 and {}: shapes {} and {}, dtypes {} and {}; "
          "batch needs equal shapes and dtypes (use padded_batch for elements of different shapes)",
          i, elements[0].shape().to_string(), elements[i].shape().to_string(), dtype_name(elements[0].dtype()),
          dtype_name(elements[i].dtype())));
  }
}

Tensor stack_batch(const std::vector<Tensor>& elements) {
  check_batch_shapes(elements);
  const Tensor& first = elements[0];
  // The general op is needed on devices (it also refuses mixed devices) and
  // under a recording tape (stack has a gradient); on the CPU a batch is one allocation and a memcpy per
  // element, without stack's per-element views.
  const bool all_on_cpu =
      std::all_of(elements.begin(), elements.end(), [](const Tensor& t) { return t.device().is_cpu(); });
  if (!all_on_cpu || autograd::any_recording()) return stack(elements, 0);
  std::vector<std::int64_t> dims{std::int64_t(elements.size())};
  for (int d = 0; d < first.rank(); ++d) dims.push_back(first.dim(d));
  Tensor out = Tensor::empty(Shape(dims), first.dtype(), Device::cpu());
  const std::size_t bytes = std::size_t(first.num_elements()) * itemsize(first.dtype());
  char* dst = static_cast<char*>(out.raw_mutable_data());
  for (const Tensor& element : elements) {
    if (element.is_contiguous()) {
      std::memcpy(dst, element.raw_data(), bytes);
    } else {
      std::memcpy(dst, element.contiguous().raw_data(), bytes);
    }
    dst += bytes;
  }
  return out;
}

Tensor vector_tensor(const void* data, std::int64_t count, DType dtype) {
  Tensor out = Tensor::empty(Shape{count}, dtype, Device::cpu());
  if (count > 0) std::memcpy(out.raw_mutable_data(), data, std::size_t(count) * itemsize(dtype));
  return out;
}

void check_unbatchable(const Tensor& t) {
  if (t.rank() == 0) throw InvalidArgument("unbatch: elements must have rank >= 1, got a scalar");
}

void throw_map_keys_differ(const std::string& key) {
  throw InvalidArgument(fmt::format("batch: the elements' maps have different keys (around key '{}')", key));
}

void throw_unbatch_sizes_differ(std::int64_t first, std::int64_t other) {
  throw InvalidArgument(
      fmt::format("unbatch: components have different first dimensions ({} and {}); they must match", first, other));
}

Tensor pad_and_stack(std::vector<Tensor>& elements, const std::vector<std::int64_t>& padded_shape, Scalar value) {
  const int rank = elements[0].rank();
  std::vector<std::int64_t> target(std::size_t(rank), 0);
  for (const auto& e : elements) {
    if (e.rank() != rank || e.dtype() != elements[0].dtype())
      throw InvalidArgument(fmt::format("elements need the same rank and dtype, got {} {} and {} {}",
                                        elements[0].shape().to_string(), dtype_name(elements[0].dtype()),
                                        e.shape().to_string(), dtype_name(e.dtype())));
    for (int d = 0; d < rank; ++d) target[d] = std::max(target[d], e.dim(d));
  }
  if (!padded_shape.empty()) {
    if (int(padded_shape.size()) != rank)
      throw InvalidArgument(fmt::format("the padded shape has {} dimensions but the elements have rank {}",
                                        padded_shape.size(), rank));
    for (int d = 0; d < rank; ++d) {
      if (padded_shape[d] < 0) continue;
      if (padded_shape[d] < target[d])
        throw InvalidArgument(fmt::format("an element has {} entries in dimension {}, more than the "
                                          "padded shape's {}",
                                          target[d], d, padded_shape[d]));
      target[d] = padded_shape[d];
    }
  }
  std::vector<Tensor> padded;
  padded.reserve(elements.size());
  for (auto& e : elements) {
    std::vector<std::pair<std::int64_t, std::int64_t>> paddings;
    bool needed = false;
    for (int d = 0; d < rank; ++d) {
      paddings.emplace_back(0, target[d] - e.dim(d));
      needed = needed || target[d] != e.dim(d);
    }
    padded.push_back(needed ? pad(e, paddings, value) : e);
  }
  return stack_batch(padded);
}

}  // namespace detail

Dataset<Tensor> from_tensor_slices(const Tensor& tensor) {
  detail::check_slices({tensor}, "from_tensor_slices");
  return Dataset<Tensor>(std::make_shared<detail::IndexedNode<Tensor>>("from_tensor_slices", tensor.dim(0),
                                                                       [tensor](std::int64_t i) { return tensor[i]; }));
}

Dataset<std::map<std::string, Tensor>> from_tensor_slices(const std::map<std::string, Tensor>& tensors) {
  if (tensors.empty()) throw InvalidArgument("from_tensor_slices: the map of tensors is empty");
  std::vector<Tensor> parts;
  for (const auto& [key, t] : tensors) parts.push_back(t);
  detail::check_slices(parts, "from_tensor_slices");
  using Element = std::map<std::string, Tensor>;
  return Dataset<Element>(std::make_shared<detail::IndexedNode<Element>>(
      "from_tensor_slices", parts[0].dim(0), [tensors](std::int64_t i) {
        Element out;
        for (const auto& [key, t] : tensors) out.emplace(key, t[i]);
        return out;
      }));
}

Dataset<std::int64_t> range(std::int64_t start, std::int64_t stop, std::int64_t step) {
  if (step == 0) throw InvalidArgument("range: step must not be 0");
  return Dataset<std::int64_t>(std::make_shared<detail::RangeNode>(start, stop, step));
}

Dataset<std::int64_t> range(std::int64_t stop) { return range(0, stop, 1); }

}  // namespace eager::data
