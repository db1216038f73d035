// Random ops on a GPU against the same ops on the CPU: uniform floats and
// integers bit-identical (stateless, seeded, op seeds, Generator), normal,
// truncated normal and gamma samples within a few ulp (CUDA's log, sin, cos,
// sqrt and pow round differently from glibc's), shuffles identical, sizes
// beyond one grid of threads and empty shapes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "cuda_test_util.hpp"
#include "same_bits.hpp"

using namespace eager;
using namespace eager::test;

namespace {

// Units in the last place between two finite values of T of one sign (or
// both zero), through their bit patterns.
template <class T> std::int64_t ulps_apart(T a, T b) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  Bits x, y;
  std::memcpy(&x, &a, sizeof(T));
  std::memcpy(&y, &b, sizeof(T));
  if ((x < 0) != (y < 0)) return a == b ? 0 : std::numeric_limits<std::int64_t>::max();
  return x > y ? static_cast<std::int64_t>(x) - y : static_cast<std::int64_t>(y) - x;
}

// Every element within max_ulps of the CPU's, or within abs_tol where
// cancellation (mean + stddev * z near 0) makes ulps meaningless.
template <class T>
void require_ulps(const Tensor& on_gpu, const Tensor& on_cpu, std::int64_t max_ulps, double abs_tol) {
  REQUIRE(on_gpu.device() == gpu());
  REQUIRE(on_gpu.dtype() == on_cpu.dtype());
  REQUIRE(on_gpu.shape() == on_cpu.shape());
  const std::vector<T> g = on_gpu.cpu().to_vector<T>(), c = on_cpu.to_vector<T>();
  std::int64_t worst = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    REQUIRE(std::isfinite(g[i]));
    if (std::abs(static_cast<double>(g[i]) - static_cast<double>(c[i])) <= abs_tol) continue;
    const std::int64_t d = ulps_apart(g[i], c[i]);
    if (d > max_ulps) {
      INFO("element " << i << ": GPU " << g[i] << ", CPU " << c[i] << ", " << d << " ulps apart");
      REQUIRE(d <= max_ulps);
    }
    worst = std::max(worst, d);
  }
  INFO("largest difference " << worst << " ulps");
  SUCCEED();
}

const std::int64_t kSizes[] = {0, 1, 3, 1001, 5000003};  // the last crosses the grid several times

}  // namespace

TEST_CASE("cuda random: stateless uniform floats and integers are bit-identical", "[cuda][random]") {
  for (std::int64_t n : kSizes) {
    INFO("n = " << n);
    for (DType dtype : {DType::Float32, DType::Float64}) {
      require_same_bits(random::stateless_uniform(Shape{n}, {1, 2}, 0, std::nullopt, dtype, gpu()),
                        random::stateless_uniform(Shape{n}, {1, 2}, 0, std::nullopt, dtype, Device::cpu()));
      require_same_bits(random::stateless_uniform(Shape{n}, {-7, 99}, -3.5, 12.25, dtype, gpu()),
                        random::stateless_uniform(Shape{n}, {-7, 99}, -3.5, 12.25, dtype, Device::cpu()));
    }
    // A small range, the full int32 range and one just over 2^63 (half the
    // candidates rejected, redrawn from each element's own counter row).
    require_same_bits(random::stateless_uniform(Shape{n}, {3, 4}, -5, 17, DType::Int32, gpu()),
                      random::stateless_uniform(Shape{n}, {3, 4}, -5, 17, DType::Int32, Device::cpu()));
    const Scalar lo32 = std::numeric_limits<std::int32_t>::min(), hi32 = std::numeric_limits<std::int32_t>::max();
    require_same_bits(random::stateless_uniform(Shape{n}, {3, 4}, lo32, hi32, DType::Int32, gpu()),
                      random::stateless_uniform(Shape{n}, {3, 4}, lo32, hi32, DType::Int32, Device::cpu()));
    const Scalar lo64 = std::numeric_limits<std::int64_t>::min();
    require_same_bits(random::stateless_uniform(Shape{n}, {5, 6}, lo64, 1, DType::Int64, gpu()),
                      random::stateless_uniform(Shape{n}, {5, 6}, lo64, 1, DType::Int64, Device::cpu()));
  }
  require_same_bits(random::stateless_uniform(Shape{3, 0, 2}, {1, 1}, 0, 1, DType::Float32, gpu()),
                    random::stateless_uniform(Shape{3, 0, 2}, {1, 1}, 0, 1, DType::Float32, Device::cpu()));
}

TEST_CASE("cuda random: seeded, op-seeded and Generator draws are bit-identical", "[cuda][random]") {
  const Shape shape{37, 11};
  random::set_seed(1234);
  const Tensor first_gpu = random::uniform(shape, 0, 1, DType::Float32, std::nullopt, gpu());
  const Tensor second_gpu = random::uniform(shape, 0, 100, DType::Int64, std::nullopt, gpu());
  random::set_seed(1234);
  require_same_bits(first_gpu, random::uniform(shape, 0, 1, DType::Float32, std::nullopt, Device::cpu()));
  require_same_bits(second_gpu, random::uniform(shape, 0, 100, DType::Int64, std::nullopt, Device::cpu()));
  random::clear_seed();
  require_same_bits(random::uniform(shape, 0, 1, DType::Float64, 77, gpu()),
                    random::uniform(shape, 0, 1, DType::Float64, 77, Device::cpu()));

  random::Generator on_gpu(99), on_cpu(99);
  for (int call = 0; call < 3; ++call)
    require_same_bits(on_gpu.uniform(shape, -1, 1, DType::Float32, gpu()),
                      on_cpu.uniform(shape, -1, 1, DType::Float32, Device::cpu()));
  {
    // A device scope is where ops without a device go.
    DeviceScope scope(gpu());
    const Tensor scoped = random::stateless_uniform(shape, {8, 9});
    REQUIRE(scoped.device() == gpu());
    require_same_bits(scoped, random::stateless_uniform(shape, {8, 9}, 0, std::nullopt, DType::Float32, Device::cpu()));
  }
}

