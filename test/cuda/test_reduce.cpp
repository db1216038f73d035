// Reductions, argmax/argmin and cumsum on a GPU against the same ops on the
// CPU: every op and dtype the CPU supports, every axis layout (rows, columns,
// all axes, non-adjacent axes, keepdims), views made on the device, empty
// axes (the CPU's identities), NaNs and ties, and sizes that make the
// kernels split an axis into chunks or index past 2^31.
//
// Tolerances: max, min, argmax, argmin, all, any and every integer result
// must match bit for bit. Float sums and cumsums run on whole numbers small
// enough that every partial sum is exact, so they must match bit for bit
// too; on arbitrary floats they differ by rounding only (the order of the
// additions differs), checked against a float64 reference.
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "cuda_test_util.hpp"
#include "same_bits.hpp"

using namespace eager;
using namespace eager::test;

namespace {

const DType kNumeric[] = {DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64};

// Whole numbers in [lo, hi] of `dtype` (bool: true and false), made on the
// CPU so that both devices read the same values.
Tensor whole(const Shape& shape, DType dtype, unsigned seed, double lo = -8, double hi = 8) {
  if (dtype == DType::Bool) return random_tensor(shape, DType::Bool, seed);
  if (dtype == DType::UInt8) lo = std::max(lo, 0.0);
  return cast(random_tensor(shape, DType::Int64, seed, lo, hi + 1), dtype);
}

using Reduction = Tensor (*)(const Tensor&, const std::vector<int>&, bool);

struct Op {
  const char* name;
  Reduction fn;
};
const Op kNumericOps[] = {{"reduce_sum", reduce_sum}, {"reduce_prod", reduce_prod}, {"reduce_max", reduce_max},
                          {"reduce_min", reduce_min}};
const Op kBoolOps[] = {{"reduce_all", reduce_all}, {"reduce_any", reduce_any}};

const std::vector<std::vector<int>> kAxes = {{}, {0}, {1}, {2}, {-1}, {0, 1}, {1, 2}, {0, 2}, {0, 1, 2}};

// x on both devices through fn: the same bits.
void check(const Tensor& x, const std::function<Tensor(const Tensor&)>& fn) {
  require_same_bits(fn(x.to(gpu())), fn(x));
}

// Products of 1s, 2s and -1s stay exact (or overflow to the same infinity)
// in any order; uint8 products wrap.
Tensor prod_input(const Shape& shape, DType dtype, unsigned seed) {
  if (dtype == DType::UInt8) return whole(shape, dtype, seed, 1, 3);
  const Tensor x = whole(shape, dtype, seed, -1, 2);
  return where(equal(x, 0), scalar(2, dtype), x);
}

}  // namespace

TEST_CASE("cuda reduce: every op, dtype and axis layout", "[cuda][reduce]") {
  // Rows of 16 and 17 elements (a thread or a warp per row), of 4098 (a
  // block), columns 2, 3, 17 and 40 wide.
  for (const Shape& shape : {Shape{5, 7, 9}, Shape{3, 1, 40}, Shape{2, 300, 3}, Shape{64, 33, 1}, Shape{4, 16, 17},
                             Shape{3, 2049, 2}}) {
    for (const auto& axes : kAxes) {
      for (bool keepdims : {false, true}) {
        for (const Op& op : kNumericOps) {
          for (DType dtype : kNumeric) {
            INFO(op.name << " " << dtype_name(dtype) << " " << shape.to_string() << " axes " << axes.size()
                         << " keepdims " << keepdims);
            const bool prod = std::string(op.name) == "reduce_prod";
            const Tensor x = prod ? prod_input(shape, dtype, 3) : whole(shape, dtype, 3);
            check(x, [&](const Tensor& t) { return op.fn(t, axes, keepdims); });
          }
        }
        for (const Op& op : kBoolOps) {
          INFO(op.name << " " << shape.to_string() << " keepdims " << keepdims);
          check(whole(shape, DType::Bool, 4), [&](const Tensor& t) { return op.fn(t, axes, keepdims); });
        }
      }
    }
  }
}

