// The CUDA runtime of eager: device discovery, one stream and one caching
// allocator per device, transfers through pinned staging buffers, and the
// helpers of cuda_common.hpp. Compiled by the host compiler against the CUDA
// runtime API; the kernels live in the .cu files beside it.
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cuda_common.hpp"
#include "eager/error.hpp"
#include "tensor/caching_allocator.hpp"
#include "tensor/device_runtime.hpp"

namespace eager::detail {

namespace cuda {

namespace {

std::string describe_error(cudaError_t status) {
  return std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
}

// The device last made current on this thread, so that ops on one device do
// not call cudaSetDevice each time. Code that calls cudaSetDevice itself on
// a thread that also runs eager ops must set it back (multi-GPU only).
thread_local int t_active_device = -1;

void make_current(int device) {
  if (t_active_device == device) return;
  check(cudaSetDevice(device), "cudaSetDevice");
  t_active_device = device;
}

class DeviceAllocator final : public CachingAllocator {
 public:
  explicit DeviceAllocator(int device) : CachingAllocator("/device:GPU:" + std::to_string(device)), device_(device) {}

 private:
  void* system_allocate(std::size_t nbytes) override {
    make_current(device_);
    void* p = nullptr;
    const cudaError_t status = cudaMalloc(&p, nbytes);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // clears the sticky-free error so later calls do not see it
      return nullptr;
    }
    check(status, "cudaMalloc");
    return p;
  }
  void system_free(void* ptr) noexcept override {
    // cudaFree waits for the device, so blocks still read by queued kernels
    // are safe to return; errors at process exit (driver shut down) are
    // moot, and cleared so that no later check reports them.
    cudaSetDevice(device_);
    t_active_device = device_;
    cudaFree(ptr);
    cudaGetLastError();
  }
  std::string memory_details() override {
    std::size_t free = 0, total = 0;
    if (cudaMemGetInfo(&free, &total) != cudaSuccess) {
      cudaGetLastError();
      return {};
    }
    return "; the device has " + std::to_string(free) + " of " + std::to_string(total) + " bytes free";
  }
  int device_;
};

// Pageable host memory cannot be read by the copy engines directly; CUDA
// would stage it through its own small buffer synchronously. Two pinned
// chunks per device let the host copy one while the device copies the other.
constexpr std::size_t kStagingChunk = std::size_t{8} << 20;

struct Staging {
  std::mutex mutex;
  void* chunk[2] = {};
  cudaEvent_t done[2] = {};
  bool ready = false;
  bool unavailable = false;  // pinning failed once; not retried on every transfer
  int next = 0;              // the chunk an upload starts with: not the one the last upload may still use
};

struct DeviceState {
  explicit DeviceState(int device) : allocator(device) {}
  std::once_flag stream_once;
  cudaStream_t stream = nullptr;
  int multiprocessors = 0;
  DeviceAllocator allocator;
  Staging staging;
};

struct Devices {
  int count = 0;
  std::string reason;
  std::vector<std::unique_ptr<DeviceState>> states;
};

std::string explain(cudaError_t status) {
  switch (status) {
    case cudaErrorNoDevice: return "no CUDA-capable GPU is visible (" + describe_error(status) + ")";
    case cudaErrorInsufficientDriver:
      return "the NVIDIA driver is missing or older than the CUDA " + std::to_string(CUDART_VERSION / 1000) + "." +
             std::to_string(CUDART_VERSION % 1000 / 10) + " runtime eager was built with (" + describe_error(status) +
             ")";
    default: return "the CUDA runtime cannot start (" + describe_error(status) + ")";
  }
}

Devices& devices() {
  // Leaked on purpose: tensors in static storage free device memory after main.
  static Devices* d = [] {
    auto* result = new Devices;
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      cudaGetLastError();
      result->reason = explain(status);
      return result;
    }
    if (count == 0) result->reason = "no CUDA-capable GPU is visible";
    result->count = count;
    for (int i = 0; i < count; ++i) result->states.push_back(std::make_unique<DeviceState>(i));
    return result;
  }();
  return *d;
}

DeviceState& state(int device) { return *devices().states.at(static_cast<std::size_t>(device)); }

DeviceState& started(int device) {
  DeviceState& s = state(device);
  std::call_once(s.stream_once, [&] {
    make_current(device);
    // Non-blocking: eager's stream never waits for work other libraries put
    // on the legacy default stream, and the reverse.
    check(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    check(cudaDeviceGetAttribute(&s.multiprocessors, cudaDevAttrMultiProcessorCount, device),
          "cudaDeviceGetAttribute");
  });
  return s;
}

// Pinned chunks and their events, made on first use; false when the system
// refuses to pin memory (then for good), and transfers go through CUDA's own
// pageable path.
bool staging_ready(Staging& st) {
  if (st.ready) return true;
  if (st.unavailable) return false;
  bool ok = true;
  for (int i = 0; i < 2 && ok; ++i) {
    ok = cudaHostAlloc(&st.chunk[i], kStagingChunk, cudaHostAllocDefault) == cudaSuccess &&
         cudaEventCreateWithFlags(&st.done[i], cudaEventDisableTiming) == cudaSuccess;
  }
  if (ok) return st.ready = true;
  cudaGetLastError();
  for (int i = 0; i < 2; ++i) {
    if (st.chunk[i]) cudaFreeHost(st.chunk[i]);
    if (st.done[i]) cudaEventDestroy(st.done[i]);
    st.chunk[i] = nullptr;
    st.done[i] = nullptr;
  }
  cudaGetLastError();
  st.unavailable = true;
  return false;
}

class CudaRuntime final : public DeviceRuntime {
 public:
  int device_count() override { return devices().count; }
  std::string unavailable_reason() override { return devices().reason; }

  void* allocate(std::size_t nbytes, int device, std::size_t* capacity) override {
    return state(device).allocator.allocate(nbytes, capacity);
  }
  void deallocate(void* ptr, std::size_t capacity, int device) noexcept override {
    state(device).allocator.deallocate(ptr, capacity);
  }

  void copy_host_to_device(void* dst, int device, const void* src, std::size_t nbytes) override {
    DeviceState& s = started(device);
    make_current(device);
    std::lock_guard lock(s.staging.mutex);
    if (!staging_ready(s.staging)) {
      check(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, s.stream), "copy to the GPU");
      check(cudaStreamSynchronize(s.stream), "copy to the GPU");
      return;
    }
    // The source is consumed into the pinned chunks before returning; a
    // chunk is refilled only after the device has read it (its event).
    // Uploads alternate chunks, so a small upload does not wait for the
    // previous one.
    for (std::size_t offset = 0; offset < nbytes; offset += kStagingChunk) {
      const std::size_t len = std::min(kStagingChunk, nbytes - offset);
      const int i = s.staging.next;
      s.staging.next ^= 1;
      check(cudaEventSynchronize(s.staging.done[i]), "copy to the GPU");
      std::memcpy(s.staging.chunk[i], static_cast<const char*>(src) + offset, len);
      check(cudaMemcpyAsync(static_cast<char*>(dst) + offset, s.staging.chunk[i], len, cudaMemcpyHostToDevice,
                            s.stream),
            "copy to the GPU");
      check(cudaEventRecord(s.staging.done[i], s.stream), "copy to the GPU");
    }
  }

  void copy_device_to_host(void* dst, const void* src, int device, std::size_t nbytes) override {
    DeviceState& s = started(device);
    make_current(device);
    std::lock_guard lock(s.staging.mutex);
    if (!staging_ready(s.staging)) {
      check(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, s.stream), "copy to the CPU");
      check(cudaStreamSynchronize(s.stream), "copy to the CPU");
      return;
    }
    const std::size_t chunks = (nbytes + kStagingChunk - 1) / kStagingChunk;
    auto issue = [&](std::size_t k) {
      const std::size_t offset = k * kStagingChunk, len = std::min(kStagingChunk, nbytes - offset);
      const int i = static_cast<int>(k % 2);
      check(cudaMemcpyAsync(s.staging.chunk[i], static_cast<const char*>(src) + offset, len, cudaMemcpyDeviceToHost,
                            s.stream),
            "copy to the CPU");
      check(cudaEventRecord(s.staging.done[i], s.stream), "copy to the CPU");
    };
    // The device fills chunk k+1 while the host empties chunk k.
    issue(0);
    for (std::size_t k = 0; k < chunks; ++k) {
      if (k + 1 < chunks) issue(k + 1);
      const int i = static_cast<int>(k % 2);
      check(cudaEventSynchronize(s.staging.done[i]), "copy to the CPU");
      const std::size_t offset = k * kStagingChunk, len = std::min(kStagingChunk, nbytes - offset);
      std::memcpy(static_cast<char*>(dst) + offset, s.staging.chunk[i], len);
    }
  }

