#include "eager/device.hpp"

#include <atomic>
#include <string>

#include "device_runtime.hpp"
#include "dispatch.hpp"
#include "eager/dtype.hpp"
#include "eager/error.hpp"
#include "eager/tensor.hpp"
#include "trace_scope.hpp"

namespace eager {

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::UInt8: return "uint8";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "unknown";
}

#ifndef EAGER_WITH_CUDA
detail::DeviceRuntime* detail::cuda_runtime() { return nullptr; }
#endif

Device Device::cuda(int index) {
  const std::string what = "Device::cuda(" + std::to_string(index) + ")";
  detail::DeviceRuntime* runtime = detail::cuda_runtime();
  if (!runtime) throw Unavailable(what + ": " + cuda::unavailable_reason());
  const int count = runtime->device_count();
  if (count == 0) throw Unavailable(what + ": no usable GPU: " + runtime->unavailable_reason());
  if (index < 0 || index >= count)
    throw Unavailable(what + ": there " + (count == 1 ? "is 1 GPU" : "are " + std::to_string(count) + " GPUs") +
                      " (indices 0.." + std::to_string(count - 1) + ")");
  return Device(DeviceType::CUDA, index);
}

std::string Device::name() const {
  return std::string("/device:") + (is_cpu() ? "CPU:" : "GPU:") + std::to_string(index_);
}

namespace {
thread_local Device t_default_device = Device::cpu();
std::atomic<bool> g_allow_tf32{false};
std::atomic<bool> g_soft_device_placement{false};
}  // namespace

Device default_device() { return t_default_device; }

DeviceScope::DeviceScope(Device device) : previous_(t_default_device) { t_default_device = device; }
DeviceScope::~DeviceScope() { t_default_device = previous_; }

namespace cuda {
int device_count() {
  detail::DeviceRuntime* runtime = detail::cuda_runtime();
  return runtime ? runtime->device_count() : 0;
}
bool is_available() { return device_count() > 0; }
std::string unavailable_reason() {
  detail::DeviceRuntime* runtime = detail::cuda_runtime();
  if (!runtime) return "eager was built without CUDA (configure with -DEAGER_CUDA=ON where nvcc is installed)";
  return runtime->device_count() > 0 ? std::string() : runtime->unavailable_reason();
}
void synchronize(int device) {
  // Device::cuda checks the index and says why when there is no GPU.
  detail::cuda_runtime_checked(Device::cuda(device)).synchronize(device);
}
void set_allow_tf32(bool allow) { g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool allow_tf32() { return g_allow_tf32.load(std::memory_order_relaxed); }
}  // namespace cuda

namespace config {
void set_soft_device_placement(bool enabled) { g_soft_device_placement.store(enabled, std::memory_order_relaxed); }
bool soft_device_placement() { return g_soft_device_placement.load(std::memory_order_relaxed); }
void set_log_device_placement(bool enabled) {
  profiler::detail::log_device_placement.store(enabled, std::memory_order_relaxed);
}
bool log_device_placement() { return profiler::detail::log_device_placement.load(std::memory_order_relaxed); }
}  // namespace config

namespace detail {

DeviceRuntime& cuda_runtime_checked(Device) { return *cuda_runtime(); }

bool soft_place_on_cpu(const char* op) {
  if (!config::soft_device_placement()) return false;
  if (config::log_device_placement()) profiler::detail::log_placement(op, Device::cpu());
  return true;
}

}  // namespace detail

}  // namespace eager
