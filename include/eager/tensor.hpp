#pragma once
// Tensor: a cheap, shared handle to an n-dimensional array on a device.
// Copying a Tensor copies the handle; views (reshape of contiguous data,
// transpose, slices, broadcast_to) share memory with their source. Ops never
// modify their inputs: every op returns a new tensor, computed immediately.
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "eager/detail/tensor_impl.hpp"
#include "eager/device.hpp"
#include "eager/dtype.hpp"
#include "eager/error.hpp"
#include "eager/shape.hpp"

namespace eager {

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<detail::TensorImpl> impl) : impl_(std::move(impl)) {}

  // A new, uninitialised, contiguous tensor. Most users want zeros() or
  // constant(); this is for kernels and for filling memory yourself.
  static Tensor empty(const Shape& shape, DType dtype, Device device);

  bool defined() const { return impl_ != nullptr; }
  DType dtype() const { return checked().dtype; }
  Device device() const { return checked().device; }
  const Shape& shape() const { return checked().shape; }
  const Strides& strides() const { return checked().strides; }
  int rank() const { return checked().shape.rank(); }
  std::int64_t num_elements() const { return checked().num_elements; }
  // Size of one axis; negative axes count from the end.
  std::int64_t dim(int axis) const;
  std::int64_t storage_offset() const { return checked().offset; }
  bool is_contiguous() const { return checked().contiguous; }
  // True when both handles view the same memory with the same layout.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  bool shares_storage_with(const Tensor& other) const;

  // Typed pointer to the first element of a contiguous CPU tensor of dtype T;
  // throws InvalidArgument otherwise.
  template <class T> const T* data() const;
  template <class T> T* mutable_data();
  // Untyped pointer to the first element (any layout, any device).
  const void* raw_data() const { return checked().data(); }
  void* raw_mutable_data() { return checked().data(); }

  // The single value of a tensor with one element, converted to T.
  template <class T> T item() const;
  // All values in row-major order, converted to T (copied to the host first).
  template <class T> std::vector<T> to_vector() const;

  // This tensor if already contiguous, else a contiguous copy.
  Tensor contiguous() const;
  // A contiguous copy that shares nothing with this tensor.
  Tensor clone() const;
  Tensor cast(DType dtype) const;
  Tensor to(Device device) const;
  Tensor cpu() const { return to(Device::cpu()); }
  // reshape(t, shape) as a method; -1 infers one dimension.
  Tensor reshape(const Shape& shape) const;
  // The sub-tensor at index i of the first axis (a view; negative i counts from the end).
  Tensor operator[](std::int64_t i) const;

  // TensorFlow-style text: eager.Tensor([36 25], shape=(2,), dtype=int32).
  std::string to_string() const;
  // Only the values, NumPy style: [[1 2] [3 4]] with line breaks.
  std::string values_string() const;

  detail::TensorImpl& impl() const { return checked(); }
  const std::shared_ptr<detail::TensorImpl>& impl_ptr() const { return impl_; }

 private:
  detail::TensorImpl& checked() const {
    if (!impl_) throw_undefined();
    return *impl_;
  }
  [[noreturn]] static void throw_undefined();
  void check_typed_access(DType requested) const;

  std::shared_ptr<detail::TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

template <class T> const T* Tensor::data() const {
  check_typed_access(dtype_v<T>);
  return static_cast<const T*>(impl_->data());
}
template <class T> T* Tensor::mutable_data() {
  check_typed_access(dtype_v<T>);
  return static_cast<T*>(impl_->data());
}
template <class T> T Tensor::item() const {
  if (num_elements() != 1)
    throw InvalidArgument("item: tensor must have exactly one element, got shape " + shape().to_string());
  return cast(dtype_v<T>).cpu().contiguous().template data<T>()[0];
}
template <class T> std::vector<T> Tensor::to_vector() const {
  Tensor host = cast(dtype_v<T>).cpu().contiguous();
  const T* p = host.template data<T>();
  return std::vector<T>(p, p + host.num_elements());
}

// The device new tensors go to when none is named: the CPU unless a
// DeviceScope on this thread says otherwise (TensorFlow's `with tf.device`).
Device default_device();

class DeviceScope {
 public:
  explicit DeviceScope(Device device);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  Device previous_;
};

}  // namespace eager
