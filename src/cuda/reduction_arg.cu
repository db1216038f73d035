// CUDA argmax and argmin (int64 indices) for bool, uint8, int32, int64,
// float32, float64: the first index of the extreme value, or the first NaN's
// index when the slice holds one, exactly as the CPU kernels (see reduce::Arg).
#include "cuda/reduction_device.hpp"
#include "cuda/reduction_register.hpp"

namespace eager::detail::cuda {

namespace {
constexpr char kArgMax[] = "argmax";
constexpr char kArgMin[] = "argmin";
template <class T> using ArgMax = reduce::Arg<true, T>;
template <class T> using ArgMin = reduce::Arg<false, T>;
}  // namespace

void register_argmax_argmin_kernels(Registry& r) {
  fill_numeric<ArgMax, kArgMax>(reduce_table(r, ReduceOp::ArgMax));
  fill_numeric<ArgMin, kArgMin>(reduce_table(r, ReduceOp::ArgMin));
  // bool tensors hold bytes 0 or 1, which order as false < true.
  reduce_table(r, ReduceOp::ArgMax).at(DeviceType::CUDA, DType::Bool) =
      &reduce_kernel<ArgMax<std::uint8_t>, std::uint8_t, kArgMax>;
  reduce_table(r, ReduceOp::ArgMin).at(DeviceType::CUDA, DType::Bool) =
      &reduce_kernel<ArgMin<std::uint8_t>, std::uint8_t, kArgMin>;
}

}  // namespace eager::detail::cuda