  void copy_device_to_device(void* dst, int dst_device, const void* src, int src_device,
                             std::size_t nbytes) override {
    DeviceState& to = started(dst_device);
    if (dst_device == src_device) {
      make_current(dst_device);
      check(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, to.stream), "copy on the GPU");
      return;
    }
    // dst's block may have been freed by work still queued on its device's
    // stream; the copy runs on the source's stream, so both are drained.
    DeviceState& from = started(src_device);
    make_current(dst_device);
    check(cudaStreamSynchronize(to.stream), "copy between GPUs");
    make_current(src_device);
    check(cudaMemcpyPeerAsync(dst, dst_device, src, src_device, nbytes, from.stream), "copy between GPUs");
    check(cudaStreamSynchronize(from.stream), "copy between GPUs");
  }

  void synchronize(int device) override {
    DeviceState& s = started(device);
    make_current(device);
    check(cudaStreamSynchronize(s.stream), "synchronize");
  }

  memory::Stats stats(int device) override { return state(device).allocator.stats(); }
  void reset_peak(int device) override { state(device).allocator.reset_peak(); }
  void empty_cache(int device) override { state(device).allocator.empty_cache(); }
  void set_cache_limit(std::int64_t bytes, int device) override { state(device).allocator.set_cache_limit(bytes); }
};

}  // namespace

