#pragma once
// tf.random: random tensors from a counter-based Philox4x32-10 generator.
//
// Every random op is a pure function of a 64-bit Philox key and the element
// index: element i of the output depends only on (key, i), never on how the
// work was split across threads or devices, so a CUDA kernel given the same
// seeds produces the same bits (uniforms exactly; normals, truncated normals
// and gammas up to the last-ulp differences of the device's libm).
//
// Seeds follow tf.random's rules. An op's randomness is selected by a pair
// (global seed, op seed):
//   - neither set: the pair is drawn non-deterministically (differs per run);
//   - only the global seed (set_seed): the op seed comes from a process-wide
//     counter that set_seed resets, so consecutive calls differ and the whole
//     sequence of calls repeats after the same set_seed (for calls made in
//     the same order; calls racing from several threads take counter values
//     in whatever order they arrive);
//   - only the op seed: the global seed is kDefaultGlobalSeed (as TF's
//     DEFAULT_GRAPH_SEED);
//   - both: the pair itself.
// The same pair always gives the same numbers. (TF eager differs here: an op
// with both seeds set repeats only after set_seed, because its cached kernel
// keeps hidden state; that would break "a pure function of the seeds", and
// Generator is the stateful tool.) Counter-drawn op seeds are kept apart from
// explicit ones: `seed = 0` never replays the first call after set_seed.
//
// dtypes: floating ops produce float32 or float64; uniform also produces
// int32 and int64. Any other dtype throws InvalidArgument. Only the CPU has
// kernels today: a CUDA device (explicit, or the default from a DeviceScope)
// throws Unimplemented.
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>

#include "eager/device.hpp"
#include "eager/dtype.hpp"
#include "eager/scalar.hpp"
#include "eager/shape.hpp"
#include "eager/tensor.hpp"

