#include "image/image_kernels.hpp"

#include <array>
#include <string>

#include "eager/error.hpp"
#include "tensor/device_runtime.hpp"

namespace eager::image::detail {
namespace {

void register_cpu_image_kernels(ImageKernels& k) {
  k.apply_separable = [](const Tensor& images, const SeparableMap& map, DType out_dtype) {
    return apply_separable(images, map, out_dtype);
  };
  k.gather_nearest = &gather_nearest;
  k.pixel_op = &run_pixel_op;
  k.adjust_contrast = &adjust_contrast;
  k.apply_lut = &apply_lut;
  k.uint8_to_float = &uint8_to_float;
  k.float_to_uint8 = &float_to_uint8;
}

}  // namespace

const ImageKernels& image_kernels(Device device) {
  static const std::array<ImageKernels, kNumDeviceTypes> tables = [] {
    std::array<ImageKernels, kNumDeviceTypes> t{};
    register_cpu_image_kernels(t[static_cast<int>(DeviceType::CPU)]);
#ifdef EAGER_WITH_CUDA
    register_cuda_resize_kernels(t[static_cast<int>(DeviceType::CUDA)]);
    register_cuda_color_kernels(t[static_cast<int>(DeviceType::CUDA)]);
#endif
    return t;
  }();
  return tables[static_cast<int>(device.type())];
}

void throw_no_image_kernel(const char* op, const Tensor& image) {
  throw Unimplemented(std::string(op) + ": no kernel for dtype " + std::string(dtype_name(image.dtype())) + " on " +
                      image.device().name() + " (copy the image to the CPU with .cpu())");
}

void target_device(Device device) {
  if (device.is_cuda()) eager::detail::t_cuda_device = device.index();
}

}  // namespace eager::image::detail
