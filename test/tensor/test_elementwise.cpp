// The elementwise rows of the op catalog: every unary and binary primitive,
// every dtype it supports, shapes with broadcasting, 0-d, empty and
// non-contiguous inputs, against a float64 reference.
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "test_util.hpp"

using namespace eager;
using eager::test::random_tensor;
using eager::test::require_close;

namespace {

const std::vector<DType> kNumeric = {DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64};
const std::vector<DType> kAll = {DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64};
const std::vector<DType> kBoolOnly = {DType::Bool};

// The float64 reference value as the op's output dtype would hold it:
// integers wrap modulo 2^bits, float32 rounds.
double as_dtype(double v, DType dtype) {
  switch (dtype) {
    case DType::Bool: return v != 0;
    case DType::UInt8: return static_cast<double>(static_cast<std::uint8_t>(static_cast<std::int64_t>(v)));
    case DType::Int32: return static_cast<double>(static_cast<std::int32_t>(static_cast<std::int64_t>(v)));
    case DType::Int64: return v;
    case DType::Float32: return static_cast<double>(static_cast<float>(v));
    case DType::Float64: return v;
  }
  return v;
}

struct UnaryRow {
  const char* name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> reference;
  std::vector<DType> dtypes;
  double lo = -3, hi = 3;
  bool float_only = false;  // integer inputs compute in float32
};

double round_half_even(double x) { return std::nearbyint(x); }

const std::vector<UnaryRow>& unary_rows() {
  static const std::vector<UnaryRow> rows = {
      {"negative", [](auto& x) { return negative(x); }, [](double x) { return -x; }, kNumeric},
      {"abs", [](auto& x) { return abs(x); }, [](double x) { return std::abs(x); }, kNumeric},
      {"sign", [](auto& x) { return sign(x); }, [](double x) { return double((0 < x) - (x < 0)); }, kNumeric},
      {"square", [](auto& x) { return square(x); }, [](double x) { return x * x; }, kNumeric},
      {"floor", [](auto& x) { return floor(x); }, [](double x) { return std::floor(x); }, kNumeric},
      {"ceil", [](auto& x) { return ceil(x); }, [](double x) { return std::ceil(x); }, kNumeric},
      {"round", [](auto& x) { return round(x); }, round_half_even, kNumeric},
      {"relu", [](auto& x) { return relu(x); }, [](double x) { return x < 0 ? 0 : x; }, kNumeric},
      {"relu6", [](auto& x) { return relu6(x); }, [](double x) { return std::min(std::max(x, 0.0), 6.0); }, kNumeric,
       -8, 8},
      {"exp", [](auto& x) { return exp(x); }, [](double x) { return std::exp(x); }, kNumeric, -3, 3, true},
      {"log", [](auto& x) { return log(x); }, [](double x) { return std::log(x); }, kNumeric, 0.1, 9, true},
      {"log1p", [](auto& x) { return log1p(x); }, [](double x) { return std::log1p(x); }, kNumeric, 0, 9, true},
      {"expm1", [](auto& x) { return expm1(x); }, [](double x) { return std::expm1(x); }, kNumeric, -3, 3, true},
      {"sqrt", [](auto& x) { return sqrt(x); }, [](double x) { return std::sqrt(x); }, kNumeric, 0, 9, true},
      {"rsqrt", [](auto& x) { return rsqrt(x); }, [](double x) { return 1 / std::sqrt(x); }, kNumeric, 1, 9, true},
      {"sin", [](auto& x) { return sin(x); }, [](double x) { return std::sin(x); }, kNumeric, -3, 3, true},
      {"cos", [](auto& x) { return cos(x); }, [](double x) { return std::cos(x); }, kNumeric, -3, 3, true},
      {"tanh", [](auto& x) { return tanh(x); }, [](double x) { return std::tanh(x); }, kNumeric, -3, 3, true},
      {"sigmoid", [](auto& x) { return sigmoid(x); }, [](double x) { return 1 / (1 + std::exp(-x)); }, kNumeric, -3,
       3, true},
      {"reciprocal", [](auto& x) { return reciprocal(x); }, [](double x) { return 1 / x; }, kNumeric, 1, 9, true},
      {"elu", [](auto& x) { return elu(x); }, [](double x) { return x > 0 ? x : std::expm1(x); }, kNumeric, -3, 3,
       true},
      {"softplus", [](auto& x) { return softplus(x); }, [](double x) { return std::log1p(std::exp(x)); }, kNumeric, -3,
       3, true},
      {"leaky_relu", [](auto& x) { return leaky_relu(x, 0.3); }, [](double x) { return x > 0 ? x : 0.3 * x; },
       kNumeric, -3, 3, true},
      {"logical_not", [](auto& x) { return logical_not(x); }, [](double x) { return x == 0 ? 1.0 : 0.0; }, kBoolOnly},
  };
  return rows;
}

const std::vector<Shape> kUnaryShapes = {Shape{}, Shape{0}, Shape{7}, Shape{3, 4}, Shape{2, 3, 5}, Shape{3, 0, 2}};

void check_unary(const UnaryRow& row, const Tensor& x) {
  const DType out_dtype = row.float_only && !is_floating(x.dtype()) ? DType::Float32 : x.dtype();
  const Tensor y = row.op(x);
  REQUIRE(y.dtype() == out_dtype);
  REQUIRE(y.shape() == x.shape());
  std::vector<double> expected;
  // Integer inputs of float-only ops are converted to float32 first.
  for (double v : x.to_vector<double>()) expected.push_back(as_dtype(row.reference(as_dtype(v, out_dtype)), out_dtype));
  require_close(y, expected, eager::test::rtol_for(out_dtype), out_dtype == DType::Float32 ? 1e-6 : 1e-12);
}

}  // namespace

