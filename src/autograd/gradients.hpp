#pragma once
// Entry points through which the op dispatchers in src/tensor hand a finished
// op to the tape, with its gradient rule. Each checks any_recording() first,
// so they cost nothing when no tape records. Inputs are the op's arguments as
// the caller passed them (before any dtype conversion), so gradients come
// back in the caller's dtypes.
#include "autograd/tape.hpp"
#include "tensor/registry.hpp"

namespace eager::autograd {

// Elementwise (grad_elementwise.cpp). alpha is leaky_relu's slope.
void record_unary(eager::detail::UnaryOp op, const Tensor& x, const Tensor& y, double alpha);
void record_binary(eager::detail::BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);
void record_where(const Tensor& condition, const Tensor& x, const Tensor& y, const Tensor& out);
// A float-to-float cast; other casts carry no gradient.
void record_cast(const Tensor& x, const Tensor& out);

// Reductions and scans (grad_reduce.cpp). `axes` as the caller gave them
// (validated); the rules work whether or not the output kept its dimensions.
void record_reduce(eager::detail::ReduceOp op, const Tensor& x, const std::vector<int>& axes, const Tensor& out);
void record_reduce_logsumexp(const Tensor& x, const std::vector<int>& axes, const Tensor& out);
void record_cumsum(const Tensor& x, int axis, bool exclusive, bool reverse, const Tensor& out);

// matmul (grad_matmul.cpp).
void record_matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b, const Tensor& out);

// eager::nn (grad_nn.cpp). `axis` is already normalised to [0, rank).
void record_softmax(const Tensor& logits, int axis, const Tensor& out);
void record_log_softmax(const Tensor& logits, int axis, const Tensor& out);
void record_sparse_softmax_cross_entropy(const Tensor& labels, const Tensor& logits, const Tensor& loss);
void record_softmax_cross_entropy(const Tensor& labels, const Tensor& logits, int axis, const Tensor& loss);
void record_sigmoid_cross_entropy(const Tensor& labels, const Tensor& logits, const Tensor& loss);
void record_l2_loss(const Tensor& t, const Tensor& loss);

// Shape and data-movement ops (grad_array.cpp).
void record_reshape(const Tensor& x, const Tensor& out);
void record_broadcast_to(const Tensor& x, const Tensor& out);

}  // namespace eager::autograd
