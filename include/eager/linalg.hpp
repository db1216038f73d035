#pragma once
// Matrix products (tf.linalg.matmul).
#include "eager/tensor.hpp"

namespace eager {

// out[..., i, j] = sum_k op(a)[..., i, k] * op(b)[..., k, j], where op
// swaps the last two axes when its transpose flag is set.
//
// Both operands need rank >= 2, and op(a)'s last dimension must equal
// op(b)'s second-to-last (InvalidArgument otherwise). The leading (batch)
// axes broadcast NumPy-style: [2, 1, m, k] @ [3, k, n] -> [2, 3, m, n].
// Operands of different dtypes promote; bool is refused. float32 and float64
// go through BLAS (sgemm/dgemm; transposed views of contiguous matrices are
// passed as transpose flags, not copied); uint8, int32 and int64 use a plain
// kernel whose sums wrap around in the dtype. An inner dimension of 0 gives
// zeros.
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);

}  // namespace eager
