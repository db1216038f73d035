#pragma once
// Applies a separable resize map (one weight table per axis) to HWC or NHWC
// images, and the nearest-neighbour gather.
#include <cstdint>

#include "eager/tensor.hpp"
#include "image/resize_weights.hpp"

namespace eager::image::detail {

struct SeparableMap {
  AxisWeights rows;  // over the height axis
  AxisWeights cols;  // over the width axis
};

// The batch, height, width and channels of HWC (batch 1) or NHWC images.
struct Geometry {
  std::int64_t batch, height, width, channels;
};
Geometry geometry_of(const Tensor& images);

// The output of applying `map` to `images`: their shape with the map's
// output height and width, of `dtype`, on the images' device.
Tensor output_like(const Tensor& images, const SeparableMap& map, DType dtype);

// The transposed map (rows and cols transposed), i.e. the gradient's.
SeparableMap transpose(const SeparableMap& map);

// How the two passes are arranged (resize picks by estimated work; tests
// force each to check them against one another).
enum class PassOrder { Auto, Direct, VerticalFirst, HorizontalFirst };

// out[b, y, x, c] = sum_i sum_j rows.w[y][i] cols.w[x][j] in[b, rows.start[y] + i, cols.start[x] + j, c].
// `images`: contiguous CPU, rank 3 or 4, uint8/float32/float64, height and
// width matching the tables' in_size; out_dtype float32 or float64 (also the
// accumulation type). Callers validate; this does not throw on good input.
Tensor apply_separable(const Tensor& images, const SeparableMap& map, DType out_dtype,
                      PassOrder order = PassOrder::Auto);

// Nearest neighbour: tables of span 1 and weight 1; copies
// in[b, rows.start[y], cols.start[x], :] keeping the dtype.
Tensor gather_nearest(const Tensor& images, const SeparableMap& map);

}  // namespace eager::image::detail
