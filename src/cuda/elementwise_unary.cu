// CUDA kernels of the unary ops that are exact in every dtype: negative, abs,
// sign, square, floor, ceil, round, relu, relu6 (uint8, int32, int64,
// float32, float64) and logical_not (bool). out[i] = F(x[i]) with the
// functor F of tensor/functors.hpp, in the input dtype; every result is
// bit-identical to the CPU kernel's (integers wrap the same way, the float
// ops are IEEE-exact on both; NaN payloads may differ, NaN-ness does not).
#include "elementwise_body.hpp"
#include "elementwise_kernels.hpp"
#include "elementwise_launch.cuh"

namespace eager::detail::cuda {
namespace {

template <UnaryOp Op, class F> void unary_numeric(Registry& r) {
  fill_cuda<EAGER_CUDA_NUMERIC>(r[Op].kernels, [](auto d) { return &unary_kernel<Op, F, decltype(d)::value>; });
}

}  // namespace

void register_unary_numeric_kernels(Registry& r) {
  unary_numeric<UnaryOp::Negative, fn::Negative>(r);
  unary_numeric<UnaryOp::Abs, fn::Abs>(r);
  unary_numeric<UnaryOp::Sign, fn::Sign>(r);
  unary_numeric<UnaryOp::Square, fn::Square>(r);
  unary_numeric<UnaryOp::Floor, fn::Floor>(r);
  unary_numeric<UnaryOp::Ceil, fn::Ceil>(r);
  unary_numeric<UnaryOp::Round, fn::Round>(r);
  unary_numeric<UnaryOp::Relu, fn::Relu>(r);
  unary_numeric<UnaryOp::Relu6, fn::Relu6>(r);
  r[UnaryOp::LogicalNot].kernels.at(DeviceType::CUDA, DType::Bool) =
      &unary_kernel<UnaryOp::LogicalNot, fn::LogicalNot, DType::Bool>;
}

}  // namespace eager::detail::cuda
