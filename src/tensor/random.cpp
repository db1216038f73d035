#include "eager/random.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "dispatch.hpp"
#include "eager/array_ops.hpp"
#include "eager/creation.hpp"
#include "philox.hpp"
#include "random_kernels.hpp"
#include "thread_pool.hpp"
#include "trace_scope.hpp"

namespace eager::random {

namespace {

namespace px = detail::philox;
using px::Key;

// ---- seeds --------------------------------------------------------------------

struct SeedState {
  std::mutex mutex;
  std::optional<std::int64_t> global;
  std::uint64_t next_op_seed = 0;
};

SeedState& seed_state() {
  static SeedState state;
  return state;
}

// Where the OS offers no entropy source, the clock still makes runs differ.
std::uint64_t entropy64() {
  try {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  } catch (const std::exception&) {
    return static_cast<std::uint64_t>(std::chrono::high_resolution_clock::now().time_since_epoch().count());
  }
}

// Unseeded ops: one entropy draw per process, then a counter, so that
// unseeded calls are cheap and still never repeat within a run.
Key entropy_key() {
  static const std::uint64_t base = entropy64();
  static std::atomic<std::uint64_t> calls{0};
  return px::derive_key(base, calls.fetch_add(1, std::memory_order_relaxed), px::kEntropySeeds);
}

Key stateful_key(std::optional<std::int64_t> op_seed) {
  std::optional<std::int64_t> global;
  std::uint64_t counter = 0;
  {
    SeedState& s = seed_state();
    std::lock_guard lock(s.mutex);
    global = s.global;
    if (global && !op_seed) counter = s.next_op_seed++;
  }
  if (global && op_seed) return px::derive_key(*global, *op_seed, px::kExplicitSeeds);
  if (global) return px::derive_key(*global, counter, px::kCounterSeeds);
  if (op_seed) return px::derive_key(kDefaultGlobalSeed, *op_seed, px::kExplicitSeeds);
  return entropy_key();
}

Key stateless_key(SeedPair seed) {
  return px::derive_key(static_cast<std::uint64_t>(seed[0]), static_cast<std::uint64_t>(seed[1]),
                        px::kExplicitSeeds);
}

// ---- checks -------------------------------------------------------------------

std::string num(double v) { return fmt::format("{}", v); }

void check_shape(const char* op, const Shape& shape) {
  for (auto d : shape.dims())
    if (d < 0) throw InvalidArgument(std::string(op) + ": shape " + shape.to_string() + " has a negative dimension");
}

void check_floating(const char* op, DType dtype) {
  if (!is_floating(dtype))
    throw InvalidArgument(std::string(op) + ": dtype must be float32 or float64, got " +
                          std::string(dtype_name(dtype)));
}

// Random kernels exist for the CPU and, in a build with CUDA, for CUDA
// devices. Checked before the key is drawn, so a refused call does not
// advance the seed counter.
void check_device(const char* op, Device device, DType dtype) {
#ifdef EAGER_WITH_CUDA
  if (device.is_cuda()) return;
#endif
  if (!device.is_cpu())
    throw Unimplemented(std::string(op) + ": no kernel for dtype " + std::string(dtype_name(dtype)) + " on " +
                        device.name() + " in this build of eager");
}

// An integer bound given as a Scalar, checked against dtype's range.
std::int64_t integer_bound(const char* op, const char* what, Scalar v, DType dtype) {
  std::int64_t x;
  if (v.kind() == Scalar::Kind::Floating) {
    const double d = v.to_double();
    if (!(d == std::floor(d)) || !(d >= -0x1p63 && d < 0x1p63))
      throw InvalidArgument(std::string(op) + ": " + what + " " + num(d) + " is not an " +
                            std::string(dtype_name(dtype)) + " value");
    x = static_cast<std::int64_t>(d);
  } else {
    x = v.to_int64();
  }
  if (dtype == DType::Int32 &&
      (x < std::numeric_limits<std::int32_t>::min() || x > std::numeric_limits<std::int32_t>::max()))
    throw InvalidArgument(std::string(op) + ": " + what + " " + std::to_string(x) + " does not fit in int32");
  return x;
}

// ---- kernels ------------------------------------------------------------------

// Runs a sampler over the blocks of a new tensor on `device` (checked by
// check_device). Elements are a function of their index only, so any split
// across threads or devices gives the same tensor.
template <class T, class Sampler>
Tensor generate(const Shape& shape, DType dtype, const Sampler& sampler, Key key, Device device) {
  Tensor out = Tensor::empty(shape, dtype, device);
  const std::int64_t n = out.num_elements();
  T* data = static_cast<T*>(out.raw_mutable_data());
#ifdef EAGER_WITH_CUDA
  if (device.is_cuda()) {
    detail::t_cuda_device = device.index();
    detail::cuda_generate(data, n, sampler, key);
    return out;
  }
#endif
  constexpr std::int64_t kGrainBlocks = Sampler::per_block == 1 ? 1024 : 4096;
  detail::parallel_for(detail::num_blocks<Sampler>(n), kGrainBlocks, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t b = begin; b < end; ++b) detail::generate_block(sampler, key, b, data, n);
  });
  return out;
}

