// The elementwise ops on a GPU against the same ops on the CPU: every unary
// and binary op, every input dtype, every cast and where, each through the
// vector kernel (flat, aligned), the strided kernel (misaligned slices,
// reversed and transposed views, broadcasting) and with broadcast scalars.
// Bit-exact except the float ops built on exp, log, sin, cos, tanh and pow,
// which may differ by a few ulp (kTranscendentalUlps) from the CPU's scalar
// loop (see scalar_loop_view). Inputs the CPU
// refuses (a bool to an arithmetic op, a zero integer divisor) must give the
// GPU the same error.
#include <string>
#include <vector>

#include "elementwise_util.hpp"

using namespace eager;
using namespace eager::test;

namespace {

using UnaryFn = Tensor (*)(const Tensor&);
using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);

struct UnaryCase {
  const char* name;
  UnaryFn op;
  bool exact;  // false: float results within kTranscendentalUlps
};

#define EAGER_UNARY(name, exact) UnaryCase{#name, static_cast<UnaryFn>(&eager::name), exact}
const UnaryCase kUnaryCases[] = {
    EAGER_UNARY(negative, true),
    EAGER_UNARY(abs, true),
    EAGER_UNARY(sign, true),
    EAGER_UNARY(square, true),
    EAGER_UNARY(floor, true),
    EAGER_UNARY(ceil, true),
    EAGER_UNARY(round, true),
    EAGER_UNARY(relu, true),
    EAGER_UNARY(relu6, true),
    EAGER_UNARY(sqrt, true),
    EAGER_UNARY(rsqrt, true),
    EAGER_UNARY(reciprocal, true),
    EAGER_UNARY(exp, false),
    EAGER_UNARY(log, false),
    EAGER_UNARY(log1p, false),
    EAGER_UNARY(expm1, false),
    EAGER_UNARY(sin, false),
    EAGER_UNARY(cos, false),
    EAGER_UNARY(tanh, false),
    EAGER_UNARY(sigmoid, false),
    EAGER_UNARY(elu, false),
    EAGER_UNARY(softplus, false),
    EAGER_UNARY(logical_not, true),
};
#undef EAGER_UNARY

struct BinaryCase {
  const char* name;
  BinaryFn op;
  bool exact;
};

#define EAGER_BINARY(name, exact) \
  BinaryCase{#name, [](const Tensor& a, const Tensor& b) { return eager::name(a, b); }, exact}
const BinaryCase kBinaryCases[] = {
    EAGER_BINARY(add, true),
    EAGER_BINARY(subtract, true),
    EAGER_BINARY(multiply, true),
    EAGER_BINARY(divide, true),
    EAGER_BINARY(floordiv, true),
    EAGER_BINARY(mod, true),
    EAGER_BINARY(pow, false),
    EAGER_BINARY(maximum, true),
    EAGER_BINARY(minimum, true),
    EAGER_BINARY(squared_difference, true),
    EAGER_BINARY(equal, true),
    EAGER_BINARY(not_equal, true),
    EAGER_BINARY(less, true),
    EAGER_BINARY(less_equal, true),
    EAGER_BINARY(greater, true),
    EAGER_BINARY(greater_equal, true),
    EAGER_BINARY(logical_and, true),
    EAGER_BINARY(logical_or, true),
    EAGER_BINARY(logical_xor, true),
};
#undef EAGER_BINARY

// 13 * 79: no multiple of any vector width, so the vector kernel has a tail.
constexpr std::int64_t kSize = 1027;
constexpr std::int64_t kRows = 13;

// Runs op on the CPU inputs and on their GPU copies (make builds the layout
// on each device) and compares; when the CPU refuses, the GPU must refuse
// with the same message. Returns false when the CPU refused.
bool check_op(const std::function<Tensor(Device)>& run, std::int64_t ulps) {
  Tensor on_cpu;
  const std::string cpu_error = error_of([&] { on_cpu = run(Device::cpu()); });
  if (!cpu_error.empty()) {
    CHECK(error_of([&] { run(gpu()); }) == cpu_error);
    return false;
  }
  require_same_elements(run(gpu()), on_cpu, ulps);
  return true;
}

std::int64_t ulps_for(bool exact) { return exact ? 0 : kTranscendentalUlps; }

}  // namespace

TEST_CASE("cuda unary ops: every op, input dtype and layout equal the CPU", "[cuda][elementwise]") {
  for (const UnaryCase& c : kUnaryCases) {
    for (DType dtype : kEveryDType) {
      const Tensor base = test_values(dtype, kSize, 11, !c.exact);
      const Tensor base_gpu = base.to(gpu());
      for (Layout layout : kLayouts) {
        INFO(c.name << " " << dtype_name(dtype) << ", " << layout_name(layout));
        const bool ran = check_op(
            [&](Device d) {
              const Tensor x = in_layout(d.is_cpu() ? base : base_gpu, layout, kRows);
              return c.op(d.is_cpu() && !c.exact ? scalar_loop_view(x) : x);
            },
            ulps_for(c.exact));
        if (!ran) break;  // a refused dtype is refused in every layout
      }
      // A 0-d input: the flat kernel with nothing but the tail.
      INFO(c.name << " " << dtype_name(dtype) << ", 0-d");
      check_op([&](Device d) { return c.op((d.is_cpu() ? base : base_gpu)[kSize - 1]); }, ulps_for(c.exact));
    }
  }
}