TEST_CASE("cuda reduce: views made on the device", "[cuda][reduce]") {
  const Tensor x = whole(Shape{6, 8, 10}, DType::Float32, 5);
  const auto transposed = [](const Tensor& t) { return transpose(t, std::vector<int>{2, 0, 1}); };
  const auto sliced = [](const Tensor& t) { return strided_slice(t, {1, 0, 1}, {6, 8, 10}, {2, 3, 2}); };
  for (const auto& axes : kAxes) {
    check(x, [&](const Tensor& t) { return reduce_sum(transposed(t), axes); });
    check(x, [&](const Tensor& t) { return reduce_max(sliced(t), axes, true); });
    check(x, [&](const Tensor& t) { return argmin(transposed(t), axes.empty() ? 0 : axes[0]); });
  }
}

TEST_CASE("cuda reduce: empty axes give the CPU's identities", "[cuda][reduce]") {
  for (DType dtype : kNumeric) {
    for (const Op& op : kNumericOps) {
      INFO(op.name << " " << dtype_name(dtype));
      const Tensor x = zeros(Shape{3, 0, 4}, dtype);
      check(x, [&](const Tensor& t) { return op.fn(t, {1}, false); });
      check(x, [&](const Tensor& t) { return op.fn(t, {0, 1}, true); });
      check(zeros(Shape{0}, dtype), [&](const Tensor& t) { return op.fn(t, {}, false); });
    }
  }
  for (const Op& op : kBoolOps)
    check(zeros(Shape{2, 0}, DType::Bool), [&](const Tensor& t) { return op.fn(t, {1}, false); });
  // Nothing to reduce into: an empty output.
  check(zeros(Shape{0, 5}, DType::Float32), [](const Tensor& t) { return reduce_sum(t, {1}); });
  const Tensor empty_max = reduce_max(zeros(Shape{2, 0}, DType::Float32, gpu()), {1});
  CHECK(empty_max.to_vector<float>() == std::vector<float>(2, -std::numeric_limits<float>::infinity()));
  CHECK(reduce_min(zeros(Shape{0}, DType::Int32, gpu())).item<std::int32_t>() ==
        std::numeric_limits<std::int32_t>::max());
}

TEST_CASE("cuda reduce: NaNs win max and min; argmax takes the first maximum or NaN", "[cuda][reduce]") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const Tensor x = constant<float>({{1, 3, 3, 2}, {nan, 5, nan, 1}, {-inf, -inf, -inf, -inf}, {2, 2, 2, nan}});
  for (int axis : {0, 1}) {
    check(x, [&](const Tensor& t) { return reduce_max(t, {axis}); });
    check(x, [&](const Tensor& t) { return reduce_min(t, {axis}); });
    check(x, [&](const Tensor& t) { return argmax(t, axis); });
    check(x, [&](const Tensor& t) { return argmin(t, axis, DType::Int32); });
  }
  CHECK(argmax(x.to(gpu()), 1).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0, 0, 3});
  CHECK(argmin(x.to(gpu()), 1).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 0, 0, 3});
}

TEST_CASE("cuda argmax/argmin: every dtype, ties across lanes and chunks", "[cuda][reduce]") {
  for (DType dtype : {DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64}) {
    // Few distinct values over long axes: the maximum occurs in many lanes
    // and chunks, and only the first may win.
    for (const Shape& shape : {Shape{3, 100000}, Shape{100000, 3}, Shape{1, 3000000}, Shape{7, 50, 9}}) {
      INFO(dtype_name(dtype) << " " << shape.to_string());
      const Tensor x = whole(shape, dtype, 6, 0, 4);
      for (int axis = 0; axis < shape.rank(); ++axis) {
        check(x, [&](const Tensor& t) { return argmax(t, axis); });
        check(x, [&](const Tensor& t) { return argmin(t, axis); });
      }
    }
  }
  // A NaN late in a long row, after maxima in every chunk.
  Tensor row = whole(Shape{1, 2000000}, DType::Float32, 7, 0, 4);
  row = concat({row, constant<float>({{std::numeric_limits<float>::quiet_NaN(), 9}})}, 1);
  check(row, [](const Tensor& t) { return argmax(t, 1); });
  CHECK(argmax(row.to(gpu()), 1).item<std::int64_t>() == 2000000);
}