template <class T, class KeyFn>
Tensor uniform_real(const char* op, const Shape& shape, Scalar minval, std::optional<Scalar> maxval, DType dtype,
                    Device device, KeyFn key) {
  const double lo_in = minval.to_double(), hi_in = maxval ? maxval->to_double() : 1.0;
  const std::string bounds = " (minval " + num(lo_in) + ", maxval " + num(hi_in) + ", dtype " +
                             std::string(dtype_name(dtype)) + ")";
  constexpr double kMax = std::numeric_limits<T>::max();
  if (!(std::abs(lo_in) <= kMax) || !(std::abs(hi_in) <= kMax))
    throw InvalidArgument(std::string(op) + ": bounds must be finite values of the dtype" + bounds);
  const T lo = static_cast<T>(lo_in), hi = static_cast<T>(hi_in);
  if (!(lo < hi)) throw InvalidArgument(std::string(op) + ": minval must be less than maxval" + bounds);
  const T range = hi - lo;
  if (!std::isfinite(range)) throw InvalidArgument(std::string(op) + ": maxval - minval overflows" + bounds);
  check_device(op, device, dtype);
  return generate<T>(shape, dtype, px::UniformReal<T>{lo, range, std::nextafter(hi, lo)}, key(), device);
}

template <class KeyFn>
Tensor uniform_impl(const char* op, const Shape& shape, Scalar minval, std::optional<Scalar> maxval, DType dtype,
                    std::optional<Device> device, KeyFn key) {
  const detail::TraceScope trace(op, shape, dtype, device.value_or(default_device()));
  check_shape(op, shape);
  const Device dev = device.value_or(default_device());
  if (dtype == DType::Float32) return uniform_real<float>(op, shape, minval, maxval, dtype, dev, key);
  if (dtype == DType::Float64) return uniform_real<double>(op, shape, minval, maxval, dtype, dev, key);
  if (dtype != DType::Int32 && dtype != DType::Int64)
    throw InvalidArgument(std::string(op) + ": dtype must be float32, float64, int32 or int64, got " +
                          std::string(dtype_name(dtype)));
  if (!maxval)
    throw InvalidArgument(std::string(op) + ": maxval must be given for integer dtype " +
                          std::string(dtype_name(dtype)));
  const std::int64_t lo = integer_bound(op, "minval", minval, dtype);
  const std::int64_t hi = integer_bound(op, "maxval", *maxval, dtype);
  if (lo >= hi)
    throw InvalidArgument(std::string(op) + ": minval must be less than maxval (minval " + std::to_string(lo) +
                          ", maxval " + std::to_string(hi) + ")");
  check_device(op, dev, dtype);
  const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  const std::uint64_t threshold = px::below_threshold(range);
  if (dtype == DType::Int32)
    return generate<std::int32_t>(shape, dtype, px::UniformInt<std::int32_t>{lo, range, threshold}, key(), dev);
  return generate<std::int64_t>(shape, dtype, px::UniformInt<std::int64_t>{lo, range, threshold}, key(), dev);
}

