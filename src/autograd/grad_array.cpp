// Gradient rules of the shape and data-movement ops. Each is written with
// ops that record themselves (public ops, and gather_gradient with gather as
// its own gradient), so an outer tape records the backward pass too and
// nested tapes give higher derivatives.
#include "autograd/grad_array.hpp"

#include <cstdlib>

#include "autograd/gradients.hpp"
#include "eager/array_ops.hpp"
#include "eager/autograd.hpp"
#include "eager/creation.hpp"
#include "eager/reduce.hpp"

namespace eager::autograd {

namespace {

using Paddings = std::vector<std::pair<std::int64_t, std::int64_t>>;

// Rules of ops that only change the shape: the gradient takes x's shape back.
void record_shape_change(const char* op, const Tensor& x, const Tensor& out) {
  record(op, {x}, {out},
         [](const GradContext& c) { return std::vector<Tensor>{reshape(c.grad(), c.input(0).shape())}; });
}

// The inverse of strided_slice for one gradient g of the sliced shape: zeros
// of x's shape with g's elements at the places they were taken from. With
// start b, step s and length L on an axis, element k goes to b + k * s:
// negative steps become positive ones by reversing g, steps |s| > 1 are
// spread out by padding a new axis of size 1 to |s| and merging it, and the
// final pad places the span [low, low + (L - 1) |s|] inside the axis.
Tensor strided_slice_grad(const Tensor& g, const Shape& x_shape, const StridedSliceLayout& layout) {
  if (g.num_elements() == 0) return zeros(x_shape, g.dtype(), g.device());
  const int rank = x_shape.rank();
  Tensor t = reshape(g, layout.length);  // brings back the shrunk axes as size 1
  std::vector<int> flipped;
  Shape interleaved, spread, span;
  Paddings spread_padding, placement;
  bool any_spread = false;
  for (int d = 0; d < rank; ++d) {
    // The layout's step is 1 on axes of one element, so only real steps act here.
    const std::int64_t length = layout.length[d], step = layout.step[d], magnitude = std::abs(step);
    if (step < 0) flipped.push_back(d);
    interleaved.push_back(length);
    spread_padding.emplace_back(0, 0);
    if (magnitude > 1) {
      interleaved.push_back(1);
      spread_padding.emplace_back(0, magnitude - 1);
      any_spread = true;
    }
    spread.push_back(length * magnitude);
    span.push_back((length - 1) * magnitude + 1);
    const std::int64_t low = step < 0 ? layout.start[d] + (length - 1) * step : layout.start[d];
    placement.emplace_back(low, x_shape[d] - low - span[d]);
  }
  if (!flipped.empty()) t = reverse(t, flipped);
  if (any_spread) {
    t = reshape(pad(reshape(t, interleaved), spread_padding), spread);
    t = slice(t, std::vector<std::int64_t>(static_cast<std::size_t>(rank), 0), span.to_vector());
  }
  return pad(t, placement);
}

}  // namespace

void record_reshape(const Tensor& x, const Tensor& out) {
  if (!any_recording()) return;
  record_shape_change("reshape", x, out);
}

void record_broadcast_to(const Tensor& x, const Tensor& out) {
  if (!any_recording()) return;
  record("broadcast_to", {x}, {out},
         [](const GradContext& c) { return std::vector<Tensor>{fit_to(c.grad(), c.input(0))}; });
}

void record_expand_dims(const Tensor& x, const Tensor& out) {
  if (!any_recording()) return;
  record_shape_change("expand_dims", x, out);
}

void record_squeeze(const Tensor& x, const Tensor& out) {
  if (!any_recording()) return;
  record_shape_change("squeeze", x, out);
}

void record_transpose(const Tensor& x, const std::vector<int>& perm, const Tensor& out) {
  if (!any_recording()) return;
  std::vector<int> inverse(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) inverse[static_cast<std::size_t>(perm[i])] = static_cast<int>(i);
  record("transpose", {x}, {out}, [inverse = std::move(inverse)](const GradContext& c) {
    return std::vector<Tensor>{transpose(c.grad(), inverse)};
  });
}

void record_slice(const Tensor& x, const std::vector<std::int64_t>& begin, const Tensor& out) {
  if (!any_recording()) return;
  record("slice", {x}, {out}, [begin](const GradContext& c) {
    const Shape& x_shape = c.input(0).shape();
    const Shape& g_shape = c.grad().shape();
    Paddings paddings;
    for (int d = 0; d < x_shape.rank(); ++d)
      paddings.emplace_back(begin[d], x_shape[d] - begin[d] - g_shape[d]);
    return std::vector<Tensor>{pad(c.grad(), paddings)};
  });
}

void record_strided_slice(const Tensor& x, StridedSliceLayout layout, const Tensor& out) {
  if (!any_recording()) return;
  record("strided_slice", {x}, {out}, [layout = std::move(layout)](const GradContext& c) {
    return std::vector<Tensor>{strided_slice_grad(c.grad(), c.input(0).shape(), layout)};
  });
}

void record_concat(const std::vector<Tensor>& values, int axis, const Tensor& out) {
  if (!any_recording()) return;
  record("concat", values, {out}, [axis](const GradContext& c) {
    std::vector<std::int64_t> sizes;
    for (const Tensor& v : c.inputs) sizes.push_back(v.shape()[axis]);
    return split(c.grad(), sizes, axis);
  });
}

void record_stack(const std::vector<Tensor>& values, int axis, const Tensor& out) {
  if (!any_recording()) return;
  record("stack", values, {out}, [axis](const GradContext& c) { return unstack(c.grad(), axis); });
}

void record_split(const Tensor& x, int axis, const std::vector<Tensor>& outputs) {
  if (!any_recording()) return;
  record("split", {x}, outputs,
         [axis](const GradContext& c) { return std::vector<Tensor>{concat(c.output_grads, axis)}; });
}

void record_unstack(const Tensor& x, int axis, const std::vector<Tensor>& outputs) {
  if (!any_recording()) return;
  record("unstack", {x}, outputs,
         [axis](const GradContext& c) { return std::vector<Tensor>{stack(c.output_grads, axis)}; });
}

void record_gather(const Tensor& x, const Tensor& indices, int axis, const Tensor& out) {
  if (!any_recording()) return;
  record("gather", {x, indices}, {out}, [axis](const GradContext& c) {
    return std::vector<Tensor>{gather_gradient(c.grad(), c.input(1), axis, c.input(0).shape()), Tensor()};
  });
}

void record_gather_gradient(const Tensor& updates, const Tensor& indices, int axis, const Tensor& out) {
  if (!any_recording()) return;
  record("gather gradient", {updates, indices}, {out}, [axis](const GradContext& c) {
    return std::vector<Tensor>{gather(c.grad(), c.input(1), axis), Tensor()};
  });
}

void record_pad(const Tensor& x, const Paddings& paddings, const Tensor& out) {
  if (!any_recording()) return;
  std::vector<std::int64_t> begin;
  for (const auto& p : paddings) begin.push_back(p.first);
  record("pad", {x}, {out}, [begin = std::move(begin)](const GradContext& c) {
    return std::vector<Tensor>{slice(c.grad(), begin, c.input(0).shape().to_vector())};
  });
}

void record_tile(const Tensor& x, const std::vector<std::int64_t>& multiples, const Tensor& out) {
  if (!any_recording()) return;
  record("tile", {x}, {out}, [multiples](const GradContext& c) {
    // g read as [m0, d0, m1, d1, ...] holds one copy of x per index of the m axes.
    const Shape& x_shape = c.input(0).shape();
    Shape split_shape;
    std::vector<int> copy_axes;
    for (int d = 0; d < x_shape.rank(); ++d) {
      copy_axes.push_back(static_cast<int>(split_shape.rank()));
      split_shape.push_back(multiples[d]);
      split_shape.push_back(x_shape[d]);
    }
    if (copy_axes.empty()) return std::vector<Tensor>{c.grad()};
    return std::vector<Tensor>{reduce_sum(reshape(c.grad(), split_shape), copy_axes)};
  });
}

void record_reverse(const Tensor& x, const std::vector<int>& axes, const Tensor& out) {
  if (!any_recording()) return;
  record("reverse", {x}, {out}, [axes](const GradContext& c) { return std::vector<Tensor>{reverse(c.grad(), axes)}; });
}

void record_index(const Tensor& x, std::int64_t index, const Tensor& out) {
  if (!any_recording()) return;
  record("operator[]", {x}, {out}, [index](const GradContext& c) {
    const Shape& x_shape = c.input(0).shape();
    Shape one_row = c.grad().shape();
    one_row.insert(0, 1);
    Paddings paddings(static_cast<std::size_t>(x_shape.rank()), {0, 0});
    paddings[0] = {index, x_shape[0] - index - 1};
    return std::vector<Tensor>{pad(reshape(c.grad(), one_row), paddings)};
  });
}

void record_clone(const Tensor& x, const Tensor& out) {
  if (!any_recording()) return;
  record("clone", {x}, {out}, [](const GradContext& c) { return std::vector<Tensor>{c.grad()}; });
}

void record_to_device(const Tensor& x, const Tensor& out) {
  if (!any_recording()) return;
  const Device from = x.device();
  record("copy_to_device", {x}, {out},
         [from](const GradContext& c) { return std::vector<Tensor>{c.grad().to(from)}; });
}

Tensor untracked_contiguous(const Tensor& x) {
  if (x.is_contiguous()) return x;
  NoGradient untracked;
  return x.clone();
}

}  // namespace eager::autograd
