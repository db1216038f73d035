#pragma once
// The CUDA elementwise kernels are split over several .cu files so that nvcc
// compiles them in parallel; each file fills its share of the registry.
// register_cuda_elementwise_kernels (registry.hpp) calls them all.
#include "tensor/registry.hpp"

namespace eager::detail::cuda {

void register_unary_numeric_kernels(Registry& r);      // elementwise_unary.cu
void register_unary_float_kernels(Registry& r);        // elementwise_unary_float.cu
void register_binary_arithmetic_kernels(Registry& r);  // elementwise_binary.cu
void register_binary_divmod_pow_kernels(Registry& r);  // elementwise_divmod_pow.cu
void register_binary_compare_kernels(Registry& r);     // elementwise_compare.cu
void register_cast_where_kernels(Registry& r);         // elementwise_cast.cu

}  // namespace eager::detail::cuda