void check_normal_params(const char* op, double mean, double stddev) {
  if (!std::isfinite(mean)) throw InvalidArgument(std::string(op) + ": mean must be finite, got " + num(mean));
  if (!(stddev >= 0) || !std::isfinite(stddev))
    throw InvalidArgument(std::string(op) + ": stddev must be finite and >= 0, got " + num(stddev));
}

template <template <class> class Sampler, class KeyFn>
Tensor normal_impl(const char* op, const Shape& shape, double mean, double stddev, DType dtype,
                   std::optional<Device> device, KeyFn key) {
  const detail::TraceScope trace(op, shape, dtype, device.value_or(default_device()));
  check_shape(op, shape);
  check_floating(op, dtype);
  check_normal_params(op, mean, stddev);
  const Device dev = device.value_or(default_device());
  check_device(op, dev, dtype);
  if (dtype == DType::Float32) return generate<float>(shape, dtype, Sampler<float>{mean, stddev}, key(), dev);
  return generate<double>(shape, dtype, Sampler<double>{mean, stddev}, key(), dev);
}

std::vector<double> positive_params(const char* op, const char* what, const Tensor& t, const Shape& shape) {
  if (t.dtype() == DType::Bool)
    throw InvalidArgument(std::string(op) + ": " + what + " must be numeric, got " + detail::describe(t));
  // Checked and read on the host, wherever the parameters live.
  std::vector<double> v = broadcast_to(t.cpu(), shape).to_vector<double>();
  for (double x : v)
    if (!(x > 0) || !std::isfinite(x))
      throw InvalidArgument(std::string(op) + ": " + what + " must be finite and > 0, got " + num(x));
  return v;
}

template <class KeyFn>
Tensor gamma_impl(const char* op, const Shape& shape, const Tensor& alpha, const std::optional<Tensor>& beta,
                  DType dtype, std::optional<Device> device, KeyFn key) {
  const detail::TraceScope trace(op, shape, dtype, device.value_or(default_device()));
  check_shape(op, shape);
  check_floating(op, dtype);
  const Shape params = beta ? detail::broadcast_shapes(op, alpha.shape(), beta->shape()) : alpha.shape();
  const std::vector<double> a = positive_params(op, "alpha", alpha, params);
  const std::vector<double> b = beta ? positive_params(op, "beta", *beta, params)
                                     : std::vector<double>(a.size(), 1.0);
  Shape out_shape = shape;
  for (auto d : params.dims()) out_shape.push_back(d);
  const Device dev = device.value_or(default_device());
  check_device(op, dev, dtype);
  const Key k = key();
  // Empty parameters mean an empty output; skip the sampler, which divides by
  // the parameter count.
  if (a.empty()) return Tensor::empty(out_shape, dtype, dev);
  const auto count = static_cast<std::int64_t>(a.size());
  // The sampler reads the parameters where it runs: on a GPU, from copies
  // there, which live until the kernel is queued (stream order keeps them
  // valid while it runs).
  const Tensor a_on = dev.is_cpu() ? Tensor() : constant(a, Shape{count}, DType::Float64, dev);
  const Tensor b_on = dev.is_cpu() ? Tensor() : constant(b, Shape{count}, DType::Float64, dev);
  const double* alpha_p = dev.is_cpu() ? a.data() : static_cast<const double*>(a_on.raw_data());
  const double* beta_p = dev.is_cpu() ? b.data() : static_cast<const double*>(b_on.raw_data());
  if (dtype == DType::Float32)
    return generate<float>(out_shape, dtype, px::Gamma<float>{alpha_p, beta_p, count}, k, dev);
  return generate<double>(out_shape, dtype, px::Gamma<double>{alpha_p, beta_p, count}, k, dev);
}

