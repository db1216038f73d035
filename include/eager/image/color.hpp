#pragma once
// tf.image colour functions: dtype conversion, colour spaces, adjustments and
// their random variants, matching TensorFlow 2.21.
//
// Shapes. Images have their channels last. Each function accepts what
// TensorFlow accepts, which always includes one image [height, width,
// channels] (HWC) and a batch [batch, height, width, channels] (NHWC):
//   - pixelwise conversions (rgb_to_hsv, hsv_to_rgb, rgb_to_yuv, yuv_to_rgb,
//     rgb_to_grayscale): any rank >= 1 whose last dimension is 3;
//     grayscale_to_rgb: rank >= 2 with last dimension 1;
//   - per-image statistics and the HSV adjustments (adjust_contrast,
//     per_image_standardization, adjust_hue, adjust_saturation): rank >= 3,
//     the last three dimensions being height, width, channels and every
//     dimension before them a batch dimension;
//   - elementwise functions (convert_image_dtype, adjust_brightness,
//     adjust_gamma): any shape.
// Empty tensors give empty results of the right shape and dtype.
//
// Dtypes. uint8, int32 and int64 images hold values in [0, MAX] (MAX the
// dtype's largest value), float32 and float64 images values in [0, 1]; bool
// images are refused everywhere except grayscale_to_rgb (a tile). The
// adjustments work in floating point: an integer image is converted with
// convert_image_dtype to float32, adjusted, and converted back to its own
// dtype (with saturation where TensorFlow saturates: brightness, contrast,
// gamma; without for hue, saturation and grayscale, whose results stay in
// range), so uint8 in gives uint8 out. rgb_to_hsv, hsv_to_rgb, rgb_to_yuv and
// yuv_to_rgb take float32 and float64 only, as TensorFlow's kernels.
//
// float64. TensorFlow rounds float64 images through float32 in the
// adjustments and in rgb_to_grayscale (and per_image_standardization returns
// float32 for them); eager computes float64 images in float64 and returns
// float64, so that they keep their precision and can be checked with
// check_gradients. Results then differ from TensorFlow's by float32 rounding
// (below 1e-6 for values in [0, 1]).
//
// Devices and gradients. convert_image_dtype, rgb_to_grayscale,
// grayscale_to_rgb, rgb_to_yuv, yuv_to_rgb, adjust_brightness,
// adjust_contrast, adjust_gamma and per_image_standardization are built from
// eager's public ops: they run on every device and, for floating images, are
// differentiable. On the CPU some take fast paths with the same values:
// uint8 brightness and gamma through a 256-entry table, uint8 <-> float
// convert_image_dtype in one pass, and adjust_contrast as a fused kernel
// that records its own gradient (factor g + (1 - factor) mean(g)).
// adjust_hue, adjust_saturation, rgb_to_hsv and hsv_to_rgb have kernels on
// the CPU and on CUDA GPUs, from the same per-pixel math (identical bits);
// the fast paths above run on both too. rgb_to_hsv records a gradient rule, as
// TensorFlow registers one: the piecewise derivatives of H, S and V, with
// TF's choice of maximum (R, G, B) and minimum (B, G, R) on ties; it matches
// TF's except that TF zeroes dS/dmin where the minimum channel is 0, where
// eager keeps the derivative -1 / V. hsv_to_rgb, adjust_hue
// and adjust_saturation have none, as in TensorFlow: a tape does not record
// them, so gradients through them are unconnected (none).
//
// Errors. InvalidArgument naming the function ("image::adjust_hue: ...") with
// the shape or dtype for a rank or channel count the function does not
// accept, a dtype it does not accept and an argument out of its range (each
// function lists its own).
//
// Matching TensorFlow. Golden outputs made by TensorFlow 2.21
// (tools/image_golden/color.py -> test/image/golden/color.npz) on photo crops
// (uint8 and float32), random float32/float64 images and edge cases (grey,
// saturated and tied pixels, hues near the wrap-around, values outside [0, 1]
// for YUV). The tests allow 1e-6 for float results (largest difference
// seen: 5e-7, from the order of additions in reductions and matmuls and from
// fused multiply-adds), 1 unit for uint8 (every uint8 result of the golden
// set is exact), 256 for int32 images (one float32 rounding times 2^31), and
// nothing for convert_image_dtype. What differs by design: float64 images
// (above), the unsaturated float -> int casts out of range (below), the
// random draws (eager's Philox streams), and rgb_to_hsv's gradient where the
// minimum channel is 0 (above).
#include <cstdint>
#include <optional>