void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  // Most errors are sticky only until read; reading here keeps one failure
  // from being reported again by the next unrelated call.
  cudaGetLastError();
  const std::string message = std::string("CUDA ") + what + " failed: " + describe_error(status);
  switch (status) {
    case cudaErrorMemoryAllocation: throw ResourceExhausted(message);
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
      throw Unavailable(message);
    default: throw Internal(message);
  }
}

void check_launch(const char* kernel) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) check(status, (std::string("launch of ") + kernel).c_str());
}

int current_device() {
  make_current(t_cuda_device);
  return t_cuda_device;
}

cudaStream_t stream_for(int device) { return started(device).stream; }

cudaStream_t current_stream() { return stream_for(current_device()); }

unsigned grid_size(std::int64_t items, int block) {
  const std::int64_t wanted = std::max<std::int64_t>(1, (items + block - 1) / block);
  // Enough resident blocks to fill every multiprocessor several times over;
  // grid-stride loops cover the rest.
  const std::int64_t cap = std::int64_t{started(current_device()).multiprocessors} * 32;
  return static_cast<unsigned>(std::min(wanted, std::max<std::int64_t>(cap, 1)));
}

Scratch::Scratch(std::size_t nbytes) : device_(current_device()) {
  ptr_ = state(device_).allocator.allocate(nbytes, &capacity_);
}

Scratch::~Scratch() { state(device_).allocator.deallocate(ptr_, capacity_); }

void copy_to_host(void* dst, const void* src, std::size_t nbytes) {
  const cudaStream_t stream = current_stream();
  check(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, stream), "copy to the CPU");
  check(cudaStreamSynchronize(stream), "copy to the CPU");
}

bool allow_tf32() { return eager::cuda::allow_tf32(); }

}  // namespace cuda

DeviceRuntime* cuda_runtime() {
  // Leaked on purpose, like the allocators: tensors in static storage free
  // their device memory after main.
  static auto* runtime = new cuda::CudaRuntime;
  return runtime;
}

}  // namespace eager::detail
