// Gradient rules of the reductions.
#include <string>

#include "autograd/gradients.hpp"
#include "eager/array_ops.hpp"
#include "eager/creation.hpp"
#include "eager/math.hpp"

namespace eager::autograd {

using eager::detail::ReduceOp;

namespace {

// The shape `x` has after reducing `axes` with keepdims, so that a gradient
// of the reduced shape can be broadcast back over x.
Shape kept_shape(const Shape& x, const std::vector<int>& axes) {
  Shape kept = x;
  if (axes.empty()) {
    for (int d = 0; d < kept.rank(); ++d) kept[d] = 1;
  } else {
    for (int a : axes) kept[a < 0 ? a + x.rank() : a] = 1;
  }
  return kept;
}

// grad of the reduced output, broadcast to x's shape.
Tensor spread(const Tensor& grad, const Tensor& x, const std::vector<int>& axes) {
  return broadcast_to(reshape(grad, kept_shape(x.shape(), axes)), x.shape());
}

}  // namespace

void record_reduce(ReduceOp op, const Tensor& x, const std::vector<int>& axes, bool keepdims, const Tensor& out) {
  if (!any_recording()) return;
  (void)keepdims;
  switch (op) {
    case ReduceOp::Sum:
      record("reduce_sum", {x}, {out}, [axes](const GradContext& c) {
        return std::vector<Tensor>{spread(c.grad(), c.input(0), axes)};
      });
      return;
    default:
      record("reduce", {x}, {out}, [op](const GradContext&) -> std::vector<Tensor> {
        throw Unimplemented("gradient: no gradient rule for reduction " + std::to_string(static_cast<int>(op)));
      });
  }
}

}  // namespace eager::autograd
