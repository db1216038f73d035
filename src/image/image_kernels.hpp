#pragma once
// The image ops' own kernels, per device: resize's separable engine and
// nearest gather, the per-pixel colour kernels, contrast, the uint8 table
// and the one-pass uint8 <-> float conversions. Everything else in
// src/image is a composite of public ops and runs wherever those do.
//
// One table per device type, filled at first use: the CPU entries here, the
// CUDA entries by src/cuda/image_*.cu in a build with CUDA. An empty slot
// means the device has no kernel for that op: image_kernel() then throws
// Unimplemented naming the op and the device.
//
// Callers have checked shapes, dtypes and arguments. Inputs are contiguous
// and on the device the kernel was looked up for; outputs are fresh,
// contiguous tensors on that device (the resize entries allocate their own).
#include <cstdint>

#include "eager/tensor.hpp"
#include "image/color_kernels.hpp"
#include "image/resize_kernels.hpp"

namespace eager::image::detail {

struct ImageKernels {
  // apply_separable / gather_nearest of resize_kernels.hpp.
  Tensor (*apply_separable)(const Tensor& images, const SeparableMap& map, DType out_dtype) = nullptr;
  Tensor (*gather_nearest)(const Tensor& images, const SeparableMap& map) = nullptr;
  // The functions of color_kernels.hpp.
  void (*pixel_op)(PixelOp op, const Tensor& in, Tensor& out, double param) = nullptr;
  void (*adjust_contrast)(const Tensor& in, Tensor& out, double factor) = nullptr;
  void (*apply_lut)(const Tensor& in, Tensor& out, const std::uint8_t (&lut)[256]) = nullptr;
  void (*uint8_to_float)(const Tensor& in, Tensor& out) = nullptr;
  void (*float_to_uint8)(const Tensor& in, Tensor& out) = nullptr;
};

// The table of `device`'s type.
const ImageKernels& image_kernels(Device device);

// Whether `device` has a kernel in `slot`.
template <class Fn> bool has_image_kernel(Fn ImageKernels::*slot, Device device) {
  return image_kernels(device).*slot != nullptr;
}

// Unimplemented: "<op>: no kernel for dtype <dtype> on <device> (...)".
[[noreturn]] void throw_no_image_kernel(const char* op, const Tensor& image);
// Makes `device` the one CUDA kernels launch on (dispatch's t_cuda_device).
void target_device(Device device);

// Unimplemented naming `op`, the dtype and the device unless `image`'s
// device has a kernel in `slot`: for ops to fail before doing any work.
template <class Fn> void require_image_kernel(Fn ImageKernels::*slot, const char* op, const Tensor& image) {
  if (!has_image_kernel(slot, image.device())) throw_no_image_kernel(op, image);
}

// The kernel in `slot` for `image`'s device, ready to run there (look it up
// right before the call); Unimplemented as above when there is none.
template <class Fn> Fn image_kernel(Fn ImageKernels::*slot, const char* op, const Tensor& image) {
  require_image_kernel(slot, op, image);
  target_device(image.device());
  return image_kernels(image.device()).*slot;
}

// src/cuda/image_resize.cu and src/cuda/image_color.cu (builds with CUDA).
void register_cuda_resize_kernels(ImageKernels& k);
void register_cuda_color_kernels(ImageKernels& k);

}  // namespace eager::image::detail
