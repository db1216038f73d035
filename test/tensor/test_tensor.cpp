// Tensor handles, creation, element access, printing and the allocator.
#include <sstream>

#include "eager/format.hpp"
#include "test_util.hpp"

using namespace eager;
using eager::test::require_close;

TEST_CASE("constant from braces, vectors and scalars", "[tensor][creation]") {
  const Tensor a = constant({{1, 2, 3}, {4, 5, 6}});
  REQUIRE(a.dtype() == DType::Int32);
  REQUIRE(a.shape() == Shape{2, 3});
  REQUIRE(a.to_vector<int>() == std::vector<int>{1, 2, 3, 4, 5, 6});
  REQUIRE(constant({1.5f}).dtype() == DType::Float32);
  REQUIRE(constant({1.5}).dtype() == DType::Float64);
  REQUIRE(constant({1L}).dtype() == DType::Int64);
  REQUIRE(constant({true, false}).dtype() == DType::Bool);
  REQUIRE(constant({{{1.f}, {2.f}}}).shape() == Shape{1, 2, 1});
  REQUIRE(constant({1, 2}, DType::Float64).dtype() == DType::Float64);
  REQUIRE(constant(std::vector<float>{1, 2, 3, 4}, Shape{2, 2}).shape() == Shape{2, 2});
  REQUIRE_THROWS_AS(constant(std::vector<float>{1, 2, 3}, Shape{2, 2}), InvalidArgument);
  REQUIRE_THROWS_AS(constant({{1, 2}, {3}}), InvalidArgument);
  const Tensor s = scalar(3);
  REQUIRE(s.rank() == 0);
  REQUIRE(s.dtype() == DType::Int32);
  REQUIRE(s.item<int>() == 3);
  REQUIRE(scalar(2.5).dtype() == DType::Float32);
  REQUIRE(scalar(2.5, DType::Float64).item<double>() == 2.5);
}

TEST_CASE("zeros, ones, fill, *_like, range, linspace, eye", "[tensor][creation]") {
  REQUIRE(zeros(Shape{2, 3}).to_vector<float>() == std::vector<float>(6, 0.f));
  REQUIRE(ones(Shape{2}, DType::Int64).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 1});
  REQUIRE(fill(Shape{3}, 7).dtype() == DType::Int32);
  REQUIRE(fill(Shape{3}, 7.5).to_vector<float>() == std::vector<float>(3, 7.5f));
  const Tensor t = constant({{1, 2}, {3, 4}});
  REQUIRE(zeros_like(t).dtype() == DType::Int32);
  REQUIRE(ones_like(t, DType::Float32).to_vector<float>() == std::vector<float>(4, 1.f));
  REQUIRE(fill_like(t, 9).to_vector<int>() == std::vector<int>(4, 9));
  REQUIRE(range(5).to_vector<int>() == std::vector<int>{0, 1, 2, 3, 4});
  REQUIRE(range(3, 18, 3).to_vector<int>() == std::vector<int>{3, 6, 9, 12, 15});
  REQUIRE(range(5, 1, -2).to_vector<int>() == std::vector<int>{5, 3});
  REQUIRE(range(0, 1, 0.25).dtype() == DType::Float32);
  require_close(range(0, 1, 0.25), {0, 0.25, 0.5, 0.75});
  REQUIRE(range(0, 0).num_elements() == 0);
  REQUIRE_THROWS_AS(range(0, 5, 0), InvalidArgument);
  REQUIRE_THROWS_AS(range(5, 0, 1), InvalidArgument);
  // Integer dtypes take the bounds converted first, as tf.range.
  REQUIRE(range(0, 10, 2.5, DType::Int64).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 2, 4, 6, 8});
  REQUIRE_THROWS_AS(range(0.5, 3.0, 0.5, DType::Int32), InvalidArgument);
  REQUIRE_THROWS_AS(range(0.0, INFINITY, 1.0), InvalidArgument);
  REQUIRE_THROWS_AS(range(0.0, NAN, 1.0), InvalidArgument);
  REQUIRE_THROWS_AS(range(0, 300, 1, DType::UInt8), InvalidArgument);
  REQUIRE(range(250, 256, 2, DType::UInt8).to_vector<int>() == std::vector<int>{250, 252, 254});
  REQUIRE(range(INT64_MIN, INT64_MIN + 3, 1, DType::Int64).num_elements() == 3);
  REQUIRE_THROWS_AS(range(0.0, 1e30, 1.0), InvalidArgument);
  require_close(linspace(10, 12, 3), {10, 11, 12});
  REQUIRE(linspace(0, 1, 0).num_elements() == 0);
  require_close(linspace(2, 3, 1), {2});
  REQUIRE_THROWS_AS(linspace(0, 1, -1), InvalidArgument);
  REQUIRE_THROWS_AS(linspace(0, 1, 3, DType::Int32), InvalidArgument);
  require_close(eye(2, 3), {1, 0, 0, 0, 1, 0});
  REQUIRE(eye(3).shape() == Shape{3, 3});
  REQUIRE_THROWS_AS(eye(-1), InvalidArgument);
  REQUIRE_THROWS_AS(zeros(Shape{2, -1}), InvalidArgument);
  REQUIRE_THROWS_AS(zeros(Shape{0, -3}), InvalidArgument);
  REQUIRE_THROWS_AS(Tensor::empty(Shape{0x1C00000000000001}, DType::Float64, Device::cpu()), ResourceExhausted);
}

