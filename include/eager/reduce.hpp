#pragma once
// Reductions (tf.reduce_*), argmax/argmin and cumsum.
//
// `axes` lists the axes to reduce (negative counts from the end, duplicates
// refused); an empty list reduces over every axis. keepdims keeps reduced
// axes with size 1. Reducing an empty axis gives the identity (0 for sum,
// 1 for prod, -inf/lowest for max, +inf/highest for min, true for all, false
// for any); argmax/argmin over an empty axis throw InvalidArgument.
#include <cstdint>
#include <vector>

#include "eager/tensor.hpp"

namespace eager {

// Sum in the input dtype; bool is refused (cast first).
Tensor reduce_sum(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// Mean; integer inputs give an integer mean truncated toward zero, as in TF.
Tensor reduce_mean(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor reduce_prod(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// NaN-propagating.
Tensor reduce_max(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor reduce_min(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// bool only.
Tensor reduce_all(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor reduce_any(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// log(sum(exp(x))), computed as max + log(sum(exp(x - max))) so it neither
// overflows nor underflows; floating dtypes (integers in float32).
Tensor reduce_logsumexp(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
// Index of the largest / smallest value along one axis (first on ties),
// int64 by default (int32 on request).
Tensor argmax(const Tensor& x, int axis = 0, DType output_type = DType::Int64);
Tensor argmin(const Tensor& x, int axis = 0, DType output_type = DType::Int64);
// tf.math.cumsum along one axis; exclusive leaves out the element itself,
// reverse sums from the end.
Tensor cumsum(const Tensor& x, int axis = 0, bool exclusive = false, bool reverse = false);

}  // namespace eager