TEST_CASE("cuda leaky_relu: alpha reaches the kernel as on the CPU", "[cuda][elementwise]") {
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int32}) {
    const Tensor base = test_values(dtype, kSize, 12);
    const Tensor base_gpu = base.to(gpu());
    for (double alpha : {0.2, 0.0, -1.5, 0.1 + 0.2}) {
      for (Layout layout : kLayouts) {
        INFO(dtype_name(dtype) << ", alpha " << alpha << ", " << layout_name(layout));
        check_op([&](Device d) { return leaky_relu(in_layout(d.is_cpu() ? base : base_gpu, layout, kRows), alpha); },
                 0);
      }
    }
  }
}

namespace {

// Right operands the CPU accepts: no zero divisor for integer floordiv and
// mod, no negative exponent for integer pow (the refusals are tested below).
Tensor right_operand(const char* op, const Tensor& b) {
  if (is_floating(b.dtype()) || b.dtype() == DType::Bool) return b;
  const std::string name = op;
  if (name == "floordiv" || name == "mod") return where(equal(b, 0), ones_like(b), b);
  if (name == "pow") return maximum(b, 0);
  return b;
}

}  // namespace

TEST_CASE("cuda binary ops: every op, dtype and layout equal the CPU", "[cuda][elementwise]") {
  for (const BinaryCase& c : kBinaryCases) {
    for (DType dtype : kEveryDType) {
      // b's edge values come last, so that a's and b's pair up differently.
      const Tensor a = test_values(dtype, kSize, 21, !c.exact);
      const Tensor b = right_operand(c.name, reverse(test_values(dtype, kSize, 22, !c.exact, -4, 4), {0}));
      const Tensor a_gpu = a.to(gpu()), b_gpu = b.to(gpu());
      const auto A = [&](Device d) { return d.is_cpu() ? a : a_gpu; };
      const auto B = [&](Device d) { return d.is_cpu() ? b : b_gpu; };
      const std::int64_t ulps = ulps_for(c.exact);
      INFO(c.name << " " << dtype_name(dtype));
      if (!check_op([&](Device d) { return c.op(A(d), B(d)); }, ulps)) continue;  // refused for this dtype
      for (Layout layout : kLayouts) {
        INFO(layout_name(layout) << " against the same layout, then against a contiguous operand");
        check_op([&](Device d) { return c.op(in_layout(A(d), layout, kRows), in_layout(B(d), layout, kRows)); },
                 ulps);
        check_op(
            [&](Device d) {
              const Tensor x = in_layout(A(d), layout, kRows);
              return c.op(x, slice(B(d), {0}, {x.num_elements()}).reshape(x.shape()));
            },
            ulps);
      }
      INFO("a broadcast scalar on either side (vector kernel)");
      check_op([&](Device d) { return c.op(A(d), B(d)[5]); }, ulps);
      check_op([&](Device d) { return c.op(A(d)[7], B(d)); }, ulps);
      INFO("a's edge values against b's: [k, 1] against [1, k] (strided kernel)");
      constexpr std::int64_t k = 33;
      check_op(
          [&](Device d) {
            return c.op(slice(A(d), {0}, {k}).reshape(Shape{k, 1}),
                        slice(B(d), {kSize - k}, {k}).reshape(Shape{1, k}));
          },
          ulps);
    }
  }
}

TEST_CASE("cuda binary ops: integer domain errors as on the CPU", "[cuda][elementwise]") {
  for (DType dtype : {DType::UInt8, DType::Int32, DType::Int64}) {
    INFO(dtype_name(dtype));
    const Tensor a = constant({5, 6, 7}, dtype), zero_in = constant({1, 0, 2}, dtype);
    CHECK(error_of([&] { floordiv(a.to(gpu()), zero_in.to(gpu())); }) == error_of([&] { floordiv(a, zero_in); }));
    CHECK(error_of([&] { mod(a.to(gpu()), zero_in.to(gpu())); }) == error_of([&] { mod(a, zero_in); }));
    CHECK_FALSE(error_of([&] { mod(a, zero_in); }).empty());
  }
  const Tensor base = constant({2, 3}), negative_exponent = constant({1, -1});
  CHECK_FALSE(error_of([&] { pow(base, negative_exponent); }).empty());
  CHECK(error_of([&] { pow(base.to(gpu()), negative_exponent.to(gpu())); }) ==
        error_of([&] { pow(base, negative_exponent); }));
  // True division of integers by zero is float division: +-inf and NaN.
  require_same_elements(divide(constant({7, -7, 0}).to(gpu()), constant({0, 0, 0}).to(gpu())),
                        divide(constant({7, -7, 0}), constant({0, 0, 0})));
}
