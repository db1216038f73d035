#pragma once
// tf.image.resize and its relatives: tf.compat.v1.image.resize,
// tf.image.resize_with_pad and tf.image.crop_and_resize.
//
// Shapes. `images` is one image [height, width, channels] (HWC) or a batch
// [batch, height, width, channels] (NHWC); the result has the same rank, the
// new height and width, and the same batch and channels. An empty batch is
// allowed; height, width and channels must be positive.
//
// Dtypes (TensorFlow's rules). uint8, float32 and float64 images. Every
// method returns float32, except Nearest, which returns the input's dtype
// (its values are copies). A float64 image is read as float32, as
// TensorFlow's kernels read it, so its float32 result is TensorFlow's.
//
// How a result is computed. Every method is a separable linear map: for each
// output row a few input rows with weights, for each output column a few
// input columns with weights, out[y, x] = sum_i sum_j wy[y][i] wx[x][j]
// in[sy + i, sx + j]. The weights are computed with TensorFlow's own float32
// formulas (below, per method) and applied in two passes (rows, then columns,
// or the other way round, whichever does less work); the passes are
// parallelised over output rows. Nearest copies in[sy, sx] instead.
//
// Gradients. For floating images, resize, resize_v1 and crop_and_resize are
// differentiable with respect to the image: the gradient is the transposed
// map (what TensorFlow's ResizeBilinearGrad, ResizeBicubicGrad,
// ResizeNearestNeighborGrad, ScaleAndTranslateGrad and
// CropAndResizeGradImage compute), itself differentiable, so higher
// derivatives work. Area has a gradient here although TensorFlow defines
// none. crop_and_resize has no gradient with respect to the boxes.
//
// Errors. InvalidArgument naming the function for: rank other than 3 or 4; a
// zero height, width or channel count (TF's "input image must be of non-zero
// size" / "image must have at least one channel"); a dtype other than uint8,
// float32 or float64; a requested or computed output size that is not
// positive or exceeds int32 (TF's "output dimensions must be positive");
// Lanczos3/Lanczos5/Gaussian/MitchellCubic given to resize_v1 or
// crop_and_resize. resize, resize_v1 and resize_with_pad run on the CPU and
// on CUDA GPUs (same weight tables; within 1e-4 of each other on a 0..255
// scale, nearest identical). crop_and_resize is CPU-only: Unimplemented for
// GPU tensors unless eager::config::set_soft_device_placement(true), which
// runs it on the CPU.
//
// Matching TensorFlow 2.21 (golden files in test/image/golden/resize*.npz,
// made by tools/image_golden/resize.py): the results agree within a few
// float32 roundings, about 1e-4 on a 0..255 scale; the weights are the same
// float32 numbers, only the order of the additions differs.
#include <cstdint>
#include <string>

#include "eager/tensor.hpp"

