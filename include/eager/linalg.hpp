#pragma once
// Matrix products (tf.linalg.matmul).
#include "eager/tensor.hpp"

namespace eager {

// a @ b over the last two axes, with optional transposes; leading (batch)
// axes broadcast. Rank >= 2 for both; a's inner dimension must equal b's.
// float32 and float64 go through BLAS, integers through a plain kernel; bool
// is refused. Operands of different dtypes promote.
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);

}  // namespace eager
