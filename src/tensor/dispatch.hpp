#pragma once
// Helpers every op dispatcher uses: argument checks with TensorFlow-style
// messages, broadcasting, and building elementwise loop descriptions.
#include <initializer_list>
#include <string>

#include "device_runtime.hpp"
#include "eager/tensor.hpp"
#include "registry.hpp"

namespace eager::detail {

// "float32[2, 3] on /device:CPU:0"-style description for messages.
std::string describe(const Tensor& t);

// Throws InvalidArgument unless every tensor is defined and on the same device.
Device common_device(const char* op, std::initializer_list<const Tensor*> tensors);

// axis in [-rank, rank) to [0, rank); OutOfRange otherwise.
int normalize_axis(const char* op, int axis, int rank);

// NumPy broadcasting of two shapes; InvalidArgument names the op and shapes.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

// Contiguous row-major strides of a shape.
Strides contiguous_strides(const Shape& shape);

// Describes an elementwise loop producing a contiguous `out_shape` from
// `inputs`, each broadcast to it (the caller has checked they broadcast):
// strides of broadcast dimensions are 0 and adjacent dimensions that are
// contiguous for every operand are merged.
ElementwiseArgs make_elementwise_args(const Shape& out_shape, std::initializer_list<const Tensor*> inputs,
                                      void* out);

[[noreturn]] void throw_no_kernel(const char* op, Device device, DType dtype);

// Looks up a kernel slot; throws Unimplemented naming op, dtype and device
// when empty. A CUDA kernel found here will run on `device` (t_cuda_device).
template <class Kernel>
Kernel kernel_for(const KernelTable<Kernel>& table, const char* op, Device device, DType dtype) {
  Kernel k = table.get(device.type(), dtype);
  if (!k) throw_no_kernel(op, device, dtype);
  if (device.is_cuda()) t_cuda_device = device.index();
  return k;
}

// For an op without a GPU kernel given GPU inputs: whether it runs on the
// CPU instead (soft placement is on; the caller copies its inputs there and
// the result stays there, as in TensorFlow), logged when placement logging
// is on. When false the caller throws Unimplemented, mentioning
// kSoftPlacementHint.
bool soft_place_on_cpu(const char* op);
inline constexpr const char* kSoftPlacementHint =
    "copy the inputs with .cpu(), or allow eager::config::set_soft_device_placement(true)";

// A tensor viewing `storage` of `base` with a new layout.
Tensor make_view(const Tensor& base, const Shape& shape, const Strides& strides, std::int64_t offset);

// Writes `src`, cast to dst's dtype and broadcast to dst's shape, into the
// contiguous tensor `dst`, in place. InvalidArgument (naming `op`) when the
// shapes do not broadcast to exactly dst's shape, the devices differ or a
// non-bool value would be written into a bool tensor.
void copy_into(Tensor& dst, const Tensor& src, const char* op);

}  // namespace eager::detail
