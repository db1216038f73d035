// CUDA reduce_max and reduce_min for uint8, int32, int64, float32, float64,
// and reduce_all / reduce_any for bool: the CPU's dtypes and identities
// (-inf / +inf, or the integer type's limits, over an empty axis). A NaN
// anywhere in a slice makes its max and min NaN, as on the CPU. Results equal
// the CPU's bit for bit (up to the sign of a zero when -0 and +0 tie).
#include "cuda/reduction_device.hpp"
#include "cuda/reduction_register.hpp"

namespace eager::detail::cuda {

namespace {
constexpr char kMax[] = "reduce_max";
constexpr char kMin[] = "reduce_min";
constexpr char kAll[] = "reduce_all";
constexpr char kAny[] = "reduce_any";
}  // namespace

void register_max_min_kernels(Registry& r) {
  fill_numeric<reduce::Max, kMax>(reduce_table(r, ReduceOp::Max));
  fill_numeric<reduce::Min, kMin>(reduce_table(r, ReduceOp::Min));
}

void register_all_any_kernels(Registry& r) {
  // bool tensors hold bytes 0 or 1.
  reduce_table(r, ReduceOp::All).at(DeviceType::CUDA, DType::Bool) = &reduce_kernel<reduce::All, std::uint8_t, kAll>;
  reduce_table(r, ReduceOp::Any).at(DeviceType::CUDA, DType::Bool) = &reduce_kernel<reduce::Any, std::uint8_t, kAny>;
}

}  // namespace eager::detail::cuda
