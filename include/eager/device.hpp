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

// CUDA devices. Everything here works in a build without CUDA and on a
// machine without a GPU: is_available() is then false and device_count() 0.
namespace cuda {
bool is_available();
int device_count();
// Why no GPU can be used ("eager was built without CUDA", "no CUDA-capable
// device is detected", "the driver is older than the CUDA runtime", ...);
// empty when is_available().
std::string unavailable_reason();
// Waits until every op queued on the device has finished; surfaces the first
// asynchronous error of a kernel as an exception. Copies to the CPU
// synchronise by themselves, so this is for timing and for error checks.
void synchronize(int device = 0);
// Whether float32 matmuls on the GPU may use TF32 tensor cores (about 10
// mantissa bits instead of 23). Off by default, as torch.backends.cuda.matmul.allow_tf32
// and unlike TensorFlow, so that CPU and GPU agree to float32 rounding.
void set_allow_tf32(bool allow);
bool allow_tf32();
}  // namespace cuda

// The session options of TensorFlow 1 (ConfigProto) as eager switches, per
// process: tf.config.set_soft_device_placement and
// tf.debugging.set_log_device_placement.
namespace config {
// When on, an op asked to run on a GPU for which eager has no GPU kernel
// runs on the CPU instead (inputs are copied to the CPU and the result stays
// there), as TensorFlow's soft placement does. Off by default: the op throws
// Unimplemented naming the op, dtype and device.
void set_soft_device_placement(bool enabled);
bool soft_device_placement();
// When on, every op prints one line to stderr: "Executing op matmul in
// device /device:GPU:0".
void set_log_device_placement(bool enabled);
bool log_device_placement();
}  // namespace config

}  // namespace eager