#include "eager/random.hpp"
#include "eager/tensor.hpp"

namespace eager::image {

// tf.image.convert_image_dtype: `image` converted to `dtype`, its values
// rescaled between the conventions above. Both dtypes must be one of uint8,
// int32, int64, float32, float64 (bool: InvalidArgument). The same dtype
// returns `image` itself. TensorFlow's rules:
//   - integer to wider integer: cast, then multiply by (MAX_out + 1) /
//     (MAX_in + 1) (uint8 200 -> int32 200 * 2^23); converting back restores
//     the value, MAX_in does not map to MAX_out;
//   - integer to narrower integer: floor-divide by (MAX_in + 1) / (MAX_out + 1),
//     then cast; a cast to a smaller range wraps (int32 -5 -> uint8 255) unless
//     `saturate`, which clamps first (-> 0);
//   - integer to float: cast, then multiply by 1 / MAX_in (computed in double,
//     rounded to the float dtype, as TF does);
//   - float to integer: multiply by MAX_out + 0.5, then truncate toward zero.
//     With `saturate` the product is first clamped to [MIN_out, the largest
//     float not above MAX_out] (TF's saturate_cast: 1.0 -> int32 2147483520).
//     Without it, values outside [0, 1] overflow, which TensorFlow leaves
//     undefined (for uint8 its vectorised cast clamps and its scalar tail
//     wraps, 1.2 -> 50; for int32 x86 gives INT_MIN); eager clamps to the
//     dtype's range in both cases (uint8: 1.2 -> 255, -0.1 -> 0);
//   - float to float: a plain cast.
// uint8 -> float32/float64 and float32/float64 -> uint8 run as one fused
// pass with the same values (CPU and GPU). Differentiable from float to float.
Tensor convert_image_dtype(const Tensor& image, DType dtype, bool saturate = false);

// tf.image.rgb_to_grayscale: 0.2989 R + 0.5870 G + 0.1140 B, last dimension 3
// -> 1. Integer images go through float32 and back (TF's convert_image_dtype,
// unsaturated), so uint8 in gives uint8 out. A matmul with the weights, as
// TF's tensordot.
Tensor rgb_to_grayscale(const Tensor& images);
// tf.image.grayscale_to_rgb: the one channel repeated three times (tile); any
// dtype, rank >= 2, last dimension 1.
Tensor grayscale_to_rgb(const Tensor& images);
// tf.image.rgb_to_hsv (TF's RGBToHSV kernel): V = max(R, G, B), range =
// V - min(R, G, B), S = range / V (0 where V <= 0), H in [0, 1): with
// n = (1 / range) / 6, n (G - B) if R is the maximum, else n (B - R) + 2/6 if G
// is, else n (R - G) + 4/6; 0 where range <= 0; + 1 where negative.
// float32/float64, computed in the input's dtype; differentiable (above).
Tensor rgb_to_hsv(const Tensor& images);
// tf.image.hsv_to_rgb (TF's HSVToRGB kernel): with h = 6 H,
// R = ((1 - S) + S clamp(|h - 3| - 1, 0, 1)) V,
// G = ((1 - S) + S clamp(2 - |h - 2|, 0, 1)) V,
// B = ((1 - S) + S clamp(2 - |h - 4|, 0, 1)) V. H is not wrapped (as in TF).
// float32/float64.
Tensor hsv_to_rgb(const Tensor& images);
// tf.image.rgb_to_yuv / yuv_to_rgb: the pixel times TensorFlow's 3x3 matrices
// (Y = 0.299 R + 0.587 G + 0.114 B, U and V the BT.601 colour differences),
// as a matmul. float32/float64; values are not clipped (U and V are negative
// for some colours, inputs outside [0, 1] are fine).
Tensor rgb_to_yuv(const Tensor& images);
Tensor yuv_to_rgb(const Tensor& images);

// tf.image.adjust_brightness: image + delta, in the image's float dtype
// (integer images: converted to float32, delta added, converted back with
// saturation). Not clipped for float images.
Tensor adjust_brightness(const Tensor& image, double delta);
// tf.image.adjust_contrast (TF's AdjustContrastv2): for each image and
// channel, mean = the average over height and width, and every value x
// becomes (x - mean) * contrast_factor + mean. Any factor, negative included.
// Integer images: through float32 and back with saturation. One fused kernel
// on the CPU and on the GPU (the means accumulated in double).
Tensor adjust_contrast(const Tensor& images, double contrast_factor);
// tf.image.adjust_hue (TF's AdjustHue kernel): each pixel's hue is rotated by
// delta turns, saturation and value kept. Per pixel: the sextant and the
// position within it from the order of R, G, B (h in [0, 6)), h += 6 delta
// wrapped into [0, 6), and the middle channel rebuilt as min + f (max - min).
// delta in [-1, 1] (otherwise, NaN included, InvalidArgument). Last dimension
// 3. float32 and uint8 are computed in float32 (uint8 converted on the fly as
// convert_image_dtype does), float64 in float64, int32/int64 through float32.
// Vectorised and spread over eager's thread pool.
Tensor adjust_hue(const Tensor& image, double delta);
// tf.image.adjust_saturation (TF's AdjustSaturation kernel): per pixel
// RGB -> HSV, S = clamp(S * saturation_factor, 0, 1), HSV -> RGB, with TF's
// own formulas, which differ slightly from rgb_to_hsv's. One quirk is kept
// for parity: a reddish pixel whose hue is a tiny negative number wraps to
// exactly 1.0, lands in TF's sextant "6" and becomes the grey V (1 - S')
// (for (1, 0, 1e-9) and factor 1: black; float32 and uint8 only, since
// float64 is computed in float64). Any finite factor (a negative one
// acts as 0; NaN or infinity: InvalidArgument). Last dimension 3; dtypes as
// adjust_hue.
Tensor adjust_saturation(const Tensor& image, double saturation_factor);
// tf.image.adjust_gamma: gain * image^gamma in the image's float dtype
// (integer images through float32 and back with saturation). gamma must be
// >= 0 (otherwise, NaN included, InvalidArgument).
Tensor adjust_gamma(const Tensor& image, double gamma = 1.0, double gain = 1.0);
// tf.image.per_image_standardization: for each image (the last three
// dimensions), (x - mean) / max(stddev, 1 / sqrt(N)), N = height * width *
// channels and stddev the population standard deviation. Integer images are
// cast (not rescaled) to float32 and give float32, as TF2; float32 gives
// float32 and float64 gives float64 (TF: float32). Rank >= 3.
Tensor per_image_standardization(const Tensor& image);

// Random variants. Each draws ONE value for the whole input, batch included
// (as TensorFlow does), u uniform in [0, 1) as float32, and maps it to
// [lower, upper) as TF's random_uniform does (u * (upper - lower) + lower in
// float32), then calls the adjust_ function:
//   random_brightness:  delta in [-max_delta, max_delta), finite max_delta >= 0;
//   random_contrast:    factor in [lower, upper), 0 <= lower < upper < inf;
//   random_hue:         delta in [-max_delta, max_delta), 0 <= max_delta <= 0.5;
//   random_saturation:  factor in [lower, upper), 0 <= lower < upper < inf.
// Arguments outside these ranges (or NaN) throw InvalidArgument before
// anything is drawn. The stateful forms draw u with random::uniform, so the
// seed follows eager::random's rules (global seed from random::set_seed plus
// this op seed; the same pair gives the same value); the stateless_ forms
// draw it with random::stateless_uniform from the pair and are pure functions
// of it. eager's Philox streams are its own, so the values differ from
// TensorFlow's for the same seeds.
Tensor random_brightness(const Tensor& image, double max_delta, std::optional<std::int64_t> seed = std::nullopt);
Tensor random_contrast(const Tensor& image, double lower, double upper,
                       std::optional<std::int64_t> seed = std::nullopt);
Tensor random_hue(const Tensor& image, double max_delta, std::optional<std::int64_t> seed = std::nullopt);
Tensor random_saturation(const Tensor& image, double lower, double upper,
                         std::optional<std::int64_t> seed = std::nullopt);
Tensor stateless_random_brightness(const Tensor& image, double max_delta, random::SeedPair seed);
Tensor stateless_random_contrast(const Tensor& image, double lower, double upper, random::SeedPair seed);
Tensor stateless_random_hue(const Tensor& image, double max_delta, random::SeedPair seed);
Tensor stateless_random_saturation(const Tensor& image, double lower, double upper, random::SeedPair seed);

}  // namespace eager::image
