#include "eager/image/resize.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "eager/array_ops.hpp"
#include "eager/autograd.hpp"
#include "eager/error.hpp"
#include "image/image_kernels.hpp"
#include "image/image_shape.hpp"
#include "image/resize_kernels.hpp"

namespace eager::image {
namespace {

using detail::AxisWeights;
using detail::SamplingKernel;
using detail::SeparableMap;
using MapPtr = std::shared_ptr<const SeparableMap>;

constexpr std::int64_t kMaxSize = std::numeric_limits<std::int32_t>::max();

// The checks every resize starts with, in TF's order and words.
detail::ImageDims check_images(const char* op, const Tensor& images) {
  const detail::ImageDims dims = detail::image_dims(op, images);
  detail::require_image_dtype(op, images);
  // Before any weight table is built for a device that could not use it.
  detail::require_image_kernel(&detail::ImageKernels::apply_separable, op, images);
  if (dims.channels <= 0)
    throw InvalidArgument(std::string(op) + ": image must have at least one channel, got shape " +
                          images.shape().to_string());
  if (dims.height <= 0 || dims.width <= 0)
    throw InvalidArgument(std::string(op) + ": input image must be of non-zero size, got shape " +
                          images.shape().to_string());
  if (dims.height > kMaxSize || dims.width > kMaxSize)
    throw InvalidArgument(std::string(op) + ": input sizes must be between 0 and max int32, got shape " +
                          images.shape().to_string());
  return dims;
}

void check_size(const char* op, std::int64_t height, std::int64_t width, const char* what) {
  if (height <= 0 || width <= 0 || height > kMaxSize || width > kMaxSize)
    throw InvalidArgument(std::string(op) + ": " + what + " " + std::to_string(height) + "x" + std::to_string(width) +
                          " must be positive and fit in int32 (output dimensions must be positive)");
}

// _resize_images_common's size, preserve_aspect_ratio included (float32,
// tf.round rounds half to even).
std::pair<std::int64_t, std::int64_t> output_size(const char* op, const detail::ImageDims& dims, std::int64_t height,
                                                  std::int64_t width, bool preserve_aspect_ratio) {
  check_size(op, height, width, "requested size");
  if (!preserve_aspect_ratio) return {height, width};
  const float scale_h = static_cast<float>(height) / static_cast<float>(dims.height);
  const float scale_w = static_cast<float>(width) / static_cast<float>(dims.width);
  const float scale = std::min(scale_h, scale_w);
  const float h = std::nearbyint(scale * static_cast<float>(dims.height));
  const float w = std::nearbyint(scale * static_cast<float>(dims.width));
  const auto out_h = static_cast<std::int64_t>(std::min(h, 4e9f));
  const auto out_w = static_cast<std::int64_t>(std::min(w, 4e9f));
  check_size(op, out_h, out_w, "size with preserved aspect ratio");
  return {out_h, out_w};
}

// Allocates (and drops) the result first, so that a size no memory can hold
// fails with ResourceExhausted before weight tables of height + width
// entries are built for it; the caching allocator hands the block back.
void require_output_memory(const detail::ImageDims& d, std::int64_t h, std::int64_t w, DType dtype, Device device) {
  const Shape shape = d.batched ? Shape{d.batch, h, w, d.channels} : Shape{h, w, d.channels};
  (void)Tensor::empty(shape, dtype, device);
}

// Applies the map with the kernels of the images' device; for floating
// images with a gradient: the transposed map, applied the same way on the
// gradient's device (so it has a gradient too).
Tensor apply_map(const char* op, const Tensor& images, const MapPtr& map, bool gather, DType out_dtype) {
  auto run = [op, map, gather, out_dtype](const Tensor& x) {
    const Tensor in = x.contiguous();
    if (gather) return detail::image_kernel(&detail::ImageKernels::gather_nearest, op, in)(in, *map);
    return detail::image_kernel(&detail::ImageKernels::apply_separable, op, in)(in, *map, out_dtype);
  };
  if (!is_floating(images.dtype())) return run(images);
  return custom_gradient({images}, [op, map, run](const std::vector<Tensor>& in) {
    CustomGradientResult result;
    result.outputs = {run(in[0])};
    result.backward = [op, map, in_dtype = in[0].dtype()](const std::vector<Tensor>& grads) {
      auto transposed = std::make_shared<const SeparableMap>(detail::transpose(*map));
      return std::vector<Tensor>{apply_map(op, grads[0], transposed, false, in_dtype)};
    };
    return result;
  })[0];
}

MapPtr both_axes(const detail::ImageDims& d, std::int64_t h, std::int64_t w,
                 const std::function<AxisWeights(std::int64_t in, std::int64_t out)>& axis) {
  return std::make_shared<const SeparableMap>(SeparableMap{axis(d.height, h), axis(d.width, w)});
}

MapPtr scale_map(const detail::ImageDims& d, std::int64_t h, std::int64_t w, SamplingKernel kernel, bool antialias) {
  return both_axes(d, h, w, [&](std::int64_t in, std::int64_t out) {
    return detail::scale_weights(kernel, in, out, antialias);
  });
}

}  // namespace

ResizeMethod resize_method_from_string(const std::string& name) {
  static const std::pair<const char*, ResizeMethod> kNames[] = {
      {"bilinear", ResizeMethod::Bilinear}, {"nearest", ResizeMethod::Nearest},
      {"bicubic", ResizeMethod::Bicubic},   {"area", ResizeMethod::Area},
      {"lanczos3", ResizeMethod::Lanczos3}, {"lanczos5", ResizeMethod::Lanczos5},
      {"gaussian", ResizeMethod::Gaussian}, {"mitchellcubic", ResizeMethod::MitchellCubic}};
  for (const auto& [spelling, method] : kNames)
    if (name == spelling) return method;
  throw InvalidArgument("image::resize_method_from_string: unknown resize method '" + name +
                        "' (expected bilinear, nearest, bicubic, area, lanczos3, lanczos5, gaussian or mitchellcubic)");
}

const char* to_string(ResizeMethod method) {
  switch (method) {
    case ResizeMethod::Bilinear: return "bilinear";
    case ResizeMethod::Nearest: return "nearest";
    case ResizeMethod::Bicubic: return "bicubic";
    case ResizeMethod::Area: return "area";
    case ResizeMethod::Lanczos3: return "lanczos3";
    case ResizeMethod::Lanczos5: return "lanczos5";
    case ResizeMethod::Gaussian: return "gaussian";
    case ResizeMethod::MitchellCubic: return "mitchellcubic";
  }
  return "unknown";
}

Tensor resize(const Tensor& images, std::int64_t height, std::int64_t width, const ResizeOptions& options) {
  const char* op = "image::resize";
  const detail::ImageDims d = check_images(op, images);
  const auto [h, w] = output_size(op, d, height, width, options.preserve_aspect_ratio);
  require_output_memory(d, h, w, options.method == ResizeMethod::Nearest ? images.dtype() : DType::Float32,
                        images.device());
  const bool aa = options.antialias;
  switch (options.method) {
    case ResizeMethod::Bilinear:
      if (aa) return apply_map(op, images, scale_map(d, h, w, SamplingKernel::Triangle, true), false, DType::Float32);
      return apply_map(op, images, both_axes(d, h, w, [](std::int64_t in, std::int64_t out) {
                         return detail::bilinear_weights(in, out, detail::resize_scale(in, out, false), true);
                       }),
                       false, DType::Float32);
    case ResizeMethod::Nearest:
      return apply_map(op, images, both_axes(d, h, w, [](std::int64_t in, std::int64_t out) {
                         return detail::nearest_weights(in, out, detail::resize_scale(in, out, false), true, false);
                       }),
                       true, images.dtype());
    case ResizeMethod::Bicubic:
      if (aa) return apply_map(op, images, scale_map(d, h, w, SamplingKernel::KeysCubic, true), false, DType::Float32);
      return apply_map(op, images, both_axes(d, h, w, [](std::int64_t in, std::int64_t out) {
                         return detail::bicubic_weights(in, out, detail::resize_scale(in, out, false), true);
                       }),
                       false, DType::Float32);
    case ResizeMethod::Area:
      return apply_map(op, images, both_axes(d, h, w, [](std::int64_t in, std::int64_t out) {
                         return detail::area_weights(in, out, detail::resize_scale(in, out, false));
                       }),
                       false, DType::Float32);
    case ResizeMethod::Lanczos3:
      return apply_map(op, images, scale_map(d, h, w, SamplingKernel::Lanczos3, aa), false, DType::Float32);
    case ResizeMethod::Lanczos5:
      return apply_map(op, images, scale_map(d, h, w, SamplingKernel::Lanczos5, aa), false, DType::Float32);
    case ResizeMethod::Gaussian:
      return apply_map(op, images, scale_map(d, h, w, SamplingKernel::Gaussian, aa), false, DType::Float32);
    case ResizeMethod::MitchellCubic:
      return apply_map(op, images, scale_map(d, h, w, SamplingKernel::MitchellCubic, aa), false, DType::Float32);
  }
  throw InvalidArgument(std::string(op) + ": unknown resize method");
}

Tensor resize_v1(const Tensor& images, std::int64_t height, std::int64_t width, const ResizeV1Options& options) {
  const char* op = "image::resize_v1";
  const detail::ImageDims d = check_images(op, images);
  const auto [h, w] = output_size(op, d, height, width, options.preserve_aspect_ratio);
  if (h == d.height && w == d.width) return images;
  require_output_memory(d, h, w, options.method == ResizeMethod::Nearest ? images.dtype() : DType::Float32,
                        images.device());
  const bool align = options.align_corners;
  switch (options.method) {
    case ResizeMethod::Bilinear:
      return apply_map(op, images, both_axes(d, h, w, [align](std::int64_t in, std::int64_t out) {
                         return detail::bilinear_weights(in, out, detail::resize_scale(in, out, align), false);
                       }),
                       false, DType::Float32);
    case ResizeMethod::Nearest:
      return apply_map(op, images, both_axes(d, h, w, [align](std::int64_t in, std::int64_t out) {
                         return detail::nearest_weights(in, out, detail::resize_scale(in, out, align), false, align);
                       }),
                       true, images.dtype());
    case ResizeMethod::Bicubic:
      return apply_map(op, images, both_axes(d, h, w, [align](std::int64_t in, std::int64_t out) {
                         return detail::bicubic_weights(in, out, detail::resize_scale(in, out, align), false);
                       }),
                       false, DType::Float32);
    case ResizeMethod::Area:
      return apply_map(op, images, both_axes(d, h, w, [align](std::int64_t in, std::int64_t out) {
                         return detail::area_weights(in, out, detail::resize_scale(in, out, align));
                       }),
                       false, DType::Float32);
    default:
      throw InvalidArgument(std::string(op) + ": method " + to_string(options.method) +
                            " is not a TF1 resize method (bilinear, nearest, bicubic or area)");
  }
}

Tensor resize_with_pad(const Tensor& image, std::int64_t target_height, std::int64_t target_width,
                       ResizeMethod method, bool antialias) {
  const char* op = "image::resize_with_pad";
  const detail::ImageDims d = check_images(op, image);
  check_size(op, target_height, target_width, "target size");
  const float f_height = static_cast<float>(d.height), f_width = static_cast<float>(d.width);
  const float f_target_height = static_cast<float>(target_height);
  const float f_target_width = static_cast<float>(target_width);
  const float ratio = std::max(f_width / f_target_width, f_height / f_target_height);
  const float resized_height_f = f_height / ratio, resized_width_f = f_width / ratio;
  const auto resized_height = static_cast<std::int64_t>(std::floor(resized_height_f));
  const auto resized_width = static_cast<std::int64_t>(std::floor(resized_width_f));
  if (resized_height <= 0 || resized_width <= 0)
    throw InvalidArgument(std::string(op) + ": an image of shape " + image.shape().to_string() + " fitted into " +
                          std::to_string(target_height) + "x" + std::to_string(target_width) + " would be " +
                          std::to_string(resized_height) + "x" + std::to_string(resized_width) +
                          " (output dimensions must be positive)");
  const auto pad_top = std::max<std::int64_t>(
      0, static_cast<std::int64_t>(std::floor((f_target_height - resized_height_f) / 2)));
  const auto pad_left =
      std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor((f_target_width - resized_width_f) / 2)));
  ResizeOptions options;
  options.method = method;
  options.antialias = antialias;
  const Tensor resized = resize(image, resized_height, resized_width, options);
  std::vector<std::pair<std::int64_t, std::int64_t>> paddings;
  if (d.batched) paddings.emplace_back(0, 0);
  paddings.emplace_back(pad_top, target_height - pad_top - resized_height);
  paddings.emplace_back(pad_left, target_width - pad_left - resized_width);
  paddings.emplace_back(0, 0);
  return pad(resized, paddings);
}

}  // namespace eager::image
