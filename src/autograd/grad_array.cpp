// Gradient rules of the shape and data-movement ops.
#include "autograd/gradients.hpp"
#include "eager/array_ops.hpp"

namespace eager::autograd {

void record_reshape(const Tensor& x, const Tensor& out) {
  if (!any_recording()) return;
  record("reshape", {x}, {out},
         [](const GradContext& c) { return std::vector<Tensor>{reshape(c.grad(), c.input(0).shape())}; });
}

void record_broadcast_to(const Tensor& x, const Tensor& out) {
  if (!any_recording()) return;
  record("broadcast_to", {x}, {out},
         [](const GradContext& c) { return std::vector<Tensor>{fit_to(c.grad(), c.input(0))}; });
}

}  // namespace eager::autograd
