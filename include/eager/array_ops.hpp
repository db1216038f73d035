#pragma once
// Shapes and data movement (tf.reshape, tf.transpose, tf.slice, tf.concat,
// ...). Every dtype is supported. Ops marked "view" share memory with their
// input and copy nothing, so they work on any device; the rest return new
// contiguous tensors and throw Unimplemented for tensors not on the CPU.
// Axes may be negative (counted from the end); out-of-range axes throw
// OutOfRange, bad shapes InvalidArgument.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "eager/scalar.hpp"
#include "eager/tensor.hpp"

namespace eager {

// View when x is contiguous, copy otherwise. One dimension may be -1
// (inferred, which needs every other dimension non-zero); the element count
// must match.
Tensor reshape(const Tensor& x, const Shape& shape);
// View: out.shape[i] = x.shape[perm[i]]. perm must be a permutation of the
// axes; it defaults to reversing them (tf.transpose).
Tensor transpose(const Tensor& x, std::optional<std::vector<int>> perm = std::nullopt);
// View. Inserts a size-1 axis at `axis` (in [-rank-1, rank]).
Tensor expand_dims(const Tensor& x, int axis);
// View. Removes the given size-1 axes, or all of them when `axes` is empty;
// naming an axis whose size is not 1 throws InvalidArgument.
Tensor squeeze(const Tensor& x, const std::vector<int>& axes = {});
// View. tf.slice: out = x[begin[i] : begin[i] + size[i]] on every axis;
// `size` -1 means "to the end". Strict, as TF: begin and size need one entry
// per axis, and a range outside the tensor throws InvalidArgument.
Tensor slice(const Tensor& x, const std::vector<std::int64_t>& begin, const std::vector<std::int64_t>& size);
// View. tf.strided_slice / x[b:e:s] per axis, Python semantics: negative
// indices count from the end, out-of-range bounds are clamped, steps may be
// negative (never 0). Omitted trailing axes are taken whole. begin_mask /
// end_mask bit i ignores begin[i] / end[i]; shrink_axis_mask bit i takes
// the single index begin[i] (negative counts from the end; outside the axis
// throws OutOfRange; the stride must be positive) and drops the axis.
// begin, end and strides (when given) have equal lengths, at most the rank.
Tensor strided_slice(const Tensor& x, const std::vector<std::int64_t>& begin, const std::vector<std::int64_t>& end,
                     const std::vector<std::int64_t>& strides = {}, std::int64_t begin_mask = 0,
                     std::int64_t end_mask = 0, std::int64_t shrink_axis_mask = 0);
// View. NumPy broadcasting of x to `shape`: dimensions align from the
// right, size-1 dimensions repeat with stride 0, missing leading ones are added.
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// Joins tensors of equal dtype and rank (>= 1) along an existing axis; the
// other dimensions must match. Inputs may be any views.
Tensor concat(const std::vector<Tensor>& values, int axis);
// Joins tensors of identical shape and dtype along a new axis (in
// [-rank-1, rank]); scalars stack into a vector.
Tensor stack(const std::vector<Tensor>& values, int axis = 0);
// Views. Splits into `num` equal parts along axis (the size must divide).
std::vector<Tensor> split(const Tensor& x, std::int64_t num, int axis = 0);
// Views. Splits into parts of the given sizes, which must add up to the size
// of the axis (one may be -1, inferred).
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, int axis = 0);
// The slices of x along axis, each without that axis (views).
std::vector<Tensor> unstack(const Tensor& x, int axis = 0);
// tf.gather: out = x indexed along `axis` by int32/int64 `indices` (any
// shape); out shape = x.shape[:axis] + indices.shape + x.shape[axis+1:].
// Indices outside [0, dim) throw OutOfRange naming the index and its
// position (TF on CPU does the same); other dtypes throw InvalidArgument.
Tensor gather(const Tensor& x, const Tensor& indices, int axis = 0);
// tf.one_hot: indices of any integer dtype; a new last axis of `depth`
// (>= 0) with out[..., j] = (indices[...] == j ? on_value : off_value);
// out-of-range indices give an all-off row. dtype defaults to float32; on and
// off values must be representable in it.
Tensor one_hot(const Tensor& indices, std::int64_t depth, Scalar on_value = 1.0, Scalar off_value = 0.0,
               std::optional<DType> dtype = std::nullopt);
// tf.pad, CONSTANT mode: paddings[i] = {before, after} (>= 0) for every
// axis; the new elements hold constant_value, which must be representable in
// x's dtype.
Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& paddings,
           Scalar constant_value = 0);
// tf.tile: repeats x multiples[i] (>= 0) times along axis i;
// out[i] = x[i mod x.shape] per axis.
Tensor tile(const Tensor& x, const std::vector<std::int64_t>& multiples);
// tf.reverse along the given axes (each at most once; none: a copy).
Tensor reverse(const Tensor& x, const std::vector<int>& axes);

}  // namespace eager
