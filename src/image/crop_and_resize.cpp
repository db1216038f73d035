// TensorFlow compiles CropAndResize without FMA contraction; a fused
// y1 * (H - 1) + y * scale can land an ulp past H - 1 and turn a sample on
// the last row into extrapolation_value.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "eager/autograd.hpp"
#include "eager/error.hpp"
#include "eager/image/resize.hpp"
#include "image/image_shape.hpp"
#include "tensor/thread_pool.hpp"

namespace eager::image {
namespace {

using std::int64_t;

struct Crop {
  int64_t batch, height, width, depth;
  int64_t crop_height, crop_width;
  bool bilinear;
};

// A sample position along one axis of a box, as CropAndResizePerBox.
// Whether a sample position falls outside [0, size - 1]. Compared in double:
// size - 1 rounded to float can exceed it (past 2^24), letting a position of
// `size` through to index one row or column past the image.
inline bool outside(float position, int64_t size) {
  return position < 0 || static_cast<double>(position) > static_cast<double>(size - 1);
}

struct AxisSampler {
  float start_scaled, scale, centre;
  bool single;
  AxisSampler(float lo, float hi, int64_t size, int64_t crop) : single(crop <= 1) {
    scale = crop > 1 ? (hi - lo) * static_cast<float>(size - 1) / static_cast<float>(crop - 1) : 0.0f;
    start_scaled = lo * static_cast<float>(size - 1);
    centre = static_cast<float>(0.5 * (lo + hi) * static_cast<double>(size - 1));
  }
  float at(int64_t i) const { return single ? centre : start_scaled + static_cast<float>(i) * scale; }
};

template <class T>
void crop_forward(const T* image, const float* boxes, const std::vector<int64_t>& index, const Crop& c,
                  float extrapolation, float* out) {
  const int64_t num_boxes = static_cast<int64_t>(index.size());
  const int64_t row = c.crop_width * c.depth;
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(row, 1));
  eager::detail::parallel_for(num_boxes * c.crop_height, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / c.crop_height, y = r % c.crop_height;
      const float* box = boxes + b * 4;
      const AxisSampler ys(box[0], box[2], c.height, c.crop_height), xs(box[1], box[3], c.width, c.crop_width);
      float* dst = out + r * row;
      const float in_y = ys.at(y);
      if (outside(in_y, c.height)) {
        std::fill(dst, dst + row, extrapolation);
        continue;
      }
      const T* img = image + index[b] * c.height * c.width * c.depth;
      const auto top = static_cast<int64_t>(std::floor(in_y));
      const auto bottom = static_cast<int64_t>(std::ceil(in_y));
      const float y_lerp = in_y - static_cast<float>(top);
      const auto nearest_y = static_cast<int64_t>(std::round(in_y));
      for (int64_t x = 0; x < c.crop_width; ++x, dst += c.depth) {
        const float in_x = xs.at(x);
        if (outside(in_x, c.width)) {
          std::fill(dst, dst + c.depth, extrapolation);
          continue;
        }
        if (!c.bilinear) {
          const T* p = img + (nearest_y * c.width + static_cast<int64_t>(std::round(in_x))) * c.depth;
          for (int64_t d = 0; d < c.depth; ++d) dst[d] = static_cast<float>(p[d]);
          continue;
        }
        const auto left = static_cast<int64_t>(std::floor(in_x));
        const auto right = static_cast<int64_t>(std::ceil(in_x));
        const float x_lerp = in_x - static_cast<float>(left);
        const T* tl = img + (top * c.width + left) * c.depth;
        const T* tr = img + (top * c.width + right) * c.depth;
        const T* bl = img + (bottom * c.width + left) * c.depth;
        const T* br = img + (bottom * c.width + right) * c.depth;
        for (int64_t d = 0; d < c.depth; ++d) {
          const float t = static_cast<float>(tl[d]) + (static_cast<float>(tr[d]) - static_cast<float>(tl[d])) * x_lerp;
          const float bo =
              static_cast<float>(bl[d]) + (static_cast<float>(br[d]) - static_cast<float>(bl[d])) * x_lerp;
          dst[d] = t + (bo - t) * y_lerp;
        }
      }
    }
  });
}

