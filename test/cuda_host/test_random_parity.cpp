// Host checks of GPU random generation: generate_block applied as the CUDA
// kernel applies it (each thread a grid-stride set of blocks, threads in any
// order) gives the CPU ops' tensors bit for bit, for every sampler and for
// sizes that end in a partial block, and writes nothing past the end.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "eager/eager.hpp"
#include "tensor/random_kernels.hpp"

using namespace eager;
namespace px = eager::detail::philox;

namespace {

constexpr random::SeedPair kSeed = {20240601, 42};

px::Key stateless_key() {
  return px::derive_key(static_cast<std::uint64_t>(kSeed[0]), static_cast<std::uint64_t>(kSeed[1]),
                        px::kExplicitSeeds);
}

// The CUDA kernel's work on the host: a grid of 5 threads, the last one run
// first, each taking blocks t, t + 5, ... of the tensor.
template <class T, class Sampler> std::vector<T> generate_as_kernel(const Sampler& sampler, std::int64_t n) {
  constexpr std::int64_t kThreads = 5, kGuard = 8;
  const T sentinel = T(123);
  std::vector<T> out(static_cast<std::size_t>(n + kGuard), sentinel);
  const std::int64_t blocks = detail::num_blocks<Sampler>(n);
  for (std::int64_t t = kThreads - 1; t >= 0; --t)
    for (std::int64_t b = t; b < blocks; b += kThreads)
      detail::generate_block(sampler, stateless_key(), b, out.data(), n);
  for (std::int64_t i = n; i < n + kGuard; ++i) REQUIRE(out[i] == sentinel);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

template <class T> void require_bits(const std::vector<T>& expected, const Tensor& actual) {
  const std::vector<T> got = actual.to_vector<T>();
  REQUIRE(got.size() == expected.size());
  // memcmp may not be given the null data() of empty vectors.
  if (!got.empty()) REQUIRE(std::memcmp(got.data(), expected.data(), got.size() * sizeof(T)) == 0);
}

const std::int64_t kSizes[] = {0, 1, 3, 5, 1001};

}  // namespace

TEMPLATE_TEST_CASE("generate_block: uniform floats as the CPU op", "[cuda_host][random]", float, double) {
  const DType dtype = dtype_v<TestType>;
  for (std::int64_t n : kSizes) {
    const TestType lo = TestType(-2.5), hi = TestType(7);
    const px::UniformReal<TestType> sampler{lo, hi - lo, std::nextafter(hi, lo)};
    require_bits(generate_as_kernel<TestType>(sampler, n),
                 random::stateless_uniform(Shape{n}, kSeed, -2.5, 7.0, dtype));
  }
}

TEMPLATE_TEST_CASE("generate_block: uniform integers as the CPU op", "[cuda_host][random]", std::int32_t,
                   std::int64_t) {
  const DType dtype = dtype_v<TestType>;
  // A small range, one that rejects often (just over 2^63 for int64), and
  // the full int32 range.
  struct Bounds {
    std::int64_t lo, hi;
  };
  constexpr std::int32_t kMin32 = std::numeric_limits<std::int32_t>::min();
  constexpr std::int32_t kMax32 = std::numeric_limits<std::int32_t>::max();
  std::vector<Bounds> bounds = {{-3, 10}, {kMin32, kMax32}};
  if (sizeof(TestType) == 8) bounds.push_back({std::numeric_limits<std::int64_t>::min(), 1});
  for (const Bounds b : bounds) {
    const std::uint64_t range = static_cast<std::uint64_t>(b.hi) - static_cast<std::uint64_t>(b.lo);
    const px::UniformInt<TestType> sampler{b.lo, range, px::below_threshold(range)};
    for (std::int64_t n : kSizes)
      require_bits(generate_as_kernel<TestType>(sampler, n),
                   random::stateless_uniform(Shape{n}, kSeed, b.lo, b.hi, dtype));
  }
}

TEMPLATE_TEST_CASE("generate_block: normal and truncated normal as the CPU ops", "[cuda_host][random]", float,
                   double) {
  const DType dtype = dtype_v<TestType>;
  for (std::int64_t n : kSizes) {
    require_bits(generate_as_kernel<TestType>(px::Normal<TestType>{1.5, 3.0}, n),
                 random::stateless_normal(Shape{n}, kSeed, 1.5, 3.0, dtype));
    require_bits(generate_as_kernel<TestType>(px::TruncatedNormal<TestType>{-1.0, 0.5}, n),
                 random::stateless_truncated_normal(Shape{n}, kSeed, -1.0, 0.5, dtype));
  }
}

TEMPLATE_TEST_CASE("generate_block: gamma as the CPU op", "[cuda_host][random]", float, double) {
  const DType dtype = dtype_v<TestType>;
  // alpha below 1 takes the boost sub-stream; parameters repeat along the
  // output's trailing dimension.
  const std::vector<double> alpha = {0.25, 1.0, 4.5}, beta = {2.0, 0.5, 1.0};
  const auto count = static_cast<std::int64_t>(alpha.size());
  const px::Gamma<TestType> sampler{alpha.data(), beta.data(), count};
  const Tensor alpha_t = constant(alpha, Shape{count}), beta_t = constant(beta, Shape{count});
  for (std::int64_t rows : {0, 1, 7}) {
    require_bits(generate_as_kernel<TestType>(sampler, rows * count),
                 random::stateless_gamma(Shape{rows}, kSeed, alpha_t, beta_t, dtype));
  }
}