TEST_CASE("unary catalog: every op, dtype and shape against float64", "[elementwise][catalog]") {
  unsigned seed = 1;
  for (const auto& row : unary_rows()) {
    for (DType dtype : row.dtypes) {
      for (const Shape& shape : kUnaryShapes) {
        INFO(row.name << " " << dtype_name(dtype) << " " << shape.to_string());
        const double lo = dtype == DType::UInt8 ? std::max(row.lo, 0.0) : row.lo;
        check_unary(row, random_tensor(shape, dtype, seed++, lo, row.hi));
      }
      INFO(row.name << " " << dtype_name(dtype) << " transposed view");
      const Tensor base = random_tensor(Shape{4, 6}, dtype, seed++, dtype == DType::UInt8 ? std::max(row.lo, 0.0) : row.lo, row.hi);
      const Tensor view = transpose(base);
      REQUIRE_FALSE(view.is_contiguous());
      check_unary(row, view);
    }
  }
}

TEST_CASE("unary ops refuse dtypes they do not support", "[elementwise][errors]") {
  const Tensor b = constant({true, false});
  const Tensor f = constant({1.5f, -2.f});
  REQUIRE_THROWS_AS(negative(b), InvalidArgument);
  REQUIRE_THROWS_AS(abs(b), InvalidArgument);
  REQUIRE_THROWS_AS(logical_not(f), InvalidArgument);
  REQUIRE_THROWS_AS(exp(Tensor()), InvalidArgument);
  try {
    negative(b);
  } catch (const InvalidArgument& e) {
    REQUIRE(std::string(e.what()).find("negative") != std::string::npos);
  }
}

TEST_CASE("round is half to even and sigmoid/softplus do not overflow", "[elementwise]") {
  require_close(round(constant({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.6f})), {0, 2, 2, -0, -2, 3});
  require_close(sigmoid(constant({-1e4f, 1e4f, 0.f})), {0, 1, 0.5});
  require_close(softplus(constant({-1e4, 1e4, 0.0})), {0, 1e4, std::log(2.0)}, 1e-12, 1e-300);
  require_close(sign(constant({std::nan(""), -0.0, 3.0})), {std::nan(""), 0, 1});
  require_close(negative(constant(std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::min()}, Shape{1})),
                {double(std::numeric_limits<std::int32_t>::min())});
}

// ---- binary -----------------------------------------------------------------

