#pragma once
// Entry points through which the op dispatchers in src/tensor hand a finished
// op to the tape, with its gradient rule. Each checks any_recording() first,
// so they cost nothing when no tape records.
#include "autograd/tape.hpp"
#include "tensor/registry.hpp"

namespace eager::autograd {

void record_unary(eager::detail::UnaryOp op, const Tensor& x, const Tensor& y, double alpha);
void record_binary(eager::detail::BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);
void record_reduce(eager::detail::ReduceOp op, const Tensor& x, const std::vector<int>& axes, bool keepdims,
                   const Tensor& out);
void record_reshape(const Tensor& x, const Tensor& out);
void record_broadcast_to(const Tensor& x, const Tensor& out);

}  // namespace eager::autograd
