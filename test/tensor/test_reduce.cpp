// The reduction rows of the op catalog: reduce_*, argmax/argmin and cumsum for
// every dtype they support, every kind of axis set (one axis, adjacent axes,
// non-adjacent axes, all), keepdims, 0-d, empty, non-contiguous and large
// inputs (the parallel paths), against float64 references written with loops.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "tensor/dispatch.hpp"
#include "test_util.hpp"

using namespace eager;
using eager::test::random_tensor;
using eager::test::require_close;

namespace {

const std::vector<DType> kNumeric = {DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64};
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class Op { Sum, Prod, Max, Min, Mean, All, Any, LogSumExp };

// Row-major index of element `flat` of `shape` in the reduced output.
std::size_t output_index(std::int64_t flat, const Shape& shape, const std::vector<bool>& reduced) {
  std::int64_t out = 0, out_stride = 1;
  for (int d = shape.rank() - 1; d >= 0; --d) {
    const std::int64_t i = flat % shape[d];
    flat /= shape[d];
    if (!reduced[static_cast<std::size_t>(d)]) {
      out += i * out_stride;
      out_stride *= shape[d];
    }
  }
  return static_cast<std::size_t>(out);
}

double combine(Op op, const std::vector<double>& values, DType dtype) {
  double acc = 0;
  switch (op) {
    case Op::Sum:
    case Op::Mean:
      for (double v : values) acc += v;
      if (op == Op::Sum) return acc;
      if (is_floating(dtype)) return acc / static_cast<double>(values.size());
      return std::trunc(acc / static_cast<double>(values.size()));
    case Op::Prod:
      acc = 1;
      for (double v : values) acc *= v;
      return acc;
    case Op::Max:
    case Op::Min: {
      const bool is_max = op == Op::Max;
      acc = is_max ? -kInf : kInf;
      if (!is_floating(dtype)) acc = is_max ? -1e300 : 1e300;
      for (double v : values) {
        if (std::isnan(v)) return kNaN;
        acc = is_max ? std::max(acc, v) : std::min(acc, v);
      }
      return acc;
    }
    case Op::All:
      for (double v : values)
        if (v == 0) return 0;
      return 1;
    case Op::Any:
      for (double v : values)
        if (v != 0) return 1;
      return 0;
    case Op::LogSumExp: {
      double m = -kInf;
      for (double v : values) m = std::max(m, v);
      if (std::isinf(m)) return m;
      for (double v : values) acc += std::exp(v - m);
      return m + std::log(acc);
    }
  }
  return 0;
}

std::vector<double> reference(Op op, const Tensor& x, std::vector<int> axes) {
  const Shape& shape = x.shape();
  std::vector<bool> reduced(static_cast<std::size_t>(shape.rank()), axes.empty());
  for (int a : axes) reduced[static_cast<std::size_t>(a < 0 ? a + shape.rank() : a)] = true;
  std::int64_t out_count = 1;
  for (int d = 0; d < shape.rank(); ++d)
    if (!reduced[static_cast<std::size_t>(d)]) out_count *= shape[d];
  std::vector<std::vector<double>> groups(static_cast<std::size_t>(out_count));
  const std::vector<double> values = x.to_vector<double>();
  for (std::int64_t i = 0; i < x.num_elements(); ++i)
    groups[output_index(i, shape, reduced)].push_back(values[static_cast<std::size_t>(i)]);
  std::vector<double> out;
  for (auto& g : groups) out.push_back(combine(op, g, x.dtype()));
  return out;
}

Shape expected_shape(const Shape& shape, std::vector<int> axes, bool keepdims) {
  Shape out;
  for (int d = 0; d < shape.rank(); ++d) {
    bool r = axes.empty();
    for (int a : axes) r = r || (a < 0 ? a + shape.rank() : a) == d;
    if (!r) out.push_back(shape[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

using ReduceFn = std::function<Tensor(const Tensor&, const std::vector<int>&, bool)>;

struct ReduceRow {
  const char* name;
  Op op;
  ReduceFn fn;
  std::vector<DType> dtypes;
};

const std::vector<ReduceRow>& reduce_rows() {
  static const std::vector<ReduceRow> rows = {
      {"reduce_sum", Op::Sum, [](auto& x, auto& a, bool k) { return reduce_sum(x, a, k); }, kNumeric},
      {"reduce_prod", Op::Prod, [](auto& x, auto& a, bool k) { return reduce_prod(x, a, k); }, kNumeric},
      {"reduce_max", Op::Max, [](auto& x, auto& a, bool k) { return reduce_max(x, a, k); }, kNumeric},
      {"reduce_min", Op::Min, [](auto& x, auto& a, bool k) { return reduce_min(x, a, k); }, kNumeric},
      {"reduce_mean", Op::Mean, [](auto& x, auto& a, bool k) { return reduce_mean(x, a, k); }, kNumeric},
      {"reduce_all", Op::All, [](auto& x, auto& a, bool k) { return reduce_all(x, a, k); }, {DType::Bool}},
      {"reduce_any", Op::Any, [](auto& x, auto& a, bool k) { return reduce_any(x, a, k); }, {DType::Bool}},
      {"reduce_logsumexp", Op::LogSumExp, [](auto& x, auto& a, bool k) { return reduce_logsumexp(x, a, k); },
       kNumeric},
  };
  return rows;
}

// Inputs small enough that no integer result overflows.
Tensor input_for(Op op, const Shape& shape, DType dtype, unsigned seed) {
  if (op == Op::Prod) return random_tensor(shape, dtype, seed, dtype == DType::UInt8 ? 0 : -2, 2);
  if (dtype == DType::UInt8) return random_tensor(shape, dtype, seed, 0, 9);
  return random_tensor(shape, dtype, seed, -9, 9);
}

DType result_dtype(Op op, DType in) { return op == Op::LogSumExp && !is_floating(in) ? DType::Float32 : in; }

// A transposed (non-contiguous) view holding the same values as `x` permuted.
Tensor transposed_view(const Tensor& x) {
  const Tensor base = x.contiguous();
  Shape shape;
  Strides strides;
  for (int d = x.rank() - 1; d >= 0; --d) {
    shape.push_back(x.shape()[d]);
    strides.push_back(base.strides()[d]);
  }
  return detail::make_view(base, shape, strides, base.storage_offset());
}

// `atol_per_term` scales the absolute tolerance by the number of reduced
// terms, for long float sums whose cancellations leave small results.
void check_reduce(const ReduceRow& row, const Tensor& x, const std::vector<int>& axes, bool keepdims,
                  double atol_per_term = 0) {
  const Tensor got = row.fn(x, axes, keepdims);
  REQUIRE(got.dtype() == result_dtype(row.op, x.dtype()));
  REQUIRE(got.shape() == expected_shape(x.shape(), axes, keepdims));
  const double tol = is_floating(got.dtype()) ? (got.dtype() == DType::Float32 ? 1e-5 : 1e-12) : 0;
  const double terms = static_cast<double>(x.num_elements()) / static_cast<double>(std::max<std::int64_t>(got.num_elements(), 1));
  require_close(got, reference(row.op, x, axes), tol, tol + atol_per_term * terms);
}

}  // namespace

TEST_CASE("reductions match the float64 reference for every dtype and axis set", "[reduce]") {
  const std::vector<std::vector<int>> axis_sets = {{}, {0}, {1}, {2}, {-1}, {0, 1}, {1, 2}, {0, 2}, {2, 0}, {0, 1, 2}};
  for (const auto& row : reduce_rows()) {
    for (DType dtype : row.dtypes) {
      const Shape shape = row.op == Op::Prod ? Shape{2, 3, 2} : Shape{3, 4, 5};
      const Tensor x = input_for(row.op, shape, dtype, 7);
      for (const auto& axes : axis_sets) {
        for (bool keepdims : {false, true}) {
          INFO(row.name << " " << dtype_name(dtype) << " axes size " << axes.size() << " keepdims " << keepdims);
          check_reduce(row, x, axes, keepdims);
        }
      }
    }
  }
}

TEST_CASE("reductions of non-contiguous views, 0-d tensors and size-1 axes", "[reduce]") {
  for (const auto& row : reduce_rows()) {
    for (DType dtype : row.dtypes) {
      INFO(row.name << " " << dtype_name(dtype));
      const Tensor x = input_for(row.op, {2, 3, 2}, dtype, 11);
      const Tensor t = transposed_view(x);
      REQUIRE_FALSE(t.is_contiguous());
      for (const std::vector<int>& axes : {std::vector<int>{}, {0}, {1}, {0, 2}}) check_reduce(row, t, axes, false);
      const Tensor s = input_for(row.op, {}, dtype, 12);
      check_reduce(row, s, {}, false);
      check_reduce(row, s, {}, true);
      // A 0-d tensor accepts axis 0 or -1, once.
      for (int axis : {0, -1}) {
        const Tensor r = row.fn(s, {axis}, false);
        REQUIRE(r.shape() == Shape{});
        const double tol = eager::test::rtol_for(r.dtype());
        require_close(r, reference(row.op, s, {}), tol, tol);
      }
      REQUIRE_THROWS_AS(row.fn(s, {0, -1}, false), InvalidArgument);
      REQUIRE_THROWS_AS(row.fn(s, {1}, false), OutOfRange);
      const Tensor ones = input_for(row.op, {1, 4, 1, 3}, dtype, 13);
      for (const std::vector<int>& axes : {std::vector<int>{0, 1}, {1, 3}, {0, 2}, {1, 2, 3}})
        check_reduce(row, ones, axes, true);
    }
  }
}

TEST_CASE("reductions of large inputs take the parallel paths and stay accurate", "[reduce]") {
  const ReduceRow& sum = reduce_rows()[0];
  const ReduceRow& max = reduce_rows()[2];
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int32}) {
    INFO(dtype_name(dtype));
    const double per_term = dtype == DType::Float32 ? 1e-6 : dtype == DType::Float64 ? 1e-14 : 0;
    const Tensor long_row = random_tensor({(1 << 18) + 7}, dtype, 3);
    check_reduce(sum, long_row, {}, false, per_term);
    check_reduce(max, long_row, {}, false);
    const Tensor wide = random_tensor({3, 70001}, dtype, 4);
    check_reduce(sum, wide, {1}, false, per_term);
    check_reduce(max, wide, {1}, false);
    const Tensor tall = random_tensor({5000, 1100}, dtype, 5);
    check_reduce(sum, tall, {0}, false, per_term);
    check_reduce(max, tall, {0}, false);
    check_reduce(sum, tall, {1}, false, per_term);
    const Tensor narrow = random_tensor({40000, 3}, dtype, 6);
    check_reduce(sum, narrow, {0}, false, per_term);
  }
  // Summing 4M copies of 0.1f one after the other in float32 drifts by
  // percents; pairwise summation keeps float32's own precision.
  const std::int64_t n = std::int64_t{1} << 22;
  const Tensor tenths = fill({n}, 0.1f);
  const double expected = static_cast<double>(0.1f) * static_cast<double>(n);
  REQUIRE(std::abs(reduce_sum(tenths).item<double>() - expected) <= 1e-5 * expected);
  const Tensor columns = fill({n / 4, 4}, 0.1f);
  require_close(reduce_sum(columns, {0}), std::vector<double>(4, expected / 4), 1e-5);
}

TEST_CASE("reductions of empty axes give the identity", "[reduce]") {
  const Tensor f = zeros({0, 3}, DType::Float32);
  require_close(reduce_sum(f, {0}), std::vector<double>{0, 0, 0});
  require_close(reduce_prod(f, {0}), std::vector<double>{1, 1, 1});
  require_close(reduce_max(f, {0}), std::vector<double>{-kInf, -kInf, -kInf});
  require_close(reduce_min(f, {0}), std::vector<double>{kInf, kInf, kInf});
  require_close(reduce_mean(f, {0}), std::vector<double>{kNaN, kNaN, kNaN});
  require_close(reduce_logsumexp(f, {0}), std::vector<double>{-kInf, -kInf, -kInf});
  require_close(reduce_sum(f), std::vector<double>{0});
  REQUIRE(reduce_sum(f, {1}).shape() == Shape{0});
  REQUIRE(reduce_sum(f, {1}, true).shape() == (Shape{0, 1}));
  const Tensor i = zeros({2, 0}, DType::Int32);
  require_close(reduce_max(i, {1}), std::vector<double>{double(std::numeric_limits<std::int32_t>::lowest()),
                                     double(std::numeric_limits<std::int32_t>::lowest())});
  require_close(reduce_min(i, {1}), std::vector<double>{double(std::numeric_limits<std::int32_t>::max()),
                                     double(std::numeric_limits<std::int32_t>::max())});
  require_close(reduce_prod(i, {1}), std::vector<double>{1, 1});
  const Tensor b = zeros({0}, DType::Bool);
  REQUIRE(reduce_all(b).item<bool>());
  REQUIRE_FALSE(reduce_any(b).item<bool>());
  REQUIRE_THROWS_AS(reduce_mean(i, {1}), InvalidArgument);
  REQUIRE(reduce_mean(i, {0}).shape() == Shape{0});
}

TEST_CASE("reduce_max and reduce_min propagate NaN on every path", "[reduce]") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor x = constant(std::vector<double>{1, kNaN, 3, 4, 5, -kInf}, {2, 3}, dtype);
    require_close(reduce_max(x, {1}), std::vector<double>{kNaN, 5});
    require_close(reduce_min(x, {0}), std::vector<double>{1, kNaN, -kInf});
    require_close(reduce_max(x), std::vector<double>{kNaN});
    std::vector<double> big(300000, 1.0);
    big[123457] = kNaN;
    const Tensor y = constant(big, {300000}, dtype);
    REQUIRE(std::isnan(reduce_max(y).item<double>()));
    REQUIRE(std::isnan(reduce_min(y).item<double>()));
    REQUIRE(std::isnan(reduce_sum(y).item<double>()));
  }
}