// CropAndResizeGradImage: scatters each crop gradient back onto the pixels
// it was interpolated from. Work is split by image so that no two threads
// add to the same pixel.
template <class Acc>
void crop_backward(const float* grads, const float* boxes, const std::vector<int64_t>& index, const Crop& c,
                   Acc* out) {
  const int64_t num_boxes = static_cast<int64_t>(index.size());
  const int64_t image_size = c.height * c.width * c.depth;
  std::fill(out, out + c.batch * image_size, Acc(0));
  eager::detail::parallel_for(c.batch, 1, [&](int64_t first_image, int64_t end_image) {
    for (int64_t b = 0; b < num_boxes; ++b) {
      if (index[b] < first_image || index[b] >= end_image) continue;
      const float* box = boxes + b * 4;
      const AxisSampler ys(box[0], box[2], c.height, c.crop_height), xs(box[1], box[3], c.width, c.crop_width);
      Acc* img = out + index[b] * image_size;
      for (int64_t y = 0; y < c.crop_height; ++y) {
        const float in_y = ys.at(y);
        if (outside(in_y, c.height)) continue;
        const auto top = static_cast<int64_t>(std::floor(in_y));
        const auto bottom = static_cast<int64_t>(std::ceil(in_y));
        const float y_lerp = in_y - static_cast<float>(top);
        const float* g = grads + (b * c.crop_height + y) * c.crop_width * c.depth;
        for (int64_t x = 0; x < c.crop_width; ++x, g += c.depth) {
          const float in_x = xs.at(x);
          if (outside(in_x, c.width)) continue;
          if (!c.bilinear) {
            const auto ny = static_cast<int64_t>(std::round(in_y)), nx = static_cast<int64_t>(std::round(in_x));
            Acc* p = img + (ny * c.width + nx) * c.depth;
            for (int64_t d = 0; d < c.depth; ++d) p[d] += static_cast<Acc>(g[d]);
            continue;
          }
          const auto left = static_cast<int64_t>(std::floor(in_x));
          const auto right = static_cast<int64_t>(std::ceil(in_x));
          const float x_lerp = in_x - static_cast<float>(left);
          Acc* tl = img + (top * c.width + left) * c.depth;
          Acc* tr = img + (top * c.width + right) * c.depth;
          Acc* bl = img + (bottom * c.width + left) * c.depth;
          Acc* br = img + (bottom * c.width + right) * c.depth;
          for (int64_t d = 0; d < c.depth; ++d) {
            const float dtop = (1 - y_lerp) * g[d];
            const float dbottom = y_lerp * g[d];
            tl[d] += static_cast<Acc>((1 - x_lerp) * dtop);
            tr[d] += static_cast<Acc>(x_lerp * dtop);
            bl[d] += static_cast<Acc>((1 - x_lerp) * dbottom);
            br[d] += static_cast<Acc>(x_lerp * dbottom);
          }
        }
      }
    }
  });
}

// The validated, contiguous box data shared by the forward and backward
// passes (and their gradients).
struct Boxes {
  Tensor boxes;  // [num_boxes, 4] float32, contiguous
  std::vector<int64_t> index;
};

Tensor crop_forward_tensor(const Tensor& images, const Boxes& boxes, const Crop& c, float extrapolation) {
  Tensor out = Tensor::empty({static_cast<int64_t>(boxes.index.size()), c.crop_height, c.crop_width, c.depth},
                             DType::Float32, Device::cpu());
  if (out.num_elements() == 0) return out;
  const Tensor in = images.contiguous();
  const float* b = boxes.boxes.data<float>();
  float* o = out.mutable_data<float>();
  switch (in.dtype()) {
    case DType::UInt8: crop_forward(in.data<std::uint8_t>(), b, boxes.index, c, extrapolation, o); break;
    case DType::Float32: crop_forward(in.data<float>(), b, boxes.index, c, extrapolation, o); break;
    default: crop_forward(in.data<double>(), b, boxes.index, c, extrapolation, o); break;
  }
  return out;
}

Tensor crop_backward_tensor(const Tensor& grads, const Boxes& boxes, const Crop& c, DType dtype) {
  Tensor out = Tensor::empty({c.batch, c.height, c.width, c.depth}, dtype, Device::cpu());
  if (out.num_elements() == 0) return out;
  eager::image::detail::require_cpu("image::crop_and_resize (gradient)", grads, "gradient");
  const Tensor g = grads.cast(DType::Float32).contiguous();
  if (dtype == DType::Float64)
    crop_backward(g.data<float>(), boxes.boxes.data<float>(), boxes.index, c, out.mutable_data<double>());
  else
    crop_backward(g.data<float>(), boxes.boxes.data<float>(), boxes.index, c, out.mutable_data<float>());
  return out;
}

Tensor differentiable_backward(const Tensor& grads, const std::shared_ptr<const Boxes>& boxes, const Crop& c,
                               DType dtype);