namespace {

struct BinaryRow {
  const char* name;
  std::function<Tensor(const Tensor&, const Tensor&)> op;
  std::function<double(double, double)> reference;
  std::vector<DType> dtypes;
  enum class Out { Same, Bool, TrueDivide } out = Out::Same;
  enum class Operand { Any, NonZero, SmallNonNegative } b_kind = Operand::Any;
};

double floor_mod(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

const std::vector<BinaryRow>& binary_rows() {
  using Out = BinaryRow::Out;
  using Operand = BinaryRow::Operand;
  static const std::vector<BinaryRow> rows = {
      {"add", [](auto& a, auto& b) { return a + b; }, std::plus<double>(), kNumeric},
      {"subtract", [](auto& a, auto& b) { return a - b; }, std::minus<double>(), kNumeric},
      {"multiply", [](auto& a, auto& b) { return a * b; }, std::multiplies<double>(), kNumeric},
      {"divide", [](auto& a, auto& b) { return a / b; }, std::divides<double>(), kNumeric, Out::TrueDivide,
       Operand::NonZero},
      {"floordiv", [](auto& a, auto& b) { return floordiv(a, b); },
       [](double a, double b) { return std::floor(a / b); }, kNumeric, Out::Same, Operand::NonZero},
      {"mod", [](auto& a, auto& b) { return a % b; }, floor_mod, kNumeric, Out::Same, Operand::NonZero},
      {"pow", [](auto& a, auto& b) { return pow(a, b); }, [](double a, double b) { return std::pow(a, b); }, kNumeric,
       Out::Same, Operand::SmallNonNegative},
      {"maximum", [](auto& a, auto& b) { return maximum(a, b); }, [](double a, double b) { return std::max(a, b); },
       kNumeric},
      {"minimum", [](auto& a, auto& b) { return minimum(a, b); }, [](double a, double b) { return std::min(a, b); },
       kNumeric},
      {"squared_difference", [](auto& a, auto& b) { return squared_difference(a, b); },
       [](double a, double b) { return (a - b) * (a - b); }, kNumeric},
      {"equal", [](auto& a, auto& b) { return a == b; }, [](double a, double b) { return double(a == b); }, kAll,
       Out::Bool},
      {"not_equal", [](auto& a, auto& b) { return a != b; }, [](double a, double b) { return double(a != b); }, kAll,
       Out::Bool},
      {"less", [](auto& a, auto& b) { return a < b; }, [](double a, double b) { return double(a < b); }, kAll,
       Out::Bool},
      {"less_equal", [](auto& a, auto& b) { return a <= b; }, [](double a, double b) { return double(a <= b); }, kAll,
       Out::Bool},
      {"greater", [](auto& a, auto& b) { return a > b; }, [](double a, double b) { return double(a > b); }, kAll,
       Out::Bool},
      {"greater_equal", [](auto& a, auto& b) { return a >= b; }, [](double a, double b) { return double(a >= b); },
       kAll, Out::Bool},
      {"logical_and", [](auto& a, auto& b) { return a && b; }, [](double a, double b) { return double(a && b); },
       kBoolOnly, Out::Bool},
      {"logical_or", [](auto& a, auto& b) { return a || b; }, [](double a, double b) { return double(a || b); },
       kBoolOnly, Out::Bool},
      {"logical_xor", [](auto& a, auto& b) { return logical_xor(a, b); },
       [](double a, double b) { return double((a != 0) != (b != 0)); }, kBoolOnly, Out::Bool},
  };
  return rows;
}

const std::vector<std::pair<Shape, Shape>> kBinaryShapes = {
    {Shape{}, Shape{}},        {Shape{5}, Shape{5}},          {Shape{3, 4}, Shape{3, 4}}, {Shape{3, 4}, Shape{4}},
    {Shape{3, 1}, Shape{1, 4}}, {Shape{2, 1, 5}, Shape{3, 1}}, {Shape{}, Shape{2, 3}},    {Shape{2, 3}, Shape{}},
    {Shape{0, 3}, Shape{3}},   {Shape{4, 1}, Shape{4, 0}},
};

Shape detail_broadcast_shape_for_test(const Shape& a, const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  std::vector<std::int64_t> out(static_cast<std::size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    const int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
    const std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    out[static_cast<std::size_t>(i)] = da == 1 ? db : da;
  }
  return Shape(out);
}

Tensor make_operand(const Shape& shape, DType dtype, unsigned seed, BinaryRow::Operand kind) {
  const bool is_unsigned = dtype == DType::UInt8;
  if (kind == BinaryRow::Operand::SmallNonNegative) return random_tensor(shape, dtype, seed, 0, 4);
  Tensor t = random_tensor(shape, dtype, seed, is_unsigned ? 0 : -4, 5);
  // Divisors: replace zeros by 1 (a float divisor can still be tiny, which
  // the reference handles the same way).
  if (kind == BinaryRow::Operand::NonZero) t = where(t == 0, ones_like(t), t);
  return t;
}

DType binary_out_dtype(const BinaryRow& row, DType in) {
  if (row.out == BinaryRow::Out::Bool) return DType::Bool;
  if (row.out == BinaryRow::Out::TrueDivide && !is_floating(in))
    return in == DType::UInt8 ? DType::Float32 : DType::Float64;
  return in;
}

void check_binary(const BinaryRow& row, const Tensor& a, const Tensor& b) {
  const Tensor y = row.op(a, b);
  const DType out_dtype = binary_out_dtype(row, a.dtype());
  REQUIRE(y.dtype() == out_dtype);
  const Tensor ab = broadcast_to(a, y.shape()), bb = broadcast_to(b, y.shape());
  const auto av = ab.to_vector<double>(), bv = bb.to_vector<double>();
  std::vector<double> expected(av.size());
  for (std::size_t i = 0; i < av.size(); ++i) expected[i] = as_dtype(row.reference(av[i], bv[i]), out_dtype);
  require_close(y, expected, eager::test::rtol_for(out_dtype), out_dtype == DType::Float32 ? 1e-6 : 1e-12);
}

}  // namespace

TEST_CASE("binary catalog: every op, dtype and broadcast shape against float64", "[elementwise][catalog]") {
  unsigned seed = 1000;
  for (const auto& row : binary_rows()) {
    for (DType dtype : row.dtypes) {
      for (const auto& [sa, sb] : kBinaryShapes) {
        INFO(row.name << " " << dtype_name(dtype) << " " << sa.to_string() << " with " << sb.to_string());
        const Tensor a = make_operand(sa, dtype, seed++, BinaryRow::Operand::Any);
        const Tensor b = make_operand(sb, dtype, seed++, row.b_kind);
        const Tensor y = row.op(a, b);
        REQUIRE(y.shape() == detail_broadcast_shape_for_test(sa, sb));
        check_binary(row, a, b);
      }
      INFO(row.name << " " << dtype_name(dtype) << " non-contiguous operands");
      const Tensor a = transpose(make_operand(Shape{5, 3}, dtype, seed++, BinaryRow::Operand::Any));
      const Tensor b = make_operand(Shape{3, 5}, dtype, seed++, row.b_kind);
      check_binary(row, a, b);
      const Tensor sliced = slice(make_operand(Shape{4, 9}, dtype, seed++, BinaryRow::Operand::Any), {1, 2}, {3, 5});
      check_binary(row, sliced, transpose(make_operand(Shape{5, 1}, dtype, seed++, row.b_kind)));
    }
  }
}

TEST_CASE("large tensors split across threads give the same values", "[elementwise]") {
  // 3 * 2^15 + 7 elements: several parallel chunks and a ragged end, with a
  // broadcast row so runs restart inside chunks.
  const Tensor a = random_tensor(Shape{3 * 1024 + 1, 37}, DType::Float32, 7);
  const Tensor b = random_tensor(Shape{37}, DType::Float32, 8);
  const Tensor y = a * b + exp(a);
  const auto av = a.to_vector<double>(), bv = b.to_vector<double>();
  std::vector<double> expected(av.size());
  for (std::size_t i = 0; i < av.size(); ++i) {
    const float prod = static_cast<float>(av[i]) * static_cast<float>(bv[i % 37]);
    expected[i] = static_cast<double>(prod + static_cast<float>(std::exp(av[i])));
  }
  require_close(y, expected, 1e-5, 1e-5);
}

TEST_CASE("outputs larger than the cache are written with streaming stores correctly", "[elementwise]") {
  // An odd length puts the second thread's chunk at an unaligned address.
  const std::int64_t n = 600001;
  const Tensor a = random_tensor(Shape{n}, DType::Float32, 21);
  const Tensor b = random_tensor(Shape{n}, DType::Float32, 22);
  const auto av = a.to_vector<float>(), bv = b.to_vector<float>();
  const Tensor sum = a + b, scaled = a * 2.f, root = sqrt(abs(b));
  const auto sv = sum.to_vector<float>(), cv = scaled.to_vector<float>(), rv = root.to_vector<float>();
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < av.size(); ++i)
    mismatches += sv[i] != av[i] + bv[i] || cv[i] != av[i] * 2.f || rv[i] != std::sqrt(std::abs(bv[i]));
  REQUIRE(mismatches == 0);
}

