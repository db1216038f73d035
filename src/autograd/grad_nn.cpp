// Gradient rules of the fused eager::nn ops (softmax, log_softmax, the
// cross-entropies), written with public ops, nn::softmax among them, so that
// outer tapes can differentiate them again; l2_loss and the sigmoid
// cross-entropy, composites recorded as one op each, are here too.
#include "autograd/gradients.hpp"
#include "eager/array_ops.hpp"
#include "eager/math.hpp"
#include "eager/nn.hpp"
#include "eager/reduce.hpp"

namespace eager::autograd {

namespace {

// A per-example gradient (logits' shape without `axis`) with a size-1 axis
// put back at `axis`, so that it broadcasts against the logits.
Tensor per_example(const Tensor& g, const Tensor& logits, int axis) {
  Shape kept = logits.shape();
  kept[axis] = 1;
  return reshape(g, kept);
}

}  // namespace

void record_softmax(const Tensor& logits, int axis, const Tensor& out) {
  if (!any_recording()) return;
  // d softmax: s * (g - sum(g * s)) along the axis.
  record("softmax", {logits}, {out}, [axis](const GradContext& c) {
    const Tensor& s = c.output();
    const Tensor& g = c.grad();
    return std::vector<Tensor>{s * (g - reduce_sum(g * s, {axis}, true))};
  });
}

void record_log_softmax(const Tensor& logits, int axis, const Tensor& out) {
  if (!any_recording()) return;
  // d log_softmax: g - softmax * sum(g) along the axis, softmax = exp(output).
  record("log_softmax", {logits}, {out}, [axis](const GradContext& c) {
    const Tensor& g = c.grad();
    return std::vector<Tensor>{g - reduce_sum(g, {axis}, true) * exp(c.output())};
  });
}

void record_sparse_softmax_cross_entropy(const Tensor& labels, const Tensor& logits, const Tensor& loss) {
  if (!any_recording()) return;
  // d loss / d logits = g * (softmax(logits) - one_hot(labels)); integer
  // labels get none.
  record("sparse_softmax_cross_entropy_with_logits", {labels, logits}, {loss}, [](const GradContext& c) {
    const Tensor& labels = c.input(0);
    const Tensor& logits = c.input(1);
    const int last = logits.rank() - 1;
    const Tensor target = one_hot(labels, logits.shape()[last], 1.0, 0.0, logits.dtype());
    return std::vector<Tensor>{Tensor(), per_example(c.grad(), logits, last) * (nn::softmax(logits) - target)};
  });
}

void record_softmax_cross_entropy(const Tensor& labels, const Tensor& logits, int axis, const Tensor& loss) {
  if (!any_recording()) return;
  // d loss / d logits = g * (softmax(logits) - labels) and
  // d loss / d labels = -g * log_softmax(logits), as TF.
  record("softmax_cross_entropy_with_logits", {labels, logits}, {loss}, [axis](const GradContext& c) {
    const Tensor& labels = c.input(0);
    const Tensor& logits = c.input(1);
    const Tensor g = per_example(c.grad(), logits, axis);
    Tensor grad_labels, grad_logits;
    if (c.needs(0)) grad_labels = fit_to(negative(g * nn::log_softmax(logits, axis)), labels);
    if (c.needs(1)) grad_logits = g * (nn::softmax(logits, axis) - cast(labels, logits.dtype()));
    return std::vector<Tensor>{grad_labels, grad_logits};
  });
}

void record_l2_loss(const Tensor& t, const Tensor& loss) {
  if (!any_recording()) return;
  // loss = sum(t^2) / 2: d/dt = g t, with g a 0-d tensor broadcast in one pass.
  record("l2_loss", {t}, {loss}, [](const GradContext& c) {
    return std::vector<Tensor>{c.grad() * c.input(0)};
  });
}

void record_sigmoid_cross_entropy(const Tensor& labels, const Tensor& logits, const Tensor& loss) {
  if (!any_recording()) return;
  // loss = max(x, 0) - x z + log(1 + e^-|x|) = -z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x)):
  // d/dx = sigmoid(x) - z, also at x = 0 where the pieces of the stable form
  // have kinks; d/dz = -x (as TF).
  record("sigmoid_cross_entropy_with_logits", {labels, logits}, {loss}, [](const GradContext& c) {
    const Tensor& labels = c.input(0);
    const Tensor& logits = c.input(1);
    const Tensor& g = c.grad();
    Tensor grad_labels, grad_logits;
    if (c.needs(0)) grad_labels = fit_to(negative(g * logits), labels);
    if (c.needs(1)) grad_logits = g * (sigmoid(logits) - cast(labels, logits.dtype()));
    return std::vector<Tensor>{grad_labels, grad_logits};
  });
}

}  // namespace eager::autograd
