// CUDA kernels of the simple arithmetic binary ops: add, subtract,
// multiply, maximum, minimum, squared_difference (uint8, int32, int64,
// float32, float64) and divide (float32, float64). out[i] = F(a[i], b[i])
// with the functor F of tensor/functors.hpp, in the promoted dtype the
// dispatcher has converted both operands to. Bit-identical to the CPU:
// wrapping integer arithmetic, IEEE +, -, *, / on floats, NaN-propagating
// maximum and minimum (NaN payloads may differ, NaN-ness does not).
#include "elementwise_body.hpp"
#include "elementwise_kernels.hpp"
#include "elementwise_launch.cuh"

namespace eager::detail::cuda {
namespace {

template <BinaryOp Op, class F> void binary_numeric(Registry& r) {
  fill_cuda<EAGER_CUDA_NUMERIC>(r[Op].kernels, [](auto d) { return &binary_kernel<Op, F, decltype(d)::value>; });
}

}  // namespace

void register_binary_arithmetic_kernels(Registry& r) {
  binary_numeric<BinaryOp::Add, fn::Add>(r);
  binary_numeric<BinaryOp::Subtract, fn::Subtract>(r);
  binary_numeric<BinaryOp::Multiply, fn::Multiply>(r);
  fill_cuda<EAGER_CUDA_FLOATS>(r[BinaryOp::Divide].kernels,
                               [](auto d) { return &binary_kernel<BinaryOp::Divide, fn::Divide, decltype(d)::value>; });
  binary_numeric<BinaryOp::Maximum, fn::Maximum>(r);
  binary_numeric<BinaryOp::Minimum, fn::Minimum>(r);
  binary_numeric<BinaryOp::SquaredDifference, fn::SquaredDifference>(r);
}

}  // namespace eager::detail::cuda
