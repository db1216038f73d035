// Fills the CUDA slots of the elementwise tables: exactly the slots the CPU
// fills (a host test checks it), with kernels built from the same functors.
#include "elementwise_kernels.hpp"

namespace eager::detail {

void register_cuda_elementwise_kernels(Registry& r) {
  cuda::register_unary_numeric_kernels(r);
  cuda::register_unary_float_kernels(r);
  cuda::register_binary_arithmetic_kernels(r);
  cuda::register_binary_divmod_pow_kernels(r);
  cuda::register_binary_compare_kernels(r);
  cuda::register_cast_where_kernels(r);
}

}  // namespace eager::detail