TEST_CASE("cuda reduce: long rows and columns split into chunks", "[cuda][reduce]") {
  // Whole numbers keep every float32 partial sum exact: bit-exact sums.
  for (const Shape& shape :
       {Shape{1 << 22}, Shape{3, 1 << 20}, Shape{1 << 20, 3}, Shape{1 << 16, 64}, Shape{2, 1 << 18, 2}}) {
    for (DType dtype : {DType::Int32, DType::Float32, DType::Float64}) {
      INFO(dtype_name(dtype) << " " << shape.to_string());
      const Tensor x = whole(shape, dtype, 8, -2, 2);
      for (int axis = 0; axis < shape.rank(); ++axis) {
        check(x, [&](const Tensor& t) { return reduce_sum(t, {axis}); });
        check(x, [&](const Tensor& t) { return reduce_max(t, {axis}); });
        check(x, [&](const Tensor& t) { return argmax(t, axis); });
      }
      check(x, [&](const Tensor& t) { return reduce_sum(t); });
    }
  }
}

TEST_CASE("cuda reduce: float sums of arbitrary values within rounding of float64", "[cuda][reduce]") {
  const Tensor x = random::uniform(Shape{1 << 24}, -1, 1, DType::Float32, 11, gpu());
  const double reference = reduce_sum(cast(x.cpu(), DType::Float64)).item<double>();
  const double magnitude = reduce_sum(abs(cast(x.cpu(), DType::Float64))).item<double>();
  // Chunks of 16K and more summed in float32: a relative error of at most
  // about 1e-7 times the chain length of each stage (a few hundred).
  // Each lane sums a few values in order, lanes and chunks are combined as
  // trees: an error far below 1e-6 of the sum of magnitudes.
  CHECK(std::abs(reduce_sum(x).item<float>() - reference) <= 1e-6 * magnitude);
  const Tensor cols = reshape(x, Shape{1 << 12, 1 << 12});
  require_matches_cpu(reduce_sum(cols, {0}), reduce_sum(cols.cpu(), {0}), 1e-5, 1e-4);
  require_matches_cpu(reduce_mean(cols, {1}), reduce_mean(cols.cpu(), {1}), 1e-5, 1e-6);
  require_matches_cpu(reduce_prod(exp(cols * 0.01f), {1}), reduce_prod(exp(cols.cpu() * 0.01f), {1}), 1e-4, 0);
}

TEST_CASE("cuda reduce: 256M float32 ones sum exactly; uint8 indices past 2^31", "[cuda][reduce]") {
  CHECK(reduce_sum(ones(Shape{1 << 28}, DType::Float32, gpu())).item<float>() == float(1 << 28));
  CHECK(reduce_sum(ones(Shape{1 << 14, 1 << 14}, DType::Float32, gpu()), {0}).to_vector<float>() ==
        std::vector<float>(1 << 14, float(1 << 14)));
  // 2^31 + 5 bytes: int64 indexing in the row kernels.
  const std::int64_t n = (std::int64_t{1} << 31) + 4;
  const Tensor big = concat({ones(Shape{n}, DType::UInt8, gpu()), fill(Shape{1}, 2, DType::UInt8, gpu())}, 0);
  CHECK(reduce_sum(big).item<std::int64_t>() == (n + 2) % 256);
  CHECK(reduce_max(big).item<std::int64_t>() == 2);
  CHECK(argmax(big, 0).item<std::int64_t>() == n);
  CHECK(argmin(big, 0).item<std::int64_t>() == 0);
}

