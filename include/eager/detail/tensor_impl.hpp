#pragma once
// The state behind a Tensor handle. Public only so that Tensor's accessors can
// be inline; users go through Tensor.
#include <cstdint>
#include <memory>

#include "eager/device.hpp"
#include "eager/dtype.hpp"
#include "eager/shape.hpp"

namespace eager::detail {

// A block of device memory shared by a tensor and its views. It goes back to
// its device's caching allocator when the last view is gone.
class Storage {
 public:
  Storage(void* data, std::size_t nbytes, Device device) : data_(data), nbytes_(nbytes), device_(device) {}
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // nbytes from the device's caching allocator.
  static std::shared_ptr<Storage> allocate(std::size_t nbytes, Device device);

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_;
  std::size_t nbytes_;
  Device device_;
};

// A number no other tensor of this process has had, for tapes to tell
// tensors apart (addresses are reused once a tensor is freed).
std::uint64_t next_tensor_id();

struct TensorImpl {
  DType dtype = DType::Float32;
  Device device;
  Shape shape;
  Strides strides;             // in elements
  std::int64_t offset = 0;     // in elements, into storage
  std::shared_ptr<Storage> storage;
  std::int64_t num_elements = 0;
  bool contiguous = true;
  std::uint64_t id = next_tensor_id();

  void* data() const {
    return static_cast<char*>(storage->data()) + offset * static_cast<std::int64_t>(itemsize(dtype));
  }
};

}  // namespace eager::detail
