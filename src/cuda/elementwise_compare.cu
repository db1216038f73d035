// CUDA kernels of the comparisons and logical ops, bool out: equal,
// not_equal, less, less_equal, greater, greater_equal on every dtype (both
// operands in the promoted dtype) and logical_and, logical_or, logical_xor
// on bool. out[i] = F(a[i], b[i]) with the functor F of
// tensor/functors.hpp; bit-identical to the CPU (IEEE comparisons: NaN
// compares unequal to everything, -0 equals +0).
#include "elementwise_body.hpp"
#include "elementwise_kernels.hpp"
#include "elementwise_launch.cuh"

namespace eager::detail::cuda {
namespace {

template <BinaryOp Op, class F, DType D> void compare_kernel(const ElementwiseArgs& args) {
  using T = ctype<D>;
  launch_elementwise<bool, T, T>(registry()[Op].name, D, args, BinaryBody<F>{});
}

template <BinaryOp Op, class F> void compare(Registry& r) {
  fill_cuda<EAGER_CUDA_ALL_DTYPES>(r[Op].kernels, [](auto d) { return &compare_kernel<Op, F, decltype(d)::value>; });
}

}  // namespace

void register_binary_compare_kernels(Registry& r) {
  compare<BinaryOp::Equal, fn::Equal>(r);
  compare<BinaryOp::NotEqual, fn::NotEqual>(r);
  compare<BinaryOp::Less, fn::Less>(r);
  compare<BinaryOp::LessEqual, fn::LessEqual>(r);
  compare<BinaryOp::Greater, fn::Greater>(r);
  compare<BinaryOp::GreaterEqual, fn::GreaterEqual>(r);
  r[BinaryOp::LogicalAnd].kernels.at(DeviceType::CUDA, DType::Bool) =
      &compare_kernel<BinaryOp::LogicalAnd, fn::LogicalAnd, DType::Bool>;
  r[BinaryOp::LogicalOr].kernels.at(DeviceType::CUDA, DType::Bool) =
      &compare_kernel<BinaryOp::LogicalOr, fn::LogicalOr, DType::Bool>;
  r[BinaryOp::LogicalXor].kernels.at(DeviceType::CUDA, DType::Bool) =
      &compare_kernel<BinaryOp::LogicalXor, fn::LogicalXor, DType::Bool>;
}

}  // namespace eager::detail::cuda
