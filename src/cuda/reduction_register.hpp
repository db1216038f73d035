#pragma once
// The CUDA reduction kernels are compiled in several .cu files (each in well
// under a minute); each fills its ops' slots, and
// register_cuda_reduction_kernels (reduction_register.cpp) calls them all.
#include "tensor/registry.hpp"

namespace eager::detail::cuda {

void register_sum_prod_kernels(Registry& r);     // reduction_sum.cu
void register_max_min_kernels(Registry& r);      // reduction_minmax.cu
void register_all_any_kernels(Registry& r);      // reduction_minmax.cu
void register_argmax_argmin_kernels(Registry& r);  // reduction_arg.cu
void register_cumsum_kernels(Registry& r);       // scan_kernels.cu

}  // namespace eager::detail::cuda