// Both directions are linear in the image, each the other's transpose.
Tensor differentiable_forward(const Tensor& images, const std::shared_ptr<const Boxes>& boxes, const Crop& c,
                              float extrapolation) {
  if (!is_floating(images.dtype())) return crop_forward_tensor(images, *boxes, c, extrapolation);
  return custom_gradient({images}, [boxes, c, extrapolation](const std::vector<Tensor>& in) {
    CustomGradientResult result;
    result.outputs = {crop_forward_tensor(in[0], *boxes, c, extrapolation)};
    result.backward = [boxes, c, dtype = in[0].dtype()](const std::vector<Tensor>& grads) {
      return std::vector<Tensor>{differentiable_backward(grads[0], boxes, c, dtype)};
    };
    return result;
  })[0];
}

Tensor differentiable_backward(const Tensor& grads, const std::shared_ptr<const Boxes>& boxes, const Crop& c,
                               DType dtype) {
  return custom_gradient({grads}, [boxes, c, dtype](const std::vector<Tensor>& in) {
    CustomGradientResult result;
    result.outputs = {crop_backward_tensor(in[0], *boxes, c, dtype)};
    // The transpose of the scatter samples with extrapolation 0: samples
    // outside the image never touched it.
    result.backward = [boxes, c](const std::vector<Tensor>& grads) {
      return std::vector<Tensor>{differentiable_forward(grads[0], boxes, c, 0.0f)};
    };
    return result;
  })[0];
}

}  // namespace

Tensor crop_and_resize(const Tensor& images, const Tensor& boxes, const Tensor& box_indices, std::int64_t crop_height,
                       std::int64_t crop_width, ResizeMethod method, double extrapolation_value) {
  const std::string op = "image::crop_and_resize";
  const auto shape_of = [](const Tensor& t) { return t.shape().to_string(); };
  if (images.rank() != 4)
    throw InvalidArgument(op + ": images must be a batch of rank 4 (NHWC), got shape " + shape_of(images));
  image::detail::require_image_dtype(op.c_str(), images);
  if (image::detail::run_on_cpu_instead(op.c_str(), {&images, &boxes, &box_indices}))
    return crop_and_resize(images.cpu(), boxes.cpu(), box_indices.cpu(), crop_height, crop_width, method,
                           extrapolation_value);
  image::detail::require_cpu(op.c_str(), images);
  image::detail::require_cpu(op.c_str(), boxes, "boxes tensor");
  image::detail::require_cpu(op.c_str(), box_indices, "box_indices tensor");
  Crop c{images.dim(0), images.dim(1), images.dim(2), images.dim(3), crop_height, crop_width,
         method == ResizeMethod::Bilinear};
  if (c.height <= 0 || c.width <= 0)
    throw InvalidArgument(op + ": image dimensions must be positive, got shape " + shape_of(images));
  if (boxes.rank() != 2 || boxes.dim(1) != 4)
    throw InvalidArgument(op + ": boxes must have shape [num_boxes, 4], got " + shape_of(boxes));
  if (!is_floating(boxes.dtype()))
    throw InvalidArgument(op + ": boxes must be float32 (or float64), got " + std::string(dtype_name(boxes.dtype())));
  if (box_indices.rank() != 1)
    throw InvalidArgument(op + ": box_indices must be rank 1 but is shape " + shape_of(box_indices));
  if (box_indices.dtype() != DType::Int32 && box_indices.dtype() != DType::Int64)
    throw InvalidArgument(op + ": box_indices must be int32 or int64, got " +
                          std::string(dtype_name(box_indices.dtype())));
  if (box_indices.dim(0) != boxes.dim(0))
    throw InvalidArgument(op + ": box_indices has incompatible shape " + shape_of(box_indices) + " for boxes " +
                          shape_of(boxes));
  constexpr int64_t kMax = std::numeric_limits<std::int32_t>::max();
  if (crop_height <= 0 || crop_width <= 0 || crop_height > kMax || crop_width > kMax)
    throw InvalidArgument(op + ": crop dimensions must be positive, got " + std::to_string(crop_height) + "x" +
                          std::to_string(crop_width));
  if (method != ResizeMethod::Bilinear && method != ResizeMethod::Nearest)
    throw InvalidArgument(op + ": method must be bilinear or nearest, got " + to_string(method));

  auto data = std::make_shared<Boxes>();
  data->boxes = boxes.cast(DType::Float32).contiguous();
  const float* b = data->boxes.data<float>();
  for (int64_t i = 0; i < data->boxes.num_elements(); ++i)
    if (!std::isfinite(b[i])) throw InvalidArgument(op + ": boxes contains at least one element that is not finite");
  data->index = box_indices.to_vector<int64_t>();
  for (int64_t i : data->index)
    if (i < 0 || i >= c.batch)
      throw OutOfRange(op + ": box_indices has values outside [0, batch_size): " + std::to_string(i) +
                       " for images of shape " + shape_of(images));
  return differentiable_forward(images, data, c, static_cast<float>(extrapolation_value));
}

}  // namespace eager::image