TEST_CASE("views with negative strides read the right elements", "[elementwise]") {
  const Tensor x = cast(range(0, 32), DType::Float32);
  const Tensor reversed = strided_slice(x, {-1}, {0}, {-1}, 0, 1);
  REQUIRE(reversed.strides()[0] == -1);
  const Tensor every_other = strided_slice(x, {-1}, {0}, {-2}, 0, 1);
  for (const Tensor& view : {reversed, every_other}) {
    const Tensor dense = view.clone();
    REQUIRE(all_equal(view + 1.f, dense + 1.f));
    REQUIRE(all_equal(view * view, dense * dense));
    REQUIRE(all_equal(ones_like(view) - view, ones_like(dense) - dense));
    // Strided runs use scalar exp, contiguous ones the vector exp: equal to an ulp.
    require_close(exp(view), exp(dense), 1e-6, 0);
  }
}

TEST_CASE("type promotion follows one table", "[elementwise][dtype]") {
  const Tensor i32 = constant({1, 2});
  const Tensor i64 = constant({1L, 2L});
  const Tensor u8 = constant(std::vector<std::uint8_t>{1, 2}, Shape{2});
  const Tensor f32 = constant({1.f, 2.f});
  const Tensor f64 = constant({1.0, 2.0});
  const Tensor b = constant({true, false});
  REQUIRE((i32 + f32).dtype() == DType::Float32);
  REQUIRE((u8 + i32).dtype() == DType::Int32);
  REQUIRE((i32 + i64).dtype() == DType::Int64);
  REQUIRE((f32 + f64).dtype() == DType::Float64);
  REQUIRE((b * f32).dtype() == DType::Float32);
  REQUIRE((i32 / i32).dtype() == DType::Float64);
  REQUIRE((u8 / u8).dtype() == DType::Float32);
  REQUIRE((f32 / f32).dtype() == DType::Float32);
  require_close(i32 / constant({4, 4}), {0.25, 0.5});
  REQUIRE((i32 < f64).dtype() == DType::Bool);
}

