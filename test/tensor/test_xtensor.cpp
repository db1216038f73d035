// eager/xtensor.hpp: zero-copy adaptors over tensors and copies of xtensor
// expressions into tensors.
#include "eager/xtensor.hpp"

#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xtensor.hpp>

#include <cstdint>
#include <utility>
#include <vector>

#include "test_util.hpp"

namespace {
using namespace eager;
using eager::test::as_doubles;
using eager::test::random_tensor;
}  // namespace

TEST_CASE("as_xtensor writes through to the tensor without copying", "[xtensor]") {
  Tensor t = zeros({2, 3}, DType::Float64);
  auto a = as_xtensor<double>(t);
  REQUIRE(a.dimension() == 2);
  REQUIRE(a.shape()[0] == 2);
  REQUIRE(a.shape()[1] == 3);
  REQUIRE(a.data() == t.data<double>());
  a(1, 2) = 5;
  a(0, 0) = -1;
  REQUIRE(t.to_vector<double>() == std::vector<double>{-1, 0, 0, 0, 0, 5});

  // Through a strided view: the writes land in the base tensor.
  Tensor base = zeros({3, 2}, DType::Int32);
  Tensor column = transpose(base)[1];
  auto c = as_xtensor<std::int32_t>(column);
  REQUIRE(c.size() == 3);
  c(0) = 7;
  c(2) = 9;
  REQUIRE(base.to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 7, 0, 0, 0, 9});
}

TEST_CASE("as_xtensor reads strided views and 0-d tensors", "[xtensor]") {
  const Tensor base = random_tensor({3, 4}, DType::Float32, 1);
  const Tensor view = transpose(base);
  REQUIRE_FALSE(view.is_contiguous());
  const auto a = as_xtensor<float>(view);
  REQUIRE(a.shape()[0] == 4);
  REQUIRE(a.shape()[1] == 3);
  const std::vector<double> expected = as_doubles(view);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 3; ++j) REQUIRE(a(i, j) == static_cast<float>(expected[i * 3 + j]));
  // Evaluating the adaptor walks it in row-major order.
  const xt::xarray<float> copy = a;
  REQUIRE(copy(3, 1) == a(3, 1));

  const Tensor s = scalar(42, DType::Int64);
  const auto sa = as_xtensor<std::int64_t>(s);
  REQUIRE(sa.dimension() == 0);
  REQUIRE(sa() == 42);

  const Tensor empty = zeros({0, 3});
  REQUIRE(as_xtensor<float>(empty).size() == 0);
}

TEST_CASE("as_xtensor refuses another dtype", "[xtensor]") {
  Tensor t = zeros({2}, DType::Float32);
  const Tensor& ct = t;
  REQUIRE_THROWS_AS(as_xtensor<double>(t), InvalidArgument);
  REQUIRE_THROWS_AS(as_xtensor<std::int32_t>(ct), InvalidArgument);
  REQUIRE_THROWS_WITH(as_xtensor<double>(t), Catch::Contains("float32"));
}

TEST_CASE("as_xtensor adapts broadcast views read-only", "[xtensor]") {
  Tensor row = constant({1.0f, 2.0f, 3.0f});
  Tensor wide = broadcast_to(row, {2, 3});
  REQUIRE_THROWS_AS(as_xtensor<float>(wide), InvalidArgument);
  const auto a = as_xtensor<float>(std::as_const(wide));
  REQUIRE(a(1, 2) == 3.0f);
  const xt::xarray<float> copy = a;
  REQUIRE(copy(1, 0) == 1.0f);
  REQUIRE(copy(0, 1) == 2.0f);
}

TEST_CASE("from_xtensor copies expressions with the matching dtype", "[xtensor]") {
  const Tensor r = from_xtensor(xt::arange<std::int64_t>(6));
  REQUIRE(r.dtype() == DType::Int64);
  REQUIRE(r.shape() == Shape{6});
  REQUIRE(r.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5});

  const Tensor i = from_xtensor(xt::arange(4));
  REQUIRE(i.dtype() == DType::Int32);
  REQUIRE(i.to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 1, 2, 3});

  // A lazy 2-D expression, evaluated straight into the new tensor.
  const xt::xtensor<double, 2> m = {{1, 2, 3}, {4, 5, 6}};
  const Tensor e = from_xtensor(m * 2.0 + 1.0);
  REQUIRE(e.dtype() == DType::Float64);
  REQUIRE(e.shape() == Shape{2, 3});
  REQUIRE(e.to_vector<double>() == std::vector<double>{3, 5, 7, 9, 11, 13});
  const Tensor tr = from_xtensor(xt::transpose(m));
  REQUIRE(tr.shape() == Shape{3, 2});
  REQUIRE(tr.to_vector<double>() == std::vector<double>{1, 4, 2, 5, 3, 6});

  // The copy shares nothing with its source.
  xt::xarray<float> src = {1.5f, 2.5f};
  const Tensor f = from_xtensor(src);
  src(0) = 100;
  REQUIRE(f.dtype() == DType::Float32);
  REQUIRE(f.to_vector<float>() == std::vector<float>{1.5f, 2.5f});
}

TEST_CASE("from_xtensor maps value types and honours an explicit dtype", "[xtensor]") {
  REQUIRE(from_xtensor(xt::xarray<bool>{true, false}).dtype() == DType::Bool);
  REQUIRE(from_xtensor(xt::xarray<std::uint8_t>{1, 2}).dtype() == DType::UInt8);
  REQUIRE(from_xtensor(xt::xarray<std::int8_t>{-1, 2}).dtype() == DType::Int32);
  REQUIRE(from_xtensor(xt::xarray<std::int16_t>{-1, 2}).dtype() == DType::Int32);
  REQUIRE(from_xtensor(xt::xarray<std::uint16_t>{1, 2}).dtype() == DType::Int32);
  REQUIRE(from_xtensor(xt::xarray<std::uint32_t>{4000000000u}).to_vector<std::int64_t>() ==
          std::vector<std::int64_t>{4000000000});
  REQUIRE(from_xtensor(xt::xarray<long long>{1}).dtype() == DType::Int64);
  REQUIRE(from_xtensor(xt::xarray<std::int8_t>{-1, 2}).to_vector<std::int32_t>() == std::vector<std::int32_t>{-1, 2});

  const Tensor c = from_xtensor(xt::arange(3), DType::Float32);
  REQUIRE(c.dtype() == DType::Float32);
  REQUIRE(c.to_vector<float>() == std::vector<float>{0, 1, 2});
  const Tensor t = from_xtensor(xt::xarray<double>{-1.7, 2.9}, DType::Int32);
  REQUIRE(t.to_vector<std::int32_t>() == std::vector<std::int32_t>{-1, 2});

  const Tensor zero_d = from_xtensor(xt::xarray<double>(3.5));
  REQUIRE(zero_d.rank() == 0);
  REQUIRE(zero_d.item<double>() == 3.5);
  REQUIRE(from_xtensor(xt::xarray<float>::from_shape({2, 0})).shape() == Shape{2, 0});
}

TEST_CASE("as_xtensor and from_xtensor round-trip", "[xtensor]") {
  const Tensor t = random_tensor({2, 3, 4}, DType::Float64, 3);
  const Tensor back = from_xtensor(as_xtensor<double>(transpose(t, std::vector<int>{2, 0, 1})));
  REQUIRE(all_equal(back, transpose(t, std::vector<int>{2, 0, 1}).contiguous()));
}