template <class KeyFn> Tensor shuffle_impl(const char* op, const Tensor& value, KeyFn key) {
  const detail::TraceScope trace(op, {&value});
  if (value.rank() == 0)
    throw InvalidArgument(std::string(op) + ": value must have at least one dimension, got " +
                          detail::describe(value));
  const Device device = value.device();
  check_device(op, device, value.dtype());
  const Key k = key();
  const Tensor src = value.contiguous();
  Tensor out = Tensor::empty(value.shape(), value.dtype(), device);
  const std::int64_t n = value.dim(0);
  if (out.num_elements() == 0) return out;
  // The permutation is drawn on the host on every device. The swap partner
  // of position i depends only on i, so the draws run in parallel; only the
  // swaps are sequential.
  std::vector<std::int64_t> partner(static_cast<std::size_t>(n), 0);
  detail::parallel_for(n, 4096, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = std::max<std::int64_t>(begin, 1); i < end; ++i)
      partner[i] = static_cast<std::int64_t>(
          px::uniform_below(k, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(i) + 1));
  });
  Tensor perm_host = Tensor::empty(Shape{n}, DType::Int64, Device::cpu());
  std::int64_t* perm = perm_host.mutable_data<std::int64_t>();
  std::iota(perm, perm + n, std::int64_t{0});
  for (std::int64_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[partner[i]]);
  // Then out[i] = src[perm[i]] row by row: a gather along axis 0.
  const Tensor perm_on = perm_host.to(device);
  detail::GatherArgs args;
  args.src = src.raw_data();
  args.out = out.raw_mutable_data();
  args.indices = detail::IndexList{perm_on.raw_data(), true, n};
  args.dim = n;
  args.inner = out.num_elements() / n;
  args.itemsize = itemsize(value.dtype());
  const detail::GatherKernel gather_rows = detail::registry().array.gather.get(device.type());
  if (!gather_rows) detail::throw_no_kernel(op, device, value.dtype());
  if (device.is_cuda()) detail::t_cuda_device = device.index();
  gather_rows(args);
  return out;
}

}  // namespace

// ---- seeds --------------------------------------------------------------------

void set_seed(std::int64_t seed) {
  SeedState& s = seed_state();
  std::lock_guard lock(s.mutex);
  s.global = seed;
  s.next_op_seed = 0;
}

void clear_seed() {
  SeedState& s = seed_state();
  std::lock_guard lock(s.mutex);
  s.global.reset();
  s.next_op_seed = 0;
}

std::optional<std::int64_t> get_seed() {
  SeedState& s = seed_state();
  std::lock_guard lock(s.mutex);
  return s.global;
}

// ---- stateful ops -------------------------------------------------------------

Tensor uniform(const Shape& shape, Scalar minval, std::optional<Scalar> maxval, DType dtype,
               std::optional<std::int64_t> seed, std::optional<Device> device) {
  return uniform_impl("random.uniform", shape, minval, maxval, dtype, device, [&] { return stateful_key(seed); });
}

Tensor normal(const Shape& shape, double mean, double stddev, DType dtype, std::optional<std::int64_t> seed,
              std::optional<Device> device) {
  return normal_impl<px::Normal>("random.normal", shape, mean, stddev, dtype, device,
                                 [&] { return stateful_key(seed); });
}

Tensor truncated_normal(const Shape& shape, double mean, double stddev, DType dtype,
                        std::optional<std::int64_t> seed, std::optional<Device> device) {
  return normal_impl<px::TruncatedNormal>("random.truncated_normal", shape, mean, stddev, dtype, device,
                                          [&] { return stateful_key(seed); });
}

Tensor gamma(const Shape& shape, const Tensor& alpha, const std::optional<Tensor>& beta, DType dtype,
             std::optional<std::int64_t> seed, std::optional<Device> device) {
  return gamma_impl("random.gamma", shape, alpha, beta, dtype, device, [&] { return stateful_key(seed); });
}