TEST_CASE("integer reductions follow TensorFlow's arithmetic", "[reduce]") {
  // Sums wrap in the input dtype.
  REQUIRE(reduce_sum(constant(std::vector<int>{200, 100}, {2}, DType::UInt8)).item<int>() == 44);
  REQUIRE(reduce_sum(constant(std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::max(), 1}, {2}))
              .item<std::int64_t>() == std::numeric_limits<std::int32_t>::min());
  // Means truncate toward zero and do not overflow small dtypes.
  REQUIRE(reduce_mean(constant(std::vector<std::int32_t>{-7, 0}, {2})).item<int>() == -3);
  REQUIRE(reduce_mean(constant(std::vector<std::int32_t>{7, 0}, {2})).item<int>() == 3);
  const Tensor bytes = constant(std::vector<int>{255, 255, 254}, {3}, DType::UInt8);
  REQUIRE(reduce_mean(bytes).dtype() == DType::UInt8);
  REQUIRE(reduce_mean(bytes).item<int>() == 254);
}

TEST_CASE("reduce_logsumexp is stable", "[reduce]") {
  const Tensor x = constant(std::vector<double>{1000, 1000, -1000, -1000, -kInf, -kInf, 1, kInf}, {4, 2});
  require_close(reduce_logsumexp(x, {1}), std::vector<double>{1000 + std::log(2.0), -1000 + std::log(2.0), -kInf, kInf}, 1e-6);
  const Tensor ints = constant(std::vector<std::int32_t>{0, 0}, {2});
  REQUIRE(reduce_logsumexp(ints).dtype() == DType::Float32);
  require_close(reduce_logsumexp(ints), std::vector<double>{std::log(2.0)}, 1e-6);
  require_close(reduce_logsumexp(constant(std::vector<double>{1, kNaN}, {2})), std::vector<double>{kNaN});
}