TEST_CASE("scalars are weakly typed", "[elementwise][dtype]") {
  const Tensor i32 = constant({36, 25});
  REQUIRE((i32 * 2).dtype() == DType::Int32);
  REQUIRE((2 * i32).dtype() == DType::Int32);
  REQUIRE((i32 * 0.5).dtype() == DType::Float32);
  REQUIRE((constant({1.f}) * 2.5).dtype() == DType::Float32);
  REQUIRE((constant({1.0}) + 1).dtype() == DType::Float64);
  REQUIRE((constant(std::vector<std::uint8_t>{200}, Shape{1}) + 100).dtype() == DType::UInt8);
  REQUIRE((constant(std::vector<std::uint8_t>{200}, Shape{1}) + 100).item<int>() == 44);  // wraps, as in TF
  // A scalar that does not fit the tensor's dtype is refused, not wrapped.
  REQUIRE_THROWS_AS(constant(std::vector<std::uint8_t>{1}, Shape{1}) + 300, InvalidArgument);
  REQUIRE_THROWS_AS(constant({1, 2}) + (1LL << 40), InvalidArgument);
  REQUIRE_THROWS_AS(-1 - constant(std::vector<std::uint8_t>{1}, Shape{1}), InvalidArgument);
  REQUIRE((constant({1L}) + (1LL << 40)).item<std::int64_t>() == (1LL << 40) + 1);
  require_close(10 - constant({1, 2}), {9, 8});
  require_close(1.0 / constant({2.f, 4.f}), {0.5, 0.25});
}

TEST_CASE("binary ops report bad shapes, dtypes and integer domain errors", "[elementwise][errors]") {
  const Tensor a = zeros(Shape{2, 3});
  const Tensor b = zeros(Shape{4});
  try {
    (void)(a + b);
    FAIL("expected InvalidArgument");
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    REQUIRE(what.find("add") != std::string::npos);
    REQUIRE(what.find("(2, 3)") != std::string::npos);
    REQUIRE(what.find("(4,)") != std::string::npos);
  }
  const Tensor t = constant({true});
  REQUIRE_THROWS_AS(t + t, InvalidArgument);
  REQUIRE_THROWS_AS(logical_and(t, constant({1})), InvalidArgument);
  REQUIRE_THROWS_AS(floordiv(constant({1, 2}), constant({1, 0})), InvalidArgument);
  REQUIRE_THROWS_AS(constant({1, 2}) % 0, InvalidArgument);
  REQUIRE_THROWS_AS(pow(constant({2, 2}), constant({1, -1})), InvalidArgument);
  REQUIRE_THROWS_AS(Tensor() + a, InvalidArgument);
  REQUIRE_THROWS_AS(a + Tensor(), InvalidArgument);
  REQUIRE_THROWS_AS(Tensor() * 2, InvalidArgument);
  // Float division by zero is IEEE, not an error.
  require_close(constant({1.f, -1.f, 0.f}) / 0.f, {INFINITY, -INFINITY, std::nan("")});
  REQUIRE(floordiv(constant({-7}), constant({2})).item<int>() == -4);
  REQUIRE(mod(constant({-7}), constant({2})).item<int>() == 1);
  REQUIRE(mod(constant({7}), constant({-2})).item<int>() == -1);
  require_close(mod(constant({-7.5}), constant({2.0})), {0.5});
  REQUIRE(floordiv(constant(std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::min()}, Shape{1}), -1)
              .item<std::int32_t>() == std::numeric_limits<std::int32_t>::min());
}

