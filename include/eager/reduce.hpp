#pragma once
// Reductions (tf.reduce_*), argmax/argmin and cumsum.
//
// `axes` lists the axes to reduce (negative counts from the end; an axis
// outside [-rank, rank) throws OutOfRange, a repeated axis InvalidArgument);
// an empty list reduces over every axis. A 0-d tensor accepts axis 0 or -1,
// as in TensorFlow. keepdims keeps reduced axes with size 1, so the result
// broadcasts against the input. Reducing an empty axis gives the identity
// (0 for sum, 1 for prod, -inf/lowest for max, +inf/highest for min, true for
// all, false for any); argmax/argmin over an empty axis throw InvalidArgument.
//
//   reduce_sum(constant({{1, 2}, {3, 4}}), {0})        -> [4 6]
//   reduce_sum(constant({{1, 2}, {3, 4}}), {1}, true)  -> [[3] [7]]
//
// Results come out in the input dtype unless said otherwise; integer sums and
// products wrap around like TensorFlow's. Float sums are accumulated pairwise
// (blocked), so their error grows with log(n) rather than n. The result does
// not depend on the number of threads.
#include <cstdint>
#include <vector>

#include "eager/tensor.hpp"

namespace eager {

// sum over the axes of x. Numeric dtypes; bool is refused (cast first).
Tensor reduce_sum(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// sum / count. Floats: NaN for an empty axis. Integers: the mean in the input
// dtype, truncated toward zero as in TF (accumulated in int64, so uint8 images
// do not overflow); an empty axis throws InvalidArgument. bool is refused.
Tensor reduce_mean(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// product over the axes. Numeric dtypes; bool is refused.
Tensor reduce_prod(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// Largest / smallest value; NaN-propagating (any NaN in a slice gives NaN).
// Numeric dtypes; for bool use reduce_any / reduce_all.
Tensor reduce_max(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor reduce_min(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// Logical and / or over the axes; bool only.
Tensor reduce_all(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor reduce_any(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// log(sum(exp(x))), computed as m + log(sum(exp(x - m))) with m the slice's
// maximum, so it neither overflows nor underflows; a slice of all -inf (or an
// empty axis) gives -inf, a slice holding +inf gives +inf. Float dtypes keep
// theirs; integers compute in float32; bool is refused.
Tensor reduce_logsumexp(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// Index along `axis` of the largest / smallest value, with `axis` removed
// from the shape. The first index wins ties; a NaN counts as the extreme for
// both, so the first NaN wins (NumPy's and TensorFlow's argmax behaviour).
// Every dtype including bool. output_type is int64 (default) or int32,
// anything else throws InvalidArgument; 0-d inputs throw OutOfRange.
Tensor argmax(const Tensor& x, int axis = 0, DType output_type = DType::Int64);
Tensor argmin(const Tensor& x, int axis = 0, DType output_type = DType::Int64);
// tf.math.cumsum along one axis, same shape and dtype (numeric; bool refused;
// 0-d inputs throw OutOfRange). For [a, b, c]:
//   cumsum             -> [a, a+b, a+b+c]
//   exclusive          -> [0, a, a+b]
//   reverse            -> [a+b+c, b+c, c]
//   exclusive, reverse -> [b+c, c, 0]
Tensor cumsum(const Tensor& x, int axis = 0, bool exclusive = false, bool reverse = false);

}  // namespace eager