namespace eager::image {

// The methods of tf.image.ResizeMethod.
//
// With half-pixel centres (TF2), output index o of an axis of input size n
// and output size m samples the input at p = (o + 0.5) * s - 0.5, s = n / m
// (all in float32).
// - Bilinear: input indices floor(p) and ceil(p) clamped to [0, n), weights
//   1 - f and f with f = p - floor(p) (TF's ResizeBilinear).
//   With antialias: the triangle filter of Scale (below).
// - Nearest: index floor((o + 0.5) * s) clamped to [0, n) (TF's
//   ResizeNearestNeighbor with half_pixel_centers); antialias is ignored.
// - Bicubic: Keys' cubic convolution with a = -0.5 on the four indices
//   floor(p) - 1 .. floor(p) + 2, the weights looked up in TF's 1024-entry
//   table at round(f * 1024); taps outside the image get weight 0 and the
//   others are renormalised to sum 1 (TF's ResizeBicubic). With antialias:
//   the Keys cubic filter of Scale.
// - Area: each output pixel is the average of the input area it covers,
//   partial pixels weighted by the covered fraction (TF's ResizeArea, which
//   ignores antialias and uses top-left-anchored cells, as in TF1).
// - Scale (Lanczos3, Lanczos5, Gaussian, MitchellCubic, and Bilinear or
//   Bicubic with antialias; TF's ScaleAndTranslate): the kernel k of radius
//   r is centred at c = (o + 0.5) / (m / n); with antialias and m < n it is
//   stretched by n / m (a low-pass filter), otherwise not; weights
//   k((j + 0.5 - c) / stretch) for the input indices j within r * stretch
//   of c - 0.5, normalised to sum 1. Lanczos3/5: sinc windowed by sinc,
//   radius 3/5. Gaussian: exp(-x^2 / (2 * 0.5^2)), radius 1.5.
//   MitchellCubic: Mitchell-Netravali B = C = 1/3, radius 2.
enum class ResizeMethod { Bilinear, Nearest, Bicubic, Area, Lanczos3, Lanczos5, Gaussian, MitchellCubic };

// "bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
// "gaussian", "mitchellcubic" as TensorFlow spells them; InvalidArgument
// (listing these) otherwise.
ResizeMethod resize_method_from_string(const std::string& name);
const char* to_string(ResizeMethod method);

struct ResizeOptions {
  ResizeMethod method = ResizeMethod::Bilinear;
  // Fit inside height x width keeping the aspect ratio, as TF: with
  // s = min(height / in_height, width / in_width) in float32 the output is
  // round_half_even(s * in_height) x round_half_even(s * in_width); may
  // scale up.
  bool preserve_aspect_ratio = false;
  // Low-pass filter when downsampling (Bilinear, Bicubic and the Scale
  // methods; ignored by Nearest and Area).
  bool antialias = false;
};

// tf.image.resize (TF2: half-pixel centres). Always resamples, also when the
// size does not change (a Bilinear resize to the same size is an exact copy
// converted to float32).
Tensor resize(const Tensor& images, std::int64_t height, std::int64_t width, const ResizeOptions& options = {});

// tf.compat.v1.image.resize (tf.image.resize_images), for ported TF1 code.
// No antialias, and the legacy sampling positions: p = o * s with s = n / m,
// or with align_corners (and m > 1) s = (n - 1) / (m - 1), which maps the
// corner pixels' centres onto each other.
// - Bilinear: indices floor(p), min(ceil(p), n - 1), weights as above.
// - Nearest: index min(floor(p), n - 1), or min(round(p), n - 1) with
//   align_corners (round half away from zero).
// - Bicubic: Keys' cubic with a = -0.75 (TF1's table), indices clamped to
//   the image (edge pixels repeat), no renormalisation.
// - Area: as resize's Area with this s (with align_corners the cells may
//   reach past the image, whose edge pixels then count again).
// When the size does not change the images are returned unchanged (any
// dtype), as TF1 does. Other methods: InvalidArgument.
struct ResizeV1Options {
  ResizeMethod method = ResizeMethod::Bilinear;
  bool align_corners = false;
  bool preserve_aspect_ratio = false;
};
Tensor resize_v1(const Tensor& images, std::int64_t height, std::int64_t width, const ResizeV1Options& options = {});

// tf.image.resize_with_pad: resizes to fit inside target_height x
// target_width keeping the aspect ratio, then pads with zeros, centred.
// TF's float32 arithmetic: ratio = max(width / target_width, height /
// target_height), resized size floor(height / ratio) x floor(width / ratio),
// top padding max(0, floor((target_height - height / ratio) / 2)), left
// likewise, the rest at the bottom and right. Result dtype as resize's.
// InvalidArgument when a target is not positive or the resized size would be
// 0 (an image far too thin for the target).
Tensor resize_with_pad(const Tensor& image, std::int64_t target_height, std::int64_t target_width,
                       ResizeMethod method = ResizeMethod::Bilinear, bool antialias = false);

// tf.image.crop_and_resize: out[b] = the box boxes[b] = [y1, x1, y2, x2]
// (normalised: 0 and 1 are the centres of the first and last pixel) of
// images[box_indices[b]], sampled on a crop_height x crop_width grid.
// Sample y of a box sits at y1 * (H - 1) + y * (y2 - y1) * (H - 1) /
// (crop_height - 1) (at the box's centre when crop_height is 1), likewise for
// x; y1 > y2 flips the crop. Samples outside [0, H - 1] x [0, W - 1] take
// extrapolation_value; inside, Bilinear interpolates the 4 neighbours and
// Nearest takes the nearest pixel (round half away from zero). All in
// float32, as TensorFlow.
//
// images: NHWC (rank 4), uint8, float32 or float64. boxes: [num_boxes, 4]
// float32 (float64 is converted). box_indices: [num_boxes] int32 or int64,
// each in [0, batch). Result: [num_boxes, crop_height, crop_width, channels]
// float32. Errors: InvalidArgument for wrong ranks or shapes, non-positive
// crop sizes, non-finite boxes or a method other than Bilinear or Nearest;
// OutOfRange for a box index outside [0, batch) (TF's error types).
Tensor crop_and_resize(const Tensor& images, const Tensor& boxes, const Tensor& box_indices, std::int64_t crop_height,
                       std::int64_t crop_width, ResizeMethod method = ResizeMethod::Bilinear,
                       double extrapolation_value = 0.0);

}  // namespace eager::image
