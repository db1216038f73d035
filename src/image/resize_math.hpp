#pragma once
// The GPU's form of the separable resize engine, per output element, so that
// the CUDA kernels (src/cuda/image_resize.cu) are plain loops over these
// functions and the host tests run the very same arithmetic.
//
// The map is applied as two passes over one axis each, rows then columns or
// columns then rows, whichever multiplies less (the CPU engine's estimate
// without its cache terms). An element of a pass is the sum, in tap order,
// of weight * value in the accumulation type, each product rounded on its
// own (pixel::mul); taps of weight 0 (padding and clamped borders) are
// skipped, as the CPU's vertical pass skips them. The CPU engine chooses
// among three arrangements with vector-friendly groupings of the same
// products, so the two agree to the rounding of a float sum: about
// span * 2^-24 of the largest |weight * value| (tested within 1e-3 on a
// 0..255 scale, 1e-9 in float64), not bit for bit.
#include <cstdint>

#include "image/color_math.hpp"  // pixel::mul
#include "image/resize_kernels.hpp"  // PassOrder

namespace eager::image::detail {

// One pass: src [outer, in_size, inner] -> dst [outer, out_size, inner],
// dst[a, o, i] = sum over k < span of weights[o * span + k] *
// src[a, start[o] + k, i].
struct AxisPass {
  const std::int64_t* start = nullptr;  // out_size entries
  const float* weights = nullptr;       // out_size * span entries
  std::int64_t span = 0, in_size = 0, out_size = 0, inner = 0, outer = 0;

  std::int64_t out_elements() const { return outer * out_size * inner; }
};

// Element e of the pass's output (row-major [outer, out_size, inner]).
template <class Acc, class Src> EAGER_HD Acc axis_pass_value(const AxisPass& p, const Src* src, std::int64_t e) {
  const std::int64_t i = e % p.inner;
  const std::int64_t rest = e / p.inner;
  const std::int64_t o = rest % p.out_size;
  const std::int64_t a = rest / p.out_size;
  const Src* column = src + (a * p.in_size + p.start[o]) * p.inner + i;
  const float* w = p.weights + o * p.span;
  Acc acc = Acc(0);
  for (std::int64_t k = 0; k < p.span; ++k)
    if (w[k] != 0.0f) acc = acc + pixel::mul(static_cast<Acc>(w[k]), static_cast<Acc>(column[k * p.inner]));
  return acc;
}

// The two passes for [batch, height, width, channels] images and tables of
// out_rows x span_rows and out_cols x span_cols. The caller sets the table
// pointers of `rows` and `cols`; the first pass writes `intermediate`
// elements of the accumulation type, the second the output. `order`
// VerticalFirst / HorizontalFirst forces rows / columns first (tests);
// otherwise the cheaper order is taken.
struct TwoPassPlan {
  bool rows_first = true;
  AxisPass rows, cols;
  std::int64_t intermediate = 0;

  const AxisPass& first() const { return rows_first ? rows : cols; }
  const AxisPass& second() const { return rows_first ? cols : rows; }
};

inline TwoPassPlan plan_two_passes(std::int64_t batch, std::int64_t height, std::int64_t width, std::int64_t channels,
                                   std::int64_t out_rows, std::int64_t span_rows, std::int64_t out_cols,
                                   std::int64_t span_cols, PassOrder order = PassOrder::Auto) {
  const double out = double(batch) * double(out_rows) * double(out_cols) * double(channels);
  const double rows_first_cost =
      double(batch) * double(out_rows) * double(width) * double(channels) * double(span_rows) + out * double(span_cols);
  const double cols_first_cost =
      double(batch) * double(height) * double(out_cols) * double(channels) * double(span_cols) + out * double(span_rows);
  TwoPassPlan plan;
  plan.rows_first = order == PassOrder::VerticalFirst    ? true
                    : order == PassOrder::HorizontalFirst ? false
                                                          : rows_first_cost <= cols_first_cost;
  // Rows: [batch, height, w * channels] -> [batch, out_rows, w * channels],
  // w the width the pass sees. Columns: [batch * h, width, channels] ->
  // [batch * h, out_cols, channels], h the height it sees.
  const std::int64_t rows_width = plan.rows_first ? width : out_cols;
  const std::int64_t cols_height = plan.rows_first ? out_rows : height;
  plan.rows.span = span_rows;
  plan.rows.in_size = height;
  plan.rows.out_size = out_rows;
  plan.rows.inner = rows_width * channels;
  plan.rows.outer = batch;
  plan.cols.span = span_cols;
  plan.cols.in_size = width;
  plan.cols.out_size = out_cols;
  plan.cols.inner = channels;
  plan.cols.outer = batch * cols_height;
  plan.intermediate = plan.first().out_elements();
  return plan;
}

// Nearest neighbour: the input element that output element e of
// [batch, out_rows, out_cols, channels] copies (span-1 tables).
EAGER_HD inline std::int64_t nearest_source(std::int64_t e, std::int64_t height, std::int64_t width,
                                            std::int64_t channels, std::int64_t out_rows, std::int64_t out_cols,
                                            const std::int64_t* row_start, const std::int64_t* col_start) {
  const std::int64_t c = e % channels;
  std::int64_t rest = e / channels;
  const std::int64_t x = rest % out_cols;
  rest /= out_cols;
  const std::int64_t y = rest % out_rows;
  const std::int64_t b = rest / out_rows;
  return ((b * height + row_start[y]) * width + col_start[x]) * channels + c;
}

}  // namespace eager::image::detail
