#include "eager/device.hpp"

#include <string>

#include "eager/dtype.hpp"
#include "eager/error.hpp"
#include "eager/tensor.hpp"

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

Device Device::cuda(int index) {
  throw Unavailable("Device::cuda(" + std::to_string(index) +
                    "): eager has no CUDA kernels in this build; tensors and ops run on Device::cpu()");
}

std::string Device::name() const {
  return std::string("/device:") + (is_cpu() ? "CPU:" : "GPU:") + std::to_string(index_);
}

namespace {
thread_local Device t_default_device = Device::cpu();
}

Device default_device() { return t_default_device; }

DeviceScope::DeviceScope(Device device) : previous_(t_default_device) { t_default_device = device; }
DeviceScope::~DeviceScope() { t_default_device = previous_; }

}  // namespace eager