TEST_CASE("handles share, clone copies, views index", "[tensor]") {
  Tensor a = constant({{1.f, 2.f}, {3.f, 4.f}});
  Tensor b = a;
  REQUIRE(b.is_same(a));
  Tensor c = a.clone();
  c.mutable_data<float>()[0] = 10;
  REQUIRE(a.to_vector<float>()[0] == 1.f);
  b.mutable_data<float>()[0] = 5;
  REQUIRE(a.to_vector<float>()[0] == 5.f);
  const Tensor row = a[1];
  REQUIRE(row.shape() == Shape{2});
  REQUIRE(row.shares_storage_with(a));
  REQUIRE(row.to_vector<float>() == std::vector<float>{3, 4});
  REQUIRE(a[-1].to_vector<float>() == std::vector<float>{3, 4});
  REQUIRE(a[1][0].item<float>() == 3.f);
  REQUIRE_THROWS_AS(a[2], OutOfRange);
  REQUIRE_THROWS_AS(scalar(1)[0], InvalidArgument);
  REQUIRE(a.dim(-1) == 2);
  REQUIRE_THROWS_AS(a.dim(2), OutOfRange);
  REQUIRE_THROWS_AS(scalar(5).dim(0), OutOfRange);
}

TEST_CASE("typed access checks dtype, device and layout", "[tensor][errors]") {
  const Tensor a = constant({1, 2, 3});
  REQUIRE_THROWS_AS(a.data<float>(), InvalidArgument);
  REQUIRE_THROWS_AS(a.item<int>(), InvalidArgument);
  REQUIRE(a.to_vector<double>() == std::vector<double>{1, 2, 3});
  REQUIRE(constant({2.7f}).item<int>() == 2);
  const Tensor t = transpose(constant({{1, 2}, {3, 4}}));
  REQUIRE_THROWS_AS(t.data<int>(), InvalidArgument);
  REQUIRE(t.contiguous().to_vector<int>() == std::vector<int>{1, 3, 2, 4});
  REQUIRE(t.to_vector<int>() == std::vector<int>{1, 3, 2, 4});
  const Tensor undefined;
  REQUIRE_FALSE(undefined.defined());
  REQUIRE_THROWS_AS(undefined.shape(), InvalidArgument);
  REQUIRE(undefined.to_string() == "eager.Tensor(<undefined>)");
}


TEST_CASE("printing follows TensorFlow and NumPy", "[tensor][print]") {
  auto str = [](const Tensor& t) {
    std::ostringstream os;
    os << t;
    return os.str();
  };
  REQUIRE(str(constant({36, 25})) == "eager.Tensor([36 25], shape=(2,), dtype=int32)");
  REQUIRE(str(scalar(3)) == "eager.Tensor(3, shape=(), dtype=int32)");
  REQUIRE(str(constant({{1, 2}, {3, 4}})) == "eager.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)");
  REQUIRE(constant({1.f, 2.f}).values_string() == "[1. 2.]");
  REQUIRE(constant({0.1f, 0.25f}).values_string() == "[0.1  0.25]");
  REQUIRE(constant({-1.5, 10.0}).values_string() == "[-1.5 10. ]");
  // Shortest digits that read back in the tensor's own precision, at most 8.
  REQUIRE(constant({1.5611777f, 0.1f}).values_string() == "[1.5611777 0.1      ]");
  REQUIRE(constant({1.0 / 3, 0.1}).values_string() == "[0.33333333 0.1       ]");
  REQUIRE(constant({1.5e-5f, 2.0f}).values_string() == "[1.5e-05 2.0e+00]");
  REQUIRE(constant({1e-5, 1.0}).values_string() == "[1.e-05 1.e+00]");
  REQUIRE(constant({true, false}).values_string() == "[ True False]");
  REQUIRE(constant({INFINITY, -INFINITY}).values_string() == "[ inf -inf]");
  REQUIRE(constant({9007199254740993L}).values_string() == "[9007199254740993]");
  REQUIRE(zeros(Shape{0}).values_string() == "[]");
  REQUIRE(zeros(Shape{2, 0}).values_string() == "[[]\n []]");
  REQUIRE(constant({{{1, 2}}, {{3, 4}}}).values_string() == "[[[1 2]]\n\n [[3 4]]]");
  REQUIRE(range(2000).values_string() == "[   0    1    2 ... 1997 1998 1999]");
  REQUIRE(fmt::format("{}", constant({36, 25})) == "eager.Tensor([36 25], shape=(2,), dtype=int32)");
}

TEST_CASE("the caching allocator reuses freed blocks", "[tensor][memory]") {
  { Tensor warm = zeros(Shape{1000, 1000}); }
  const auto before = memory::stats();
  for (int i = 0; i < 10; ++i) {
    Tensor t = zeros(Shape{1000, 1000});
    Tensor u = t + 1.f;
  }
  const auto after = memory::stats();
  // The second 4 MB block per iteration is the only new one, once.
  REQUIRE(after.system_allocations - before.system_allocations <= 1);
  REQUIRE(after.allocated_bytes == before.allocated_bytes);
  REQUIRE(after.peak_allocated_bytes >= 8'000'000);
  memory::empty_cache();
  REQUIRE(memory::stats().cached_bytes == 0);
  REQUIRE_THROWS_AS(memory::set_cache_limit(-1), InvalidArgument);
  // Too large to exist: a clear error, not a crash or a wrapped size.
  REQUIRE_THROWS_AS(zeros(Shape{1LL << 31, 1LL << 31}, DType::Float64), ResourceExhausted);
  REQUIRE_THROWS_AS(zeros(Shape{1LL << 40}), ResourceExhausted);
}
