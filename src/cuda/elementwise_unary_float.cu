// CUDA kernels of the unary ops defined on floats only (float32, float64;
// the dispatcher computes integer and bool inputs in float32):
// out[i] = F(x[i]) with the functor F of tensor/functors.hpp, and
// leaky_relu out[i] = x > 0 ? x : x * T(alpha).
// Bit-identical to the CPU: sqrt, rsqrt (1 / sqrt), reciprocal, leaky_relu
// (IEEE-exact division and square root: nvcc's default -prec-div and
// -prec-sqrt). Within a few ulp of the CPU: exp, log, log1p, expm1, sin,
// cos, tanh and the ops built on them (sigmoid, elu, softplus): CUDA's libm
// is within 1-2 ulp of the exact result (CUDA C Programming Guide, maximum
// ulp error tables), glibc and xsimd (the CPU's vector loop) about as close,
// so the two devices may differ in the last bit or two. Special values
// (NaN, +-inf, +-0) give the same results.
#include "elementwise_body.hpp"
#include "elementwise_kernels.hpp"
#include "elementwise_launch.cuh"

namespace eager::detail::cuda {
namespace {

template <DType D> void leaky_relu_kernel(const ElementwiseArgs& args) {
  using T = ctype<D>;
  launch_elementwise<T, T>(registry()[UnaryOp::LeakyRelu].name, D, args, LeakyReluBody{args.alpha});
}

template <UnaryOp Op, class F> void unary_float(Registry& r) {
  fill_cuda<EAGER_CUDA_FLOATS>(r[Op].kernels, [](auto d) { return &unary_kernel<Op, F, decltype(d)::value>; });
}

}  // namespace

void register_unary_float_kernels(Registry& r) {
  unary_float<UnaryOp::Exp, fn::Exp>(r);
  unary_float<UnaryOp::Log, fn::Log>(r);
  unary_float<UnaryOp::Log1p, fn::Log1p>(r);
  unary_float<UnaryOp::Expm1, fn::Expm1>(r);
  unary_float<UnaryOp::Sqrt, fn::Sqrt>(r);
  unary_float<UnaryOp::Rsqrt, fn::Rsqrt>(r);
  unary_float<UnaryOp::Sin, fn::Sin>(r);
  unary_float<UnaryOp::Cos, fn::Cos>(r);
  unary_float<UnaryOp::Tanh, fn::Tanh>(r);
  unary_float<UnaryOp::Sigmoid, fn::Sigmoid>(r);
  unary_float<UnaryOp::Reciprocal, fn::Reciprocal>(r);
  unary_float<UnaryOp::Elu, fn::Elu>(r);
  unary_float<UnaryOp::Softplus, fn::Softplus>(r);
  fill_cuda<EAGER_CUDA_FLOATS>(r[UnaryOp::LeakyRelu].kernels,
                               [](auto d) { return &leaky_relu_kernel<decltype(d)::value>; });
}

}  // namespace eager::detail::cuda