TEST_CASE("cuda reduce: composites and errors as on the CPU", "[cuda][reduce]") {
  const Tensor x = whole(Shape{4, 6}, DType::Float32, 9);
  require_matches_cpu(reduce_mean(x.to(gpu()), {0}), reduce_mean(x, {0}), 1e-6, 1e-6);
  require_matches_cpu(reduce_logsumexp(x.to(gpu()), {1}), reduce_logsumexp(x, {1}), 1e-6, 1e-6);
  const Tensor i = whole(Shape{4, 6}, DType::Int32, 9);
  check(i, [](const Tensor& t) { return reduce_mean(t, {1}); });
  const auto message = [](const std::function<void()>& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  const Tensor b = whole(Shape{3}, DType::Bool, 1);
  CHECK(message([&] { reduce_sum(b.to(gpu())); }) == message([&] { reduce_sum(b); }));
  CHECK(message([&] { argmax(zeros(Shape{2, 0}, DType::Float32, gpu()), 1); }) ==
        "argmax: axis 1 is empty in float32(2, 0) on /device:GPU:0");
}

TEST_CASE("cuda cumsum: every dtype, axis, direction and mode", "[cuda][cumsum]") {
  for (const Shape& shape : {Shape{5, 7, 9}, Shape{2, 300, 3}, Shape{3, 1000}, Shape{1, 257}}) {
    for (DType dtype : kNumeric) {
      const Tensor x = whole(shape, dtype, 12, -8, 8);
      for (int axis = 0; axis < shape.rank(); ++axis) {
        for (bool exclusive : {false, true}) {
          for (bool reverse : {false, true}) {
            INFO(dtype_name(dtype) << " " << shape.to_string() << " axis " << axis << " exclusive " << exclusive
                                   << " reverse " << reverse);
            check(x, [&](const Tensor& t) { return cumsum(t, axis, exclusive, reverse); });
          }
        }
      }
    }
  }
}

TEST_CASE("cuda cumsum: long rows and columns split into chunks, views, wrapping", "[cuda][cumsum]") {
  // Whole numbers with partial sums below 2^24: bit-exact in float32.
  for (const Shape& shape : {Shape{1, 1 << 22}, Shape{5, 300000}, Shape{1 << 20, 3}, Shape{2, 1 << 18, 2}}) {
    for (DType dtype : {DType::Int64, DType::Float32}) {
      const Tensor x = whole(shape, dtype, 13, -3, 3);
      for (int axis = 0; axis < shape.rank(); ++axis) {
        for (bool exclusive : {false, true}) {
          for (bool reverse : {false, true}) {
            INFO(dtype_name(dtype) << " " << shape.to_string() << " axis " << axis << " exclusive " << exclusive
                                   << " reverse " << reverse);
            check(x, [&](const Tensor& t) { return cumsum(t, axis, exclusive, reverse); });
          }
        }
      }
    }
  }
  const Tensor v = whole(Shape{40, 30}, DType::Int32, 14);
  check(v, [](const Tensor& t) { return cumsum(transpose(t), 1, true, true); });
  // uint8 and int32 sums wrap identically on both devices.
  check(whole(Shape{3, 5000}, DType::UInt8, 15, 0, 255), [](const Tensor& t) { return cumsum(t, 1); });
  check(fill(Shape{100000}, 1 << 30, DType::Int32), [](const Tensor& t) { return cumsum(t, 0, false, true); });
  // Arbitrary floats: within rounding of the CPU's sequential sums.
  const Tensor f = random::uniform(Shape{4, 1 << 18}, -1, 1, DType::Float32, 16, gpu());
  require_matches_cpu(cumsum(f, 1), cumsum(f.cpu(), 1), 1e-4, 2e-3);
}
