// Fills the CPU slots of the elementwise tables: one line per primitive.
#include <cstdint>

#include "cpu_elementwise.hpp"
#include "dtype_dispatch.hpp"
#include "functors.hpp"
#include "registry.hpp"

namespace eager::detail {

namespace {

// Functors without a `simd` member (comparisons, casts) run scalar.
template <class F> consteval bool simd_of() {
  if constexpr (requires { F::simd; }) return F::simd;
  else return false;
}

template <class F> struct Unary {
  static constexpr bool simd = simd_of<F>();
  template <class T> auto operator()(T x) const { return F::apply(x); }
};
template <class F> struct Binary {
  static constexpr bool simd = simd_of<F>();
  template <class T> auto operator()(T a, T b) const { return F::apply(a, b); }
};
struct BoundLeakyRelu {
  static constexpr bool simd = false;
  double alpha;
  template <class T> T operator()(T x) const { return fn::LeakyRelu::apply(x, alpha); }
};


template <class F, DType D> void unary_same(const ElementwiseArgs& args) {
  cpu::unary_kernel<ctype<D>, ctype<D>>(args, Unary<F>{});
}
template <DType D> void leaky_relu(const ElementwiseArgs& args) {
  cpu::unary_kernel<ctype<D>, ctype<D>>(args, BoundLeakyRelu{args.alpha});
}
template <class F, DType D> void binary_same(const ElementwiseArgs& args) {
  cpu::binary_kernel<ctype<D>, ctype<D>>(args, Binary<F>{});
}
template <class F, DType D> void binary_to_bool(const ElementwiseArgs& args) {
  cpu::binary_kernel<ctype<D>, bool>(args, Binary<F>{});
}
template <DType From, DType To> void cast(const ElementwiseArgs& args) {
  cpu::unary_kernel<ctype<From>, ctype<To>>(args, Unary<fn::Cast<ctype<To>>>{});
}
template <DType D> void where(const ElementwiseArgs& args) { cpu::where_kernel<ctype<D>>(args); }

template <DType... Ds, class Make> void fill(KernelTable<ElementwiseKernel>& table, Make make) {
  ((table.at(DeviceType::CPU, Ds) = make(std::integral_constant<DType, Ds>{})), ...);
}

#define EAGER_ALL_DTYPES DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64
#define EAGER_NUMERIC DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64
#define EAGER_FLOATS DType::Float32, DType::Float64

template <class F> void unary_numeric(Registry& r, UnaryOp op) {
  fill<EAGER_NUMERIC>(r[op].kernels, [](auto d) { return &unary_same<F, decltype(d)::value>; });
}
template <class F> void unary_float(Registry& r, UnaryOp op) {
  fill<EAGER_FLOATS>(r[op].kernels, [](auto d) { return &unary_same<F, decltype(d)::value>; });
}
template <class F> void binary_numeric(Registry& r, BinaryOp op) {
  fill<EAGER_NUMERIC>(r[op].kernels, [](auto d) { return &binary_same<F, decltype(d)::value>; });
}
template <class F> void compare(Registry& r, BinaryOp op) {
  fill<EAGER_ALL_DTYPES>(r[op].kernels, [](auto d) { return &binary_to_bool<F, decltype(d)::value>; });
}
template <DType To> void cast_to(Registry& r) {
  fill<EAGER_ALL_DTYPES>(r.cast[static_cast<int>(To)], [](auto d) { return &cast<decltype(d)::value, To>; });
}

}  // namespace

void register_cpu_elementwise_kernels(Registry& r) {
  unary_numeric<fn::Negative>(r, UnaryOp::Negative);
  unary_numeric<fn::Abs>(r, UnaryOp::Abs);
  unary_numeric<fn::Sign>(r, UnaryOp::Sign);
  unary_numeric<fn::Square>(r, UnaryOp::Square);
  unary_numeric<fn::Floor>(r, UnaryOp::Floor);
  unary_numeric<fn::Ceil>(r, UnaryOp::Ceil);
  unary_numeric<fn::Round>(r, UnaryOp::Round);
  unary_numeric<fn::Relu>(r, UnaryOp::Relu);
  unary_numeric<fn::Relu6>(r, UnaryOp::Relu6);
  unary_float<fn::Exp>(r, UnaryOp::Exp);
  unary_float<fn::Log>(r, UnaryOp::Log);
  unary_float<fn::Log1p>(r, UnaryOp::Log1p);
  unary_float<fn::Expm1>(r, UnaryOp::Expm1);
  unary_float<fn::Sqrt>(r, UnaryOp::Sqrt);
  unary_float<fn::Rsqrt>(r, UnaryOp::Rsqrt);
  unary_float<fn::Sin>(r, UnaryOp::Sin);
  unary_float<fn::Cos>(r, UnaryOp::Cos);
  unary_float<fn::Tanh>(r, UnaryOp::Tanh);
  unary_float<fn::Sigmoid>(r, UnaryOp::Sigmoid);
  unary_float<fn::Reciprocal>(r, UnaryOp::Reciprocal);
  unary_float<fn::Elu>(r, UnaryOp::Elu);
  unary_float<fn::Softplus>(r, UnaryOp::Softplus);
  fill<EAGER_FLOATS>(r[UnaryOp::LeakyRelu].kernels, [](auto d) { return &leaky_relu<decltype(d)::value>; });
  r[UnaryOp::LogicalNot].kernels.at(DeviceType::CPU, DType::Bool) = &unary_same<fn::LogicalNot, DType::Bool>;

  binary_numeric<fn::Add>(r, BinaryOp::Add);
  binary_numeric<fn::Subtract>(r, BinaryOp::Subtract);
  binary_numeric<fn::Multiply>(r, BinaryOp::Multiply);
  fill<EAGER_FLOATS>(r[BinaryOp::Divide].kernels, [](auto d) { return &binary_same<fn::Divide, decltype(d)::value>; });
  binary_numeric<fn::FloorDiv>(r, BinaryOp::FloorDiv);
  binary_numeric<fn::Mod>(r, BinaryOp::Mod);
  binary_numeric<fn::Pow>(r, BinaryOp::Pow);
  binary_numeric<fn::Maximum>(r, BinaryOp::Maximum);
  binary_numeric<fn::Minimum>(r, BinaryOp::Minimum);
  binary_numeric<fn::SquaredDifference>(r, BinaryOp::SquaredDifference);
  compare<fn::Equal>(r, BinaryOp::Equal);
  compare<fn::NotEqual>(r, BinaryOp::NotEqual);
  compare<fn::Less>(r, BinaryOp::Less);
  compare<fn::LessEqual>(r, BinaryOp::LessEqual);
  compare<fn::Greater>(r, BinaryOp::Greater);
  compare<fn::GreaterEqual>(r, BinaryOp::GreaterEqual);
  r[BinaryOp::LogicalAnd].kernels.at(DeviceType::CPU, DType::Bool) = &binary_to_bool<fn::LogicalAnd, DType::Bool>;
  r[BinaryOp::LogicalOr].kernels.at(DeviceType::CPU, DType::Bool) = &binary_to_bool<fn::LogicalOr, DType::Bool>;
  r[BinaryOp::LogicalXor].kernels.at(DeviceType::CPU, DType::Bool) = &binary_to_bool<fn::LogicalXor, DType::Bool>;

  cast_to<DType::Bool>(r);
  cast_to<DType::UInt8>(r);
  cast_to<DType::Int32>(r);
  cast_to<DType::Int64>(r);
  cast_to<DType::Float32>(r);
  cast_to<DType::Float64>(r);
  fill<EAGER_ALL_DTYPES>(r.where, [](auto d) { return &where<decltype(d)::value>; });
}

}  // namespace eager::detail
