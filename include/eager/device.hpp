#pragma once
#include <string>

namespace eager {

enum class DeviceType : unsigned char { CPU = 0, CUDA = 1 };
inline constexpr int kNumDeviceTypes = 2;

// Where a tensor's memory lives and its ops run. Device::cuda(i) checks that
// the device exists and throws Unavailable otherwise (always, in a build
// without CUDA), so a Device value always names a usable device.
class Device {
 public:
  constexpr Device() = default;
  static constexpr Device cpu() { return Device(); }
  static Device cuda(int index = 0);

  constexpr DeviceType type() const { return type_; }
  constexpr int index() const { return index_; }
  constexpr bool is_cpu() const { return type_ == DeviceType::CPU; }
  constexpr bool is_cuda() const { return type_ == DeviceType::CUDA; }
  // TensorFlow's spelling: "/device:CPU:0", "/device:GPU:1".
  std::string name() const;

  friend constexpr bool operator==(Device a, Device b) { return a.type_ == b.type_ && a.index_ == b.index_; }

 private:
  constexpr Device(DeviceType type, int index) : type_(type), index_(index) {}
  DeviceType type_ = DeviceType::CPU;
  int index_ = 0;
};

}  // namespace eager
