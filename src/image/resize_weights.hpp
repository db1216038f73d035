#pragma once
// The per-axis weight tables behind every resize method. Each method is a
// separable linear map, so one table per axis describes it completely: for
// each output index, a run of `span` consecutive input indices starting at
// start[o] and their weights. The builders reproduce TensorFlow's kernels'
// float32 arithmetic so that the weights are the very numbers TF uses.
#include <cstdint>
#include <vector>

namespace eager::image::detail {

struct AxisWeights {
  std::int64_t in_size = 0;
  std::int64_t out_size = 0;
  // Taps per output index; runs are padded with zero weights to this length
  // and start early enough that start[o] + span <= in_size.
  std::int64_t span = 0;
  std::vector<std::int64_t> start;  // out_size entries
  std::vector<float> weights;       // out_size * span entries, row-major

  const float* weights_of(std::int64_t o) const { return weights.data() + o * span; }
};

// The map's transpose (the gradient): out_size and in_size swap, and input
// index i receives weight w from output o wherever o read i with weight w.
AxisWeights transpose(const AxisWeights& axis);

// Sampling positions as TF's ImageResizerState: scale = in / out, or
// (in - 1) / (out - 1) with align_corners and out > 1, in float32.
float resize_scale(std::int64_t in_size, std::int64_t out_size, bool align_corners);

// ResizeBilinear: half-pixel centres, or TF1's legacy positions p = o * scale.
AxisWeights bilinear_weights(std::int64_t in_size, std::int64_t out_size, float scale, bool half_pixel_centers);
// ResizeNearestNeighbor: one tap of weight 1.
AxisWeights nearest_weights(std::int64_t in_size, std::int64_t out_size, float scale, bool half_pixel_centers,
                            bool align_corners);
// ResizeBicubic: Keys a = -0.5 with renormalised borders (half-pixel), or
// a = -0.75 with clamped indices (legacy).
AxisWeights bicubic_weights(std::int64_t in_size, std::int64_t out_size, float scale, bool half_pixel_centers);
// ResizeArea, including its 1 / scale normalisation.
AxisWeights area_weights(std::int64_t in_size, std::int64_t out_size, float scale);

// ScaleAndTranslate's sampling kernels (translation 0, scale out / in).
enum class SamplingKernel { Lanczos3, Lanczos5, Gaussian, Triangle, KeysCubic, MitchellCubic };
AxisWeights scale_weights(SamplingKernel kernel, std::int64_t in_size, std::int64_t out_size, bool antialias);

}  // namespace eager::image::detail