Tensor gamma(const Shape& shape, double alpha, double beta, DType dtype, std::optional<std::int64_t> seed,
             std::optional<Device> device) {
  return gamma(shape, scalar(alpha, DType::Float64, Device::cpu()), scalar(beta, DType::Float64, Device::cpu()),
               dtype, seed, device);
}

Tensor shuffle(const Tensor& value, std::optional<std::int64_t> seed) {
  return shuffle_impl("random.shuffle", value, [&] { return stateful_key(seed); });
}

// ---- stateless ops ------------------------------------------------------------

Tensor stateless_uniform(const Shape& shape, SeedPair seed, Scalar minval, std::optional<Scalar> maxval,
                         DType dtype, std::optional<Device> device) {
  return uniform_impl("random.stateless_uniform", shape, minval, maxval, dtype, device,
                      [&] { return stateless_key(seed); });
}

Tensor stateless_normal(const Shape& shape, SeedPair seed, double mean, double stddev, DType dtype,
                        std::optional<Device> device) {
  return normal_impl<px::Normal>("random.stateless_normal", shape, mean, stddev, dtype, device,
                                 [&] { return stateless_key(seed); });
}

Tensor stateless_truncated_normal(const Shape& shape, SeedPair seed, double mean, double stddev, DType dtype,
                                  std::optional<Device> device) {
  return normal_impl<px::TruncatedNormal>("random.stateless_truncated_normal", shape, mean, stddev, dtype, device,
                                          [&] { return stateless_key(seed); });
}

Tensor stateless_gamma(const Shape& shape, SeedPair seed, const Tensor& alpha, const std::optional<Tensor>& beta,
                       DType dtype, std::optional<Device> device) {
  return gamma_impl("random.stateless_gamma", shape, alpha, beta, dtype, device,
                    [&] { return stateless_key(seed); });
}

Tensor stateless_shuffle(const Tensor& value, SeedPair seed) {
  return shuffle_impl("random.stateless_shuffle", value, [&] { return stateless_key(seed); });
}

// ---- Generator ----------------------------------------------------------------

namespace {
Key generator_key(std::int64_t seed, std::atomic<std::int64_t>& calls) {
  return px::derive_key(static_cast<std::uint64_t>(seed),
                        static_cast<std::uint64_t>(calls.fetch_add(1, std::memory_order_relaxed)),
                        px::kGeneratorSeeds);
}
}  // namespace

Generator Generator::from_non_deterministic_state() { return Generator(static_cast<std::int64_t>(entropy64())); }

Tensor Generator::uniform(const Shape& shape, Scalar minval, std::optional<Scalar> maxval, DType dtype,
                          std::optional<Device> device) {
  return uniform_impl("random.Generator.uniform", shape, minval, maxval, dtype, device,
                      [&] { return generator_key(seed_, calls_); });
}

Tensor Generator::normal(const Shape& shape, double mean, double stddev, DType dtype, std::optional<Device> device) {
  return normal_impl<px::Normal>("random.Generator.normal", shape, mean, stddev, dtype, device,
                                 [&] { return generator_key(seed_, calls_); });
}

Tensor Generator::truncated_normal(const Shape& shape, double mean, double stddev, DType dtype,
                                   std::optional<Device> device) {
  return normal_impl<px::TruncatedNormal>("random.Generator.truncated_normal", shape, mean, stddev, dtype, device,
                                          [&] { return generator_key(seed_, calls_); });
}

Tensor Generator::gamma(const Shape& shape, const Tensor& alpha, const std::optional<Tensor>& beta, DType dtype,
                        std::optional<Device> device) {
  return gamma_impl("random.Generator.gamma", shape, alpha, beta, dtype, device,
                    [&] { return generator_key(seed_, calls_); });
}

Tensor Generator::shuffle(const Tensor& value) {
  return shuffle_impl("random.Generator.shuffle", value, [&] { return generator_key(seed_, calls_); });
}

}  // namespace eager::random
