#pragma once
// What src/tensor needs from an accelerator: memory, transfers and
// synchronisation. The CUDA backend (src/cuda/) provides the one runtime; a
// build without CUDA has none, and cuda_runtime() returns null. Keeping the
// interface here means src/tensor never includes a CUDA header.
#include <cstddef>
#include <string>

#include "eager/device.hpp"
#include "eager/memory.hpp"

namespace eager::detail {

class DeviceRuntime {
 public:
  virtual ~DeviceRuntime() = default;

  // Usable devices; 0 when there is no GPU or the driver cannot be used,
  // and then unavailable_reason() says why in words a user can act on.
  virtual int device_count() = 0;
  virtual std::string unavailable_reason() = 0;

  // From the device's caching allocator; *capacity receives the block size
  // to pass back. Throws ResourceExhausted when the device is full even
  // after the cache was returned.
  virtual void* allocate(std::size_t nbytes, int device, std::size_t* capacity) = 0;
  // Safe while kernels that read the block are still queued: the block is
  // only reused by work queued after them on the device's one stream.
  virtual void deallocate(void* ptr, std::size_t capacity, int device) noexcept = 0;

  // Transfers ordered after all work queued on the device. They return when
  // the host side may be reused (host to device) or read (device to host).
  virtual void copy_host_to_device(void* dst, int device, const void* src, std::size_t nbytes) = 0;
  virtual void copy_device_to_host(void* dst, const void* src, int device, std::size_t nbytes) = 0;
  virtual void copy_device_to_device(void* dst, int dst_device, const void* src, int src_device,
                                     std::size_t nbytes) = 0;

  // Waits for all work queued on the device; throws the first asynchronous
  // error a kernel raised.
  virtual void synchronize(int device) = 0;

  virtual memory::Stats stats(int device) = 0;
  virtual void reset_peak(int device) = 0;
  virtual void empty_cache(int device) = 0;
  virtual void set_cache_limit(std::int64_t bytes, int device) = 0;
};

// Null in a build without CUDA.
DeviceRuntime* cuda_runtime();
// The runtime of a CUDA device; a Device value always names a usable device
// (Device::cuda checks), so it exists.
DeviceRuntime& cuda_runtime_checked(Device device);

// The CUDA device the op being dispatched on this thread targets. Kernels
// carry data pointers but no device, so dispatch (kernel_for) sets this and
// the CUDA kernels launch on this device's stream.
inline thread_local int t_cuda_device = 0;

}  // namespace eager::detail
