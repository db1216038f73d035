// Gradient rules of the reductions, reduce_logsumexp and cumsum, written with
// public ops so that outer tapes can differentiate them again. reduce_mean is
// a composite (sum, then divide) and needs no rule of its own.
#include "autograd/gradients.hpp"
#include "eager/array_ops.hpp"
#include "eager/creation.hpp"
#include "eager/math.hpp"
#include "eager/reduce.hpp"

namespace eager::autograd {

using eager::detail::ReduceOp;

namespace {

// The shape `x` has after reducing `axes` with keepdims, so that a gradient
// or result of the reduced shape broadcasts against x. A 0-d x reduces
// nothing (axis 0 is accepted and marks no dimension).
Shape kept_shape(const Shape& x, const std::vector<int>& axes) {
  Shape kept = x;
  if (axes.empty()) {
    for (int d = 0; d < kept.rank(); ++d) kept[d] = 1;
  } else if (x.rank() > 0) {
    for (int a : axes) kept[a < 0 ? a + x.rank() : a] = 1;
  }
  return kept;
}

// t (of the reduced shape, with or without keepdims) in a shape that
// broadcasts against x like the kept shape: a 0-d t (a full reduction)
// already does.
Tensor as_kept(const Tensor& t, const Shape& kept) {
  return t.rank() == 0 || t.shape() == kept ? t : reshape(t, kept);
}

// d sum / dx: the output gradient repeated over the reduced axes.
Tensor sum_grad(const GradContext& c, const std::vector<int>& axes) {
  const Tensor& x = c.input(0);
  return broadcast_to(as_kept(c.grad(), kept_shape(x.shape(), axes)), x.shape());
}

// d prod / dx_i is the product of the other elements of x_i's slice: prod / x_i
// when the slice holds no zero. With exactly one zero only that element gets
// a gradient (the product of the nonzero ones); with more, none does. prod / x_i
// is kept for nonzero x_i even then (its value is 0), because its derivative
// in the zero element is the right second derivative.
Tensor prod_grad(const GradContext& c, const std::vector<int>& axes) {
  const Tensor& x = c.input(0);
  const Shape kept = kept_shape(x.shape(), axes);
  const Tensor zero = scalar(0, x.dtype(), x.device());
  const Tensor is_zero = equal(x, zero);
  const Tensor safe_x = where(is_zero, scalar(1, x.dtype(), x.device()), x);
  const Tensor zeros_in_slice = reduce_sum(cast(is_zero, x.dtype()), axes, true);
  const Tensor at_single_zero = where(equal(zeros_in_slice, 1), reduce_prod(safe_x, axes, true), zero);
  return where(is_zero, at_single_zero, as_kept(c.output(), kept) / safe_x) * as_kept(c.grad(), kept);
}

// reduce_max / reduce_min: the gradient goes to the elements equal to the
// result, split equally among ties (TF's rule).
Tensor extreme_grad(const GradContext& c, const std::vector<int>& axes) {
  const Tensor& x = c.input(0);
  const Shape kept = kept_shape(x.shape(), axes);
  const Tensor selected = cast(equal(x, as_kept(c.output(), kept)), x.dtype());
  return selected / reduce_sum(selected, axes, true) * as_kept(c.grad(), kept);
}

}  // namespace

void record_reduce(ReduceOp op, const Tensor& x, const std::vector<int>& axes, const Tensor& out) {
  if (!any_recording()) return;
  using Rule = Tensor (*)(const GradContext&, const std::vector<int>&);
  const auto keep = [&](const char* name, Rule rule) {
    record(name, {x}, {out}, [rule, axes](const GradContext& c) { return std::vector<Tensor>{rule(c, axes)}; });
  };
  switch (op) {
    case ReduceOp::Sum: keep("reduce_sum", sum_grad); break;
    case ReduceOp::Prod: keep("reduce_prod", prod_grad); break;
    case ReduceOp::Max: keep("reduce_max", extreme_grad); break;
    case ReduceOp::Min: keep("reduce_min", extreme_grad); break;
    default: break;  // all/any/argmax/argmin give bool or integer results
  }
}

void record_reduce_logsumexp(const Tensor& x, const std::vector<int>& axes, const Tensor& out) {
  if (!any_recording()) return;
  // d lse / dx = exp(x - lse) = softmax over the reduced axes.
  record("reduce_logsumexp", {x}, {out}, [axes](const GradContext& c) {
    const Tensor& x = c.input(0);
    const Shape kept = kept_shape(x.shape(), axes);
    return std::vector<Tensor>{as_kept(c.grad(), kept) * exp(x - as_kept(c.output(), kept))};
  });
}

void record_cumsum(const Tensor& x, int axis, bool exclusive, bool reverse, const Tensor& out) {
  if (!any_recording()) return;
  // Each input feeds the outputs after it (before it when reversed), so the
  // gradient is the cumulative sum in the other direction.
  record("cumsum", {x}, {out}, [axis, exclusive, reverse](const GradContext& c) {
    return std::vector<Tensor>{cumsum(c.grad(), axis, exclusive, !reverse)};
  });
}

}  // namespace eager::autograd
