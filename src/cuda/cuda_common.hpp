#pragma once
// Shared by the sources of the CUDA backend: error checks, the per-device
// stream, launch geometry and scratch memory. Only src/cuda/ includes this
// (it pulls in cuda_runtime.h); src/tensor reaches the backend through the
// registry and DeviceRuntime.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace eager::detail::cuda {

// Throws for a failed CUDA call: ResourceExhausted for out-of-memory,
// Unavailable when there is no usable device or driver, Internal for
// everything else; the message names `what` and CUDA's own description.
void check(cudaError_t status, const char* what);

// After a kernel launch: throws when the launch itself failed (a bad
// configuration). Faults inside the kernel surface at the next
// synchronisation, as in every CUDA program.
void check_launch(const char* kernel);

// The device the op being dispatched targets (t_cuda_device), made current
// on this thread, and its stream. Every kernel of eager runs on its device's
// one stream, so work is ordered and freed memory can be reused at once.
int current_device();
cudaStream_t current_stream();
cudaStream_t stream_for(int device);

// Threads per block of eager's 1-D kernels, and the grid for `items` work
// items with that many per block, capped for grid-stride loops (kernels
// must loop while i < items).
inline constexpr int kBlockSize = 256;
unsigned grid_size(std::int64_t items, int block = kBlockSize);

// Device memory for a kernel's temporaries on the current device, from the
// caching allocator; returned when the Scratch goes out of scope, which is
// safe while kernels still use it (stream order).
class Scratch {
 public:
  explicit Scratch(std::size_t nbytes);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  void* get() const { return ptr_; }
  template <class T> T* as() const { return static_cast<T*>(ptr_); }

 private:
  void* ptr_ = nullptr;
  std::size_t capacity_ = 0;
  int device_ = 0;
};

// Copies nbytes from the current device to the host once the work queued
// before it has run (synchronises the stream); for the few values dispatch
// must see (an index check's result, a scalar).
void copy_to_host(void* dst, const void* src, std::size_t nbytes);
template <class T> T read_back(const T* device_ptr) {
  T value;
  copy_to_host(&value, device_ptr, sizeof(T));
  return value;
}

}  // namespace eager::detail::cuda

namespace eager::detail::cuda {
// eager::cuda::set_allow_tf32: whether float32 matmuls may use TF32 tensor
// cores (off by default, so results match the CPU to float32 rounding).
bool allow_tf32();
}  // namespace eager::detail::cuda