TEST_CASE("reductions refuse bad dtypes and axes", "[reduce]") {
  const Tensor b = zeros({2, 3}, DType::Bool);
  const Tensor f = zeros({2, 3}, DType::Float32);
  for (const auto& row : reduce_rows()) {
    INFO(row.name);
    const bool bool_only = row.op == Op::All || row.op == Op::Any;
    REQUIRE_THROWS_AS(row.fn(bool_only ? f : b, {}, false), InvalidArgument);
    const Tensor& ok = bool_only ? b : f;
    REQUIRE_THROWS_AS(row.fn(ok, {2}, false), OutOfRange);
    REQUIRE_THROWS_AS(row.fn(ok, {-3}, false), OutOfRange);
    REQUIRE_THROWS_AS(row.fn(ok, {1, -1}, false), InvalidArgument);
    REQUIRE_THROWS_AS(row.fn(Tensor(), {}, false), InvalidArgument);
  }
}

// ---- argmax / argmin --------------------------------------------------------

namespace {

std::vector<double> arg_reference(const Tensor& x, int axis, bool is_max) {
  const Shape& shape = x.shape();
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= shape[d];
  for (int d = axis + 1; d < shape.rank(); ++d) inner *= shape[d];
  const std::int64_t n = shape[axis];
  const std::vector<double> v = x.to_vector<double>();
  std::vector<double> out;
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      std::int64_t best = 0;
      for (std::int64_t r = 0; r < n; ++r) {
        const double cur = v[static_cast<std::size_t>((o * n + r) * inner + i)];
        const double b = v[static_cast<std::size_t>((o * n + best) * inner + i)];
        if (std::isnan(b)) break;
        if (std::isnan(cur) || (is_max ? cur > b : cur < b)) best = r;
      }
      out.push_back(static_cast<double>(best));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("argmax and argmin match the reference for every dtype and axis", "[reduce]") {
  std::vector<DType> dtypes = kNumeric;
  dtypes.push_back(DType::Bool);
  for (DType dtype : dtypes) {
    // A narrow value range makes ties common, which checks "first index wins".
    const Tensor x = random_tensor({4, 5, 6}, dtype, 21, 0, 3);
    for (int axis : {0, 1, 2, -1}) {
      for (bool is_max : {true, false}) {
        INFO(dtype_name(dtype) << " axis " << axis << (is_max ? " argmax" : " argmin"));
        const Tensor got = is_max ? argmax(x, axis) : argmin(x, axis);
        REQUIRE(got.dtype() == DType::Int64);
        REQUIRE(got.shape() == expected_shape(x.shape(), {axis}, false));
        require_close(got, arg_reference(x, axis < 0 ? axis + 3 : axis, is_max), 0, 0);
        const Tensor t = transposed_view(x);
        const Tensor got_t = is_max ? argmax(t, axis, DType::Int32) : argmin(t, axis, DType::Int32);
        REQUIRE(got_t.dtype() == DType::Int32);
        require_close(got_t, arg_reference(t, axis < 0 ? axis + 3 : axis, is_max), 0, 0);
      }
    }
  }
  const Tensor big = random_tensor({3, 100003}, DType::Float32, 22);
  require_close(argmax(big, 1), arg_reference(big, 1, true), 0, 0);
  require_close(argmin(big, 0), arg_reference(big, 0, false), 0, 0);
}

TEST_CASE("argmax and argmin: ties, NaN, empty and bad arguments", "[reduce]") {
  const Tensor x = constant(std::vector<double>{1, 3, 3, kNaN, 0, kNaN, 0, 0}, {2, 4});
  require_close(argmax(x, 1), std::vector<double>{3, 1});
  require_close(argmin(x, 1), std::vector<double>{3, 1});
  require_close(argmax(constant(std::vector<double>{2, 5, 5, 1}, {4})), std::vector<double>{1});
  require_close(argmin(constant(std::vector<double>{2, 1, 5, 1}, {4})), std::vector<double>{1});
  require_close(argmax(x, 0), std::vector<double>{0, 1, 0, 0});
  REQUIRE(argmax(zeros({0, 3}), 1).shape() == Shape{0});
  REQUIRE_THROWS_AS(argmax(zeros({2, 0}), 1), InvalidArgument);
  REQUIRE_THROWS_AS(argmin(zeros({0}), 0), InvalidArgument);
  REQUIRE_THROWS_AS(argmax(x, 2), OutOfRange);
  REQUIRE_THROWS_AS(argmin(x, -3), OutOfRange);
  REQUIRE_THROWS_AS(argmax(scalar(1.0), 0), OutOfRange);
  REQUIRE_THROWS_AS(argmax(x, 0, DType::Float32), InvalidArgument);
  REQUIRE_THROWS_AS(argmin(x, 0, DType::UInt8), InvalidArgument);
}

// ---- cumsum ----------------------------------------------------------------

namespace {

std::vector<double> cumsum_reference(const Tensor& x, int axis, bool exclusive, bool reverse) {
  const Shape& shape = x.shape();
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= shape[d];
  for (int d = axis + 1; d < shape.rank(); ++d) inner *= shape[d];
  const std::int64_t n = shape[axis];
  const std::vector<double> v = x.to_vector<double>();
  std::vector<double> out(v.size());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      double acc = 0;
      for (std::int64_t k = 0; k < n; ++k) {
        const std::int64_t r = reverse ? n - 1 - k : k;
        const auto at = static_cast<std::size_t>((o * n + r) * inner + i);
        if (exclusive) {
          out[at] = acc;
          acc += v[at];
        } else {
          acc += v[at];
          out[at] = acc;
        }
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("cumsum matches the reference for every dtype, axis and flag", "[reduce]") {
  for (DType dtype : kNumeric) {
    const Tensor x = random_tensor({3, 4, 5}, dtype, 31, 0, dtype == DType::UInt8 ? 4 : 9);
    for (int axis : {0, 1, 2, -1}) {
      for (bool exclusive : {false, true}) {
        for (bool reverse : {false, true}) {
          INFO(dtype_name(dtype) << " axis " << axis << " exclusive " << exclusive << " reverse " << reverse);
          const Tensor got = cumsum(x, axis, exclusive, reverse);
          REQUIRE(got.dtype() == dtype);
          REQUIRE(got.shape() == x.shape());
          const double tol = eager::test::rtol_for(dtype);
          require_close(got, cumsum_reference(x, axis < 0 ? axis + 3 : axis, exclusive, reverse), tol, tol);
          const Tensor t = transposed_view(x);
          require_close(cumsum(t, axis, exclusive, reverse),
                        cumsum_reference(t, axis < 0 ? axis + 3 : axis, exclusive, reverse), tol, tol);
        }
      }
    }
  }
  const Tensor big = random_tensor({2000, 1500}, DType::Float64, 32);
  require_close(cumsum(big, 0), cumsum_reference(big, 0, false, false), 1e-12, 1e-9);
  require_close(cumsum(big, 1, true, true), cumsum_reference(big, 1, true, true), 1e-12, 1e-9);
}

TEST_CASE("cumsum: 0-d, empty and bad arguments", "[reduce]") {
  REQUIRE(cumsum(zeros({0, 3}), 0).shape() == (Shape{0, 3}));
  REQUIRE(cumsum(zeros({3, 0}), 0).shape() == (Shape{3, 0}));
  REQUIRE_THROWS_AS(cumsum(scalar(1.0), 0), OutOfRange);
  REQUIRE_THROWS_AS(cumsum(zeros({2, 3}), 2), OutOfRange);
  REQUIRE_THROWS_AS(cumsum(zeros({2, 3}, DType::Bool), 0), InvalidArgument);
  REQUIRE_THROWS_AS(cumsum(Tensor(), 0), InvalidArgument);
}
