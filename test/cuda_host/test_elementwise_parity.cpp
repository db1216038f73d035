// The per-element bodies of the CUDA elementwise kernels
// (src/cuda/elementwise_body.hpp), compiled here by g++, against the CPU
// kernels run through the public API: for every op and every dtype the CPU
// registers, on edge values (NaN, +-inf, -0, integer limits, uint8
// wrap-around, integer true division by zero), the body gives exactly the
// CPU's result. The CPU inputs are strided views, so that the CPU runs its
// scalar loop: the functor's own result, with glibc's libm, which is what
// the body computes on the host (on the GPU the same body calls CUDA's libm).
// And a CUDA build fills exactly the CPU's elementwise slots.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cuda/elementwise_body.hpp"
#include "cuda_host/elementwise_values.hpp"
#include "eager/eager.hpp"
#include "tensor/device_runtime.hpp"
#include "tensor/registry.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::edge_values;
using detail::BinaryOp;
using detail::UnaryOp;
namespace fn = detail::fn;
namespace cuda_body = detail::cuda;

namespace {

template <class... T> struct Types {};
using AllTypes = Types<bool, std::uint8_t, std::int32_t, std::int64_t, float, double>;
using Numeric = Types<std::uint8_t, std::int32_t, std::int64_t, float, double>;
using Floats = Types<float, double>;
using BoolOnly = Types<bool>;

// `values` as a view with stride 2 along its last axis, shaped [n] or [1, n].
template <class T> Tensor strided_view(const std::vector<T>& values, bool as_row = false) {
  std::vector<T> spread;
  for (const T& v : values) {
    spread.push_back(v);
    spread.push_back(T{});
  }
  const auto n = static_cast<std::int64_t>(spread.size());
  if (as_row) return strided_slice(constant(spread, Shape{1, n}), {0, 0}, {1, n}, {1, 2});
  return strided_slice(constant(spread, Shape{n}), {0}, {n}, {2});
}

// Equal bits, or both NaN (NaN payloads are not part of the contract).
template <class T> bool same_value(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (a != a && b != b) return true;
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// For messages: numbers, not characters, for uint8 and bool.
template <class T> auto printable(T x) {
  if constexpr (std::is_floating_point_v<T>) return x;
  else return static_cast<std::int64_t>(x);
}

// One failure per differing element, with what it was; the loops below
// stay free of Catch's macros, which are slow to compile in templates.
void mismatch(const std::string& what) { FAIL_CHECK(what); }

template <class... Part> std::string describe(const Part&... part) {
  std::ostringstream out;
  (out << ... << part);
  return out.str();
}

std::vector<DType> cpu_dtypes(const detail::KernelTable<detail::ElementwiseKernel>& table) {
  std::vector<DType> dtypes;
  for (int d = 0; d < kNumDTypes; ++d)
    if (table.get(DeviceType::CPU, static_cast<DType>(d))) dtypes.push_back(static_cast<DType>(d));
  return dtypes;
}

template <class... T> std::vector<DType> dtypes_of(Types<T...>) { return {dtype_v<T>...}; }

// The dtypes a test covers are the ones the CPU registers, no more, no less.
void require_dtypes(const std::string& name, const detail::KernelTable<detail::ElementwiseKernel>& table,
                    const std::vector<DType>& tested) {
  INFO(name);
  REQUIRE(cpu_dtypes(table) == tested);
}

using UnaryFn = Tensor (*)(const Tensor&);
using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);

template <class T, class Body, class Run> void check_unary_values(const char* name, const Body& body, Run run) {
  const std::vector<T> xs = edge_values<T>();
  const Tensor expected = run(strided_view(xs));
  if (expected.dtype() != dtype_v<T>) return mismatch(describe(name, ": the CPU result has another dtype"));
  const std::vector<T> cpu = expected.template to_vector<T>();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const T got = body(xs[i]);
    if (!same_value(got, T(cpu[i])))
      mismatch(describe(name, " ", dtype_name(dtype_v<T>), " x = ", printable(xs[i]), ": body ", printable(got),
                        ", CPU ", printable(T(cpu[i]))));
  }
}

template <class F, class... T> void check_unary(UnaryOp op, UnaryFn run, Types<T...> types) {
  const char* name = detail::registry()[op].name;
  require_dtypes(name, detail::registry()[op].kernels, dtypes_of(types));
  (check_unary_values<T>(name, cuda_body::UnaryBody<F>{}, run), ...);
}