TEST_CASE("cuda random: normal and truncated normal within a few ulp", "[cuda][random]") {
  for (std::int64_t n : kSizes) {
    INFO("n = " << n);
    require_ulps<float>(random::stateless_normal(Shape{n}, {1, 2}, 0, 1, DType::Float32, gpu()),
                        random::stateless_normal(Shape{n}, {1, 2}, 0, 1, DType::Float32, Device::cpu()), 2, 0);
    require_ulps<double>(random::stateless_normal(Shape{n}, {1, 2}, 0, 1, DType::Float64, gpu()),
                         random::stateless_normal(Shape{n}, {1, 2}, 0, 1, DType::Float64, Device::cpu()), 16, 0);
    require_ulps<float>(random::stateless_truncated_normal(Shape{n}, {3, 1}, 2, 0.5, DType::Float32, gpu()),
                        random::stateless_truncated_normal(Shape{n}, {3, 1}, 2, 0.5, DType::Float32, Device::cpu()), 2,
                        1e-6);
    require_ulps<double>(random::stateless_truncated_normal(Shape{n}, {3, 1}, 2, 0.5, DType::Float64, gpu()),
                         random::stateless_truncated_normal(Shape{n}, {3, 1}, 2, 0.5, DType::Float64, Device::cpu()),
                         16, 1e-14);
  }
  random::set_seed(5);
  const Tensor seeded = random::normal(Shape{1000}, 0, 1, DType::Float32, std::nullopt, gpu());
  random::set_seed(5);
  require_ulps<float>(seeded, random::normal(Shape{1000}, 0, 1, DType::Float32, std::nullopt, Device::cpu()), 2, 0);
  random::clear_seed();
}

TEST_CASE("cuda random: gamma with scalar and tensor parameters, on either device", "[cuda][random]") {
  // alpha < 1 takes the boost path (a pow); parameters given on the GPU are
  // read back to the host first.
  const Tensor alpha = constant({0.3, 1.0, 2.5, 9.0}), beta = constant({1.0, 0.5, 2.0, 3.0});
  for (DType dtype : {DType::Float32, DType::Float64}) {
    const Tensor on_cpu = random::stateless_gamma(Shape{2000}, {4, 5}, alpha, beta, dtype, Device::cpu());
    const Tensor from_gpu_params =
        random::stateless_gamma(Shape{2000}, {4, 5}, alpha.to(gpu()), beta.to(gpu()), dtype, gpu());
    // Marsaglia-Tsang cubes 1 + c * x, which magnifies the relative error
    // of x where that sum is small: float64 gets a wider margin (2e-12).
    if (dtype == DType::Float32) require_ulps<float>(from_gpu_params, on_cpu, 2, 1e-30);
    else require_ulps<double>(from_gpu_params, on_cpu, 8192, 1e-300);
    require_same_bits(
        random::stateless_gamma(Shape{0}, {4, 5}, alpha.to(gpu()), std::nullopt, dtype, gpu()),
        random::stateless_gamma(Shape{0}, {4, 5}, alpha, std::nullopt, dtype, Device::cpu()));
  }
  require_ulps<float>(random::gamma(Shape{500}, 0.5, 2.0, DType::Float32, 11, gpu()),
                      random::gamma(Shape{500}, 0.5, 2.0, DType::Float32, 11, Device::cpu()), 2, 1e-30);
  require_same_bits(random::stateless_gamma(Shape{3}, {1, 1}, Tensor::empty(Shape{0}, DType::Float64, gpu()),
                                            std::nullopt, DType::Float32, gpu()),
                    random::stateless_gamma(Shape{3}, {1, 1}, Tensor::empty(Shape{0}, DType::Float64, Device::cpu()),
                                            std::nullopt, DType::Float32, Device::cpu()));
}

TEST_CASE("cuda random: shuffle gives the CPU's permutation, rows of any dtype", "[cuda][random]") {
  for (DType dtype : {DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor rows = random_tensor(Shape{257, 3}, dtype, 7, -50, 50);
    const Tensor vector = random_tensor(Shape{1000}, dtype, 8, -50, 50);
    require_same_bits(random::stateless_shuffle(rows.to(gpu()), {2, 3}), random::stateless_shuffle(rows, {2, 3}));
    require_same_bits(random::stateless_shuffle(vector.to(gpu()), {2, 3}), random::stateless_shuffle(vector, {2, 3}));
    // A strided view on the GPU is made contiguous first, as on the CPU.
    require_same_bits(random::stateless_shuffle(transpose(rows.to(gpu())), {4, 4}),
                      random::stateless_shuffle(transpose(rows), {4, 4}));
  }
  random::set_seed(3);
  const Tensor seeded = random::shuffle(range(100).to(gpu()));
  random::set_seed(3);
  require_same_bits(seeded, random::shuffle(range(100)));
  random::clear_seed();
  require_same_bits(random::stateless_shuffle(Tensor::empty(Shape{0, 4}, DType::Float32, gpu()), {1, 1}),
                    random::stateless_shuffle(Tensor::empty(Shape{0, 4}, DType::Float32, Device::cpu()), {1, 1}));
  REQUIRE_THROWS_AS(random::shuffle(scalar(1.0f, std::nullopt, gpu())), InvalidArgument);
}
