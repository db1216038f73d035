#pragma once
// Entry points through which the shape and data-movement ops (array_ops.hpp
// and the Tensor methods clone, contiguous and operator[]) hand a finished op
// to the tape. Each returns at once when no tape records. Axes passed here
// have been checked by the op; single axes are normalised (non-negative). record_reshape and
// record_broadcast_to are declared in gradients.hpp.
#include <cstdint>
#include <utility>
#include <vector>

#include "eager/shape.hpp"
#include "eager/tensor.hpp"

namespace eager::autograd {

// out = transpose(x, perm): the gradient is transposed back by perm's inverse.
void record_transpose(const Tensor& x, const std::vector<int>& perm, const Tensor& out);
// out = expand_dims(x, ...) or squeeze(x, ...): the gradient is reshaped back to x's shape.
void record_expand_dims(const Tensor& x, const Tensor& out);
void record_squeeze(const Tensor& x, const Tensor& out);
// out = slice(x, begin, out.shape): the gradient is padded back with zeros.
void record_slice(const Tensor& x, const std::vector<std::int64_t>& begin, const Tensor& out);

// Where strided_slice took its elements, one entry per axis of x: element k
// of the axis in the output came from start + k * step of x, for k in
// [0, length). The step is 1 on axes of at most one element, axes dropped by
// shrink_axis_mask have length 1, and axes the slice did not name have start
// 0 and their full length.
struct StridedSliceLayout {
  Strides start;
  Strides step;
  Shape length;
};
// out = strided_slice(x, ...): the gradient is scattered back into zeros with
// reshape, reverse, pad and slice, so it is itself differentiable.
void record_strided_slice(const Tensor& x, StridedSliceLayout layout, const Tensor& out);

// out = concat(values, axis) / stack(values, axis): the gradient is split / unstacked.
void record_concat(const std::vector<Tensor>& values, int axis, const Tensor& out);
void record_stack(const std::vector<Tensor>& values, int axis, const Tensor& out);
// outputs = split(x, ..., axis) / unstack(x, axis), recorded as one op with
// several outputs: the output gradients are concatenated / stacked.
void record_split(const Tensor& x, int axis, const std::vector<Tensor>& outputs);
void record_unstack(const Tensor& x, int axis, const std::vector<Tensor>& outputs);

// out = gather(x, indices, axis): the gradient is gather_gradient of the
// output gradient; indices get none.
void record_gather(const Tensor& x, const Tensor& indices, int axis, const Tensor& out);
// The gradient of gather as an op of its own: zeros of `shape` (x's shape)
// with updates[..., n, ...] (gather's output shape, floating) added at
// index indices[n] along `axis`; repeated indices add up. Indices outside
// the axis throw OutOfRange. CPU only. It is recorded with gather as its
// gradient, so gather is differentiable to any order. In array_copy_ops.cpp.
Tensor gather_gradient(const Tensor& updates, const Tensor& indices, int axis, const Shape& shape);
void record_gather_gradient(const Tensor& updates, const Tensor& indices, int axis, const Tensor& out);
// out = pad(x, paddings, value): the gradient is the slice of x's place in out.
void record_pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& paddings,
                const Tensor& out);
// out = tile(x, multiples): the gradient sums the copies.
void record_tile(const Tensor& x, const std::vector<std::int64_t>& multiples, const Tensor& out);
// out = reverse(x, axes): the gradient is reversed along the same axes.
void record_reverse(const Tensor& x, const std::vector<int>& axes, const Tensor& out);

// out = x[index] (index in [0, x.shape[0])): the gradient is padded back along axis 0.
void record_index(const Tensor& x, std::int64_t index, const Tensor& out);
// out = x.clone() (and so x.contiguous() when it copies): identity gradient.
void record_clone(const Tensor& x, const Tensor& out);

// out = x.to(device) for another device: the gradient goes back to x's device.
void record_to_device(const Tensor& x, const Tensor& out);

// x.contiguous() kept off the tapes, for ops that record themselves with x as
// their input: a recorded copy would only keep memory alive.
Tensor untracked_contiguous(const Tensor& x);

}  // namespace eager::autograd
