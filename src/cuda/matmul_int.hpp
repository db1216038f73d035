#pragma once
// The integer matmul kernels of the CUDA backend (matmul_int.cu); cuBLAS
// has no wrapping integer GEMM.
#include "tensor/registry.hpp"

namespace eager::detail::cuda {

// Fills the CUDA matmul slots of uint8, int32 and int64.
void register_int_matmul_kernels(Registry& r);

}  // namespace eager::detail::cuda
