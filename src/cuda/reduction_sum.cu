// CUDA reduce_sum and reduce_prod for uint8, int32, int64, float32, float64
// (the CPU's dtypes). Integer results equal the CPU's exactly (wrapping
// arithmetic is associative); float results differ from the CPU's pairwise
// summation only by rounding, since the order of additions differs (both
// accumulate in the input dtype with error growing about like log(n)).
#include "cuda/reduction_device.hpp"
#include "cuda/reduction_register.hpp"

namespace eager::detail::cuda {

namespace {
constexpr char kSum[] = "reduce_sum";
constexpr char kProd[] = "reduce_prod";
}  // namespace

void register_sum_prod_kernels(Registry& r) {
  fill_numeric<reduce::Sum, kSum>(reduce_table(r, ReduceOp::Sum));
  fill_numeric<reduce::Prod, kProd>(reduce_table(r, ReduceOp::Prod));
}

}  // namespace eager::detail::cuda