TEST_CASE("maximum and minimum propagate NaN", "[elementwise]") {
  const Tensor a = constant({std::nan(""), 1.0, 2.0});
  const Tensor b = constant({0.0, std::nan(""), 3.0});
  require_close(maximum(a, b), {std::nan(""), std::nan(""), 3});
  require_close(minimum(a, b), {std::nan(""), std::nan(""), 2});
}

TEST_CASE("where selects with broadcasting and promotion", "[elementwise][where]") {
  const Tensor cond = constant({true, false, true});
  require_close(where(cond, constant({1, 2, 3}), constant({10.f, 20.f, 30.f})), {1, 20, 3});
  REQUIRE(where(cond, constant({1, 2, 3}), constant({10.f, 20.f, 30.f})).dtype() == DType::Float32);
  const Tensor grid = where(constant({{true}, {false}}), constant({1, 2, 3}), constant({-1}));
  REQUIRE(grid.shape() == Shape{2, 3});
  require_close(grid, {1, 2, 3, -1, -1, -1});
  require_close(where(cond, 1, 0.5), {1, 0.5, 1});
  REQUIRE_THROWS_AS(where(constant({1, 0}), constant({1, 2}), constant({3, 4})), InvalidArgument);
  REQUIRE_THROWS_AS(where(cond, constant({1, 2}), constant({3, 4})), InvalidArgument);
}

TEST_CASE("cast converts every dtype pair", "[elementwise][cast]") {
  const std::vector<double> values = {0, 1, -1.5, 2.7, 100, -100, 250};
  const Tensor src64 = constant(values, Shape{7});
  for (DType from : kAll) {
    const Tensor src = cast(src64, from);
    for (DType to : kAll) {
      INFO(dtype_name(from) << " -> " << dtype_name(to));
      const Tensor y = cast(src, to);
      REQUIRE(y.dtype() == to);
      std::vector<double> expected;
      for (double v : src.to_vector<double>()) {
        double e = v;
        if (to == DType::Bool) e = v != 0;
        else if (is_integral(to) && is_floating(from)) e = std::trunc(v);
        if (to == DType::UInt8 && is_floating(from)) e = std::clamp(e, 0.0, 255.0);
        else e = as_dtype(e, to);
        expected.push_back(e);
      }
      require_close(y, expected, 1e-7, 1e-6);
    }
  }
  // Saturation instead of undefined behaviour for out-of-range floats.
  require_close(cast(constant({1e20, -1e20, std::nan("")}), DType::Int32),
                {2147483647.0, -2147483648.0, 0});
  REQUIRE(cast(constant({1, 2}), DType::Int32).is_same(constant({1, 2})) == false);
}

TEST_CASE("clip_by_value clamps and checks its bounds", "[elementwise][clip]") {
  require_close(clip_by_value(constant({-2.f, 0.5f, 3.f}), 0, 1), {0, 0.5, 1});
  REQUIRE(clip_by_value(constant({-2, 5}), 0, 3).dtype() == DType::Int32);
  require_close(clip_by_value(constant({-2, 5}), 0, 3), {0, 3});
  REQUIRE_THROWS_AS(clip_by_value(constant({1.f}), 2, 1), InvalidArgument);
  REQUIRE_THROWS_AS(clip_by_value(constant({1.f}), zeros(Shape{3}), ones(Shape{3})), InvalidArgument);
}

TEST_CASE("all_equal compares shape, dtype and values", "[elementwise]") {
  REQUIRE(all_equal(constant({1, 2}), constant({1, 2})));
  REQUIRE_FALSE(all_equal(constant({1, 2}), constant({1, 3})));
  REQUIRE_FALSE(all_equal(constant({1, 2}), constant({1.f, 2.f})));
  REQUIRE_FALSE(all_equal(constant({1, 2}), constant({{1, 2}})));
  REQUIRE(all_equal(zeros(Shape{0}), zeros(Shape{0})));
}