// Right operands the CPU accepts: integer floordiv and mod refuse a zero
// divisor, integer pow (but uint8) a negative exponent; both throw before
// any kernel runs (checked below).
template <class T> std::vector<T> right_operands(BinaryOp op) {
  std::vector<T> ys;
  for (T y : edge_values<T>()) {
    const bool integer = fn::is_int_v<T>;
    if (integer && (op == BinaryOp::FloorDiv || op == BinaryOp::Mod) && y == T(0)) continue;
    if (integer && op == BinaryOp::Pow && y < T(0)) continue;
    ys.push_back(y);
  }
  return ys;
}

template <class T, class F> void check_binary_values(BinaryOp op, BinaryFn run) {
  using R = decltype(cuda_body::BinaryBody<F>{}(T{}, T{}));
  const char* name = detail::registry()[op].name;
  const std::vector<T> xs = edge_values<T>();
  const std::vector<T> ys = right_operands<T>(op);
  // Every x against every y: x as a column, y as a strided row.
  const Tensor expected = run(constant(xs, Shape{static_cast<std::int64_t>(xs.size()), 1}), strided_view(ys, true));
  if (expected.dtype() != dtype_v<R>) return mismatch(describe(name, ": the CPU result has another dtype"));
  const std::vector<R> cpu = expected.template to_vector<R>();
  const cuda_body::BinaryBody<F> body;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    for (std::size_t j = 0; j < ys.size(); ++j) {
      const R got = body(xs[i], ys[j]);
      const R want = cpu[i * ys.size() + j];
      if (!same_value(got, want))
        mismatch(describe(name, " ", dtype_name(dtype_v<T>), " (", printable(xs[i]), ", ", printable(ys[j]),
                          "): body ", printable(got), ", CPU ", printable(want)));
    }
  }
}

template <class F, class... T> void check_binary(BinaryOp op, BinaryFn run, Types<T...> types) {
  require_dtypes(detail::registry()[op].name, detail::registry()[op].kernels, dtypes_of(types));
  (check_binary_values<T, F>(op, run), ...);
}

template <class From, class... To> void check_casts_from(Types<To...>) {
  const std::vector<From> xs = edge_values<From>();
  const Tensor x = strided_view(xs);
  const auto check_to = [&]<class T>(T*) {
    // Casting to the same dtype returns x itself; contiguous() runs the
    // same-dtype cast kernel (the strided copy).
    const Tensor cpu_result = std::is_same_v<T, From> ? x.contiguous() : cast(x, dtype_v<T>);
    if (cpu_result.dtype() != dtype_v<T>) mismatch(describe("cast to ", dtype_name(dtype_v<T>), ": wrong dtype"));
    const std::vector<T> cpu = cpu_result.template to_vector<T>();
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const T got = cuda_body::CastBody<T>{}(xs[i]);
      if (!same_value(got, T(cpu[i])))
        mismatch(describe("cast ", dtype_name(dtype_v<From>), " ", printable(xs[i]), " to ", dtype_name(dtype_v<T>),
                          ": body ", printable(got), ", CPU ", printable(T(cpu[i]))));
    }
  };
  (check_to(static_cast<To*>(nullptr)), ...);
}

template <class... T> void check_where(Types<T...>) {
  const auto check_one = [&]<class U>(U*) {
    const std::vector<U> xs = edge_values<U>();
    std::vector<U> ys(xs.rbegin(), xs.rend());
    std::vector<bool> condition;
    for (std::size_t i = 0; i < xs.size(); ++i) condition.push_back(i % 3 != 1);
    const Tensor expected = where(strided_view(condition), strided_view(xs), strided_view(ys));
    const std::vector<U> cpu = expected.template to_vector<U>();
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (!same_value(cuda_body::WhereBody{}(static_cast<bool>(condition[i]), U(xs[i]), U(ys[i])), U(cpu[i])))
        mismatch(describe("where ", dtype_name(dtype_v<U>), " element ", i));
  };
  (check_one(static_cast<T*>(nullptr)), ...);
}

}  // namespace

#define EAGER_UNARY(name) static_cast<UnaryFn>(&eager::name)
#define EAGER_BINARY(name) [](const Tensor& a, const Tensor& b) { return eager::name(a, b); }

