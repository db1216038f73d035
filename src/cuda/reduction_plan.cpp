// The multiprocessor count behind the reduction and scan launch plans.
#include <atomic>

#include "cuda/cuda_common.hpp"
#include "cuda/reduction_plan.hpp"

namespace eager::detail::cuda {

int multiprocessor_count() {
  // Asked once per device: plans are made for every reduction, and the
  // attribute query costs about a microsecond.
  constexpr int kCachedDevices = 64;
  static std::atomic<int> cached[kCachedDevices];
  const int device = current_device();
  if (device < kCachedDevices) {
    const int known = cached[device].load(std::memory_order_relaxed);
    if (known > 0) return known;
  }
  int count = 0;
  check(cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device),
        "cudaDeviceGetAttribute(cudaDevAttrMultiProcessorCount)");
  if (device < kCachedDevices) cached[device].store(count, std::memory_order_relaxed);
  return count;
}

}  // namespace eager::detail::cuda
