// register_cuda_reduction_kernels: the CUDA slots of every ReduceOp and of
// cumsum, for the dtypes the CPU kernels fill.
#include "cuda/reduction_register.hpp"

namespace eager::detail {

void register_cuda_reduction_kernels(Registry& r) {
  cuda::register_sum_prod_kernels(r);
  cuda::register_max_min_kernels(r);
  cuda::register_all_any_kernels(r);
  cuda::register_argmax_argmin_kernels(r);
  cuda::register_cumsum_kernels(r);
}

}  // namespace eager::detail