TEST_CASE("cuda elementwise bodies: unary ops equal the CPU kernels", "[cuda_host]") {
  check_unary<fn::Negative>(UnaryOp::Negative, EAGER_UNARY(negative), Numeric{});
  check_unary<fn::Abs>(UnaryOp::Abs, EAGER_UNARY(abs), Numeric{});
  check_unary<fn::Sign>(UnaryOp::Sign, EAGER_UNARY(sign), Numeric{});
  check_unary<fn::Square>(UnaryOp::Square, EAGER_UNARY(square), Numeric{});
  check_unary<fn::Floor>(UnaryOp::Floor, EAGER_UNARY(floor), Numeric{});
  check_unary<fn::Ceil>(UnaryOp::Ceil, EAGER_UNARY(ceil), Numeric{});
  check_unary<fn::Round>(UnaryOp::Round, EAGER_UNARY(round), Numeric{});
  check_unary<fn::Relu>(UnaryOp::Relu, EAGER_UNARY(relu), Numeric{});
  check_unary<fn::Relu6>(UnaryOp::Relu6, EAGER_UNARY(relu6), Numeric{});
  check_unary<fn::Exp>(UnaryOp::Exp, EAGER_UNARY(exp), Floats{});
  check_unary<fn::Log>(UnaryOp::Log, EAGER_UNARY(log), Floats{});
  check_unary<fn::Log1p>(UnaryOp::Log1p, EAGER_UNARY(log1p), Floats{});
  check_unary<fn::Expm1>(UnaryOp::Expm1, EAGER_UNARY(expm1), Floats{});
  check_unary<fn::Sqrt>(UnaryOp::Sqrt, EAGER_UNARY(sqrt), Floats{});
  check_unary<fn::Rsqrt>(UnaryOp::Rsqrt, EAGER_UNARY(rsqrt), Floats{});
  check_unary<fn::Sin>(UnaryOp::Sin, EAGER_UNARY(sin), Floats{});
  check_unary<fn::Cos>(UnaryOp::Cos, EAGER_UNARY(cos), Floats{});
  check_unary<fn::Tanh>(UnaryOp::Tanh, EAGER_UNARY(tanh), Floats{});
  check_unary<fn::Sigmoid>(UnaryOp::Sigmoid, EAGER_UNARY(sigmoid), Floats{});
  check_unary<fn::Reciprocal>(UnaryOp::Reciprocal, EAGER_UNARY(reciprocal), Floats{});
  check_unary<fn::Elu>(UnaryOp::Elu, EAGER_UNARY(elu), Floats{});
  check_unary<fn::Softplus>(UnaryOp::Softplus, EAGER_UNARY(softplus), Floats{});
  check_unary<fn::LogicalNot>(UnaryOp::LogicalNot, EAGER_UNARY(logical_not), BoolOnly{});
}

TEST_CASE("cuda elementwise bodies: leaky_relu passes alpha as the CPU does", "[cuda_host]") {
  require_dtypes("leaky_relu", detail::registry()[UnaryOp::LeakyRelu].kernels, dtypes_of(Floats{}));
  for (double alpha : {0.2, 0.0, -1.5, 1e-3, 0.1 + 0.2}) {
    INFO("alpha " << alpha);
    const auto run = [alpha](const Tensor& x) { return leaky_relu(x, alpha); };
    check_unary_values<float>("leaky_relu", cuda_body::LeakyReluBody{alpha}, run);
    check_unary_values<double>("leaky_relu", cuda_body::LeakyReluBody{alpha}, run);
  }
}

TEST_CASE("cuda elementwise bodies: binary ops equal the CPU kernels", "[cuda_host]") {
  check_binary<fn::Add>(BinaryOp::Add, EAGER_BINARY(add), Numeric{});
  check_binary<fn::Subtract>(BinaryOp::Subtract, EAGER_BINARY(subtract), Numeric{});
  check_binary<fn::Multiply>(BinaryOp::Multiply, EAGER_BINARY(multiply), Numeric{});
  check_binary<fn::Divide>(BinaryOp::Divide, EAGER_BINARY(divide), Floats{});
  check_binary<fn::FloorDiv>(BinaryOp::FloorDiv, EAGER_BINARY(floordiv), Numeric{});
  check_binary<fn::Mod>(BinaryOp::Mod, EAGER_BINARY(mod), Numeric{});
  check_binary<fn::Pow>(BinaryOp::Pow, EAGER_BINARY(pow), Numeric{});
  check_binary<fn::Maximum>(BinaryOp::Maximum, EAGER_BINARY(maximum), Numeric{});
  check_binary<fn::Minimum>(BinaryOp::Minimum, EAGER_BINARY(minimum), Numeric{});
  check_binary<fn::SquaredDifference>(BinaryOp::SquaredDifference, EAGER_BINARY(squared_difference), Numeric{});
  check_binary<fn::Equal>(BinaryOp::Equal, EAGER_BINARY(equal), AllTypes{});
  check_binary<fn::NotEqual>(BinaryOp::NotEqual, EAGER_BINARY(not_equal), AllTypes{});
  check_binary<fn::Less>(BinaryOp::Less, EAGER_BINARY(less), AllTypes{});
  check_binary<fn::LessEqual>(BinaryOp::LessEqual, EAGER_BINARY(less_equal), AllTypes{});
  check_binary<fn::Greater>(BinaryOp::Greater, EAGER_BINARY(greater), AllTypes{});
  check_binary<fn::GreaterEqual>(BinaryOp::GreaterEqual, EAGER_BINARY(greater_equal), AllTypes{});
  check_binary<fn::LogicalAnd>(BinaryOp::LogicalAnd, EAGER_BINARY(logical_and), BoolOnly{});
  check_binary<fn::LogicalOr>(BinaryOp::LogicalOr, EAGER_BINARY(logical_or), BoolOnly{});
  check_binary<fn::LogicalXor>(BinaryOp::LogicalXor, EAGER_BINARY(logical_xor), BoolOnly{});
}