namespace eager::random {

inline constexpr std::int64_t kDefaultGlobalSeed = 87654321;

// tf.random.set_seed: fixes the global seed and restarts the op-seed counter.
void set_seed(std::int64_t seed);
// Returns to the unseeded state (non-deterministic unless op seeds are given).
void clear_seed();
// The global seed, if one is set.
std::optional<std::int64_t> get_seed();

// A stateless seed: (global seed, op seed). stateless_*(shape, {g, o}) gives
// exactly what the stateful op gives after set_seed(g) with seed = o.
using SeedPair = std::array<std::int64_t, 2>;

// tf.random.uniform. Floating dtypes: values in [minval, maxval), maxval
// defaulting to 1, computed as minval + u * (maxval - minval) with u in
// [0, 1) on the dtype's mantissa grid (float32: 23 bits, float64: 52 bits);
// results that rounding would carry onto maxval are moved just below it.
// Integer dtypes (int32, int64): maxval is required and each value in
// [minval, maxval) is equally likely — exactly, via Lemire's 64x64->128-bit
// multiply with rejection (redraws come from the element's own sub-stream).
// Throws InvalidArgument for negative dims, minval >= maxval (after
// conversion to dtype), non-finite bounds or a range overflowing the dtype,
// bounds outside an integer dtype, a missing integer maxval, or bool/uint8.
Tensor uniform(const Shape& shape, Scalar minval = 0, std::optional<Scalar> maxval = std::nullopt,
               DType dtype = DType::Float32, std::optional<std::int64_t> seed = std::nullopt,
               std::optional<Device> device = std::nullopt);

// tf.random.normal: mean + stddev * z, z standard normal by Box–Muller from
// pairs of uniforms (computed in float64, rounded to dtype). stddev >= 0.
Tensor normal(const Shape& shape, double mean = 0.0, double stddev = 1.0, DType dtype = DType::Float32,
              std::optional<std::int64_t> seed = std::nullopt, std::optional<Device> device = std::nullopt);

// tf.random.truncated_normal: as normal, but every z with |z| > 2 is redrawn,
// so values lie within two standard deviations of the mean.
Tensor truncated_normal(const Shape& shape, double mean = 0.0, double stddev = 1.0, DType dtype = DType::Float32,
                        std::optional<std::int64_t> seed = std::nullopt,
                        std::optional<Device> device = std::nullopt);

// tf.random.gamma: samples of Gamma(alpha, rate beta), mean alpha / beta and
// variance alpha / beta^2. The output shape is shape + broadcast(alpha.shape,
// beta.shape); output element [s..., p...] uses the parameters at p.
// Marsaglia–Tsang, with alpha < 1 boosted through Gamma(alpha + 1) * U^(1/alpha);
// computed in float64. alpha and beta must be finite and > 0 (any real or
// integer dtype); dtype float32 or float64.
Tensor gamma(const Shape& shape, const Tensor& alpha, const std::optional<Tensor>& beta = std::nullopt,
             DType dtype = DType::Float32, std::optional<std::int64_t> seed = std::nullopt,
             std::optional<Device> device = std::nullopt);
Tensor gamma(const Shape& shape, double alpha, double beta = 1.0, DType dtype = DType::Float32,
             std::optional<std::int64_t> seed = std::nullopt, std::optional<Device> device = std::nullopt);

// tf.random.shuffle: the slices along the first axis in a uniformly random
// order (Fisher–Yates, each swap index drawn without bias from Philox). Any
// dtype; the result is on the input's device. A 0-d input throws
// InvalidArgument.
Tensor shuffle(const Tensor& value, std::optional<std::int64_t> seed = std::nullopt);

// tf.random.stateless_*: the same functions with the seed pair given
// explicitly; no global state is read or changed.
Tensor stateless_uniform(const Shape& shape, SeedPair seed, Scalar minval = 0,
                         std::optional<Scalar> maxval = std::nullopt, DType dtype = DType::Float32,
                         std::optional<Device> device = std::nullopt);
Tensor stateless_normal(const Shape& shape, SeedPair seed, double mean = 0.0, double stddev = 1.0,
                        DType dtype = DType::Float32, std::optional<Device> device = std::nullopt);
Tensor stateless_truncated_normal(const Shape& shape, SeedPair seed, double mean = 0.0, double stddev = 1.0,
                                  DType dtype = DType::Float32, std::optional<Device> device = std::nullopt);
Tensor stateless_gamma(const Shape& shape, SeedPair seed, const Tensor& alpha,
                       const std::optional<Tensor>& beta = std::nullopt, DType dtype = DType::Float32,
                       std::optional<Device> device = std::nullopt);
Tensor stateless_shuffle(const Tensor& value, SeedPair seed);

// tf.random.Generator: a seeded stream of its own, independent of the global
// seed. Call n of a generator built from seed s uses the pair (s, n) in a
// key domain of its own, so two generators with the same seed produce the
// same sequence and no generator replays the stateful ops. Calls may come
// from several threads (the call counter is atomic).
class Generator {
 public:
  explicit Generator(std::int64_t seed) : seed_(seed) {}
  // A generator seeded from the operating system's entropy.
  static Generator from_non_deterministic_state();

  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  std::int64_t seed() const { return seed_; }
  // Calls made so far (the next call's op seed).
  std::int64_t calls() const { return calls_.load(std::memory_order_relaxed); }

  Tensor uniform(const Shape& shape, Scalar minval = 0, std::optional<Scalar> maxval = std::nullopt,
                 DType dtype = DType::Float32, std::optional<Device> device = std::nullopt);
  Tensor normal(const Shape& shape, double mean = 0.0, double stddev = 1.0, DType dtype = DType::Float32,
                std::optional<Device> device = std::nullopt);
  Tensor truncated_normal(const Shape& shape, double mean = 0.0, double stddev = 1.0,
                          DType dtype = DType::Float32, std::optional<Device> device = std::nullopt);
  Tensor gamma(const Shape& shape, const Tensor& alpha, const std::optional<Tensor>& beta = std::nullopt,
               DType dtype = DType::Float32, std::optional<Device> device = std::nullopt);
  Tensor shuffle(const Tensor& value);

 private:
  std::int64_t seed_;
  std::atomic<std::int64_t> calls_{0};
};

}  // namespace eager::random