TEST_CASE("cuda elementwise bodies: integer division by zero as the CPU does it", "[cuda_host]") {
  // True division converts integers to float64 first: x / 0 is +-inf or NaN.
  const Tensor q = divide(constant({7, -7, 0}), constant({0, 0, 0}));
  REQUIRE(q.dtype() == DType::Float64);
  const std::vector<double> cpu = q.to_vector<double>();
  const cuda_body::BinaryBody<fn::Divide> body;
  CHECK(same_value(body(7.0, 0.0), cpu[0]));
  CHECK(same_value(body(-7.0, 0.0), cpu[1]));
  CHECK(same_value(body(0.0, 0.0), cpu[2]));
  // floordiv and mod refuse a zero divisor before any kernel runs, pow a
  // negative integer exponent: the bodies never see them.
  CHECK_THROWS_MATCHES(floordiv(constant({1, 2}), constant({1, 0})), InvalidArgument,
                       test::MessageContains("integer division by zero"));
  CHECK_THROWS_MATCHES(mod(constant({1, 2}), constant({0, 1})), InvalidArgument,
                       test::MessageContains("integer division by zero"));
  CHECK_THROWS_MATCHES(pow(constant({2, 2}), constant({1, -1})), InvalidArgument,
                       test::MessageContains("negative integer powers"));
}

TEST_CASE("cuda elementwise bodies: every cast equals the CPU's", "[cuda_host]") {
  for (int d = 0; d < kNumDTypes; ++d)
    require_dtypes("cast", detail::registry().cast[d], dtypes_of(AllTypes{}));
  check_casts_from<bool>(AllTypes{});
  check_casts_from<std::uint8_t>(AllTypes{});
  check_casts_from<std::int32_t>(AllTypes{});
  check_casts_from<std::int64_t>(AllTypes{});
  check_casts_from<float>(AllTypes{});
  check_casts_from<double>(AllTypes{});
}

TEST_CASE("cuda elementwise bodies: where equals the CPU's", "[cuda_host]") {
  require_dtypes("where", detail::registry().where, dtypes_of(AllTypes{}));
  check_where(AllTypes{});
}

TEST_CASE("cuda elementwise: a CUDA build fills exactly the CPU's elementwise slots", "[cuda_host]") {
  const detail::Registry& r = detail::registry();
  std::vector<std::pair<std::string, const detail::KernelTable<detail::ElementwiseKernel>*>> tables;
  for (const auto& def : r.unary) tables.emplace_back(def.name, &def.kernels);
  for (const auto& def : r.binary) tables.emplace_back(def.name, &def.kernels);
  for (int d = 0; d < kNumDTypes; ++d)
    tables.emplace_back("cast to " + std::string(dtype_name(static_cast<DType>(d))), &r.cast[d]);
  tables.emplace_back("where", &r.where);
  // A build without CUDA has no runtime and no CUDA kernel.
  const bool cuda_build = detail::cuda_runtime() != nullptr;
  for (const auto& [name, table] : tables) {
    for (int d = 0; d < kNumDTypes; ++d) {
      const DType dtype = static_cast<DType>(d);
      INFO(name << " " << dtype_name(dtype));
      const bool on_cpu = table->get(DeviceType::CPU, dtype) != nullptr;
      CHECK((table->get(DeviceType::CUDA, dtype) != nullptr) == (cuda_build && on_cpu));
    }
  }
}
