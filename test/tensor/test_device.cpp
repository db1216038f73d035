// Devices as seen from any machine: the CPU, and CUDA refused with a reason
// where there is no GPU (the GPU side is in test/cuda/). Also the session
// options: soft placement and the device placement log.
#include <catch2/catch.hpp>

#include <string>

#include "eager/eager.hpp"
#include "tensor/dispatch.hpp"
#include "test_util.hpp"

using namespace eager;
using eager::test::capture_stderr;
using eager::test::MessageContains;

TEST_CASE("the CPU device and the default device", "[tensor][device]") {
  REQUIRE(Device::cpu().name() == "/device:CPU:0");
  REQUIRE(default_device() == Device::cpu());
  const Tensor t = constant({1, 2});
  REQUIRE(t.to(Device::cpu()).shares_storage_with(t));
  REQUIRE(t.cpu().shares_storage_with(t));
}

TEST_CASE("CUDA is refused with a reason where no GPU can be used", "[tensor][device]") {
  if (cuda::is_available()) {
    WARN("a GPU is present: the no-GPU path is not exercised here (test/cuda/ covers the GPU)");
    return;
  }
  const std::string reason = cuda::unavailable_reason();
  REQUIRE_FALSE(reason.empty());
  REQUIRE(cuda::device_count() == 0);
  REQUIRE_THROWS_MATCHES(Device::cuda(0), Unavailable, MessageContains(reason));
  REQUIRE_THROWS_MATCHES(Device::cuda(0), Unavailable, MessageContains("Device::cuda(0)"));
  REQUIRE_THROWS_AS(cuda::synchronize(), Unavailable);
  REQUIRE_THROWS_AS(memory::stats(Device::cuda(1)), Unavailable);
}

TEST_CASE("the TF32 switch is off by default and can be turned on", "[tensor][device]") {
  REQUIRE_FALSE(cuda::allow_tf32());
  cuda::set_allow_tf32(true);
  REQUIRE(cuda::allow_tf32());
  cuda::set_allow_tf32(false);
  REQUIRE_FALSE(cuda::allow_tf32());
}

TEST_CASE("log_device_placement prints where each op runs", "[tensor][device]") {
  const Tensor a = constant({1.f, 2.f}), b = constant({3.f, 4.f});
  REQUIRE_FALSE(config::log_device_placement());
  const std::string quiet = capture_stderr([&] { (void)add(a, b); });
  REQUIRE(quiet.empty());
  config::set_log_device_placement(true);
  const std::string logged = capture_stderr([&] {
    (void)add(a, b);
    (void)zeros(Shape{2});
  });
  config::set_log_device_placement(false);
  REQUIRE(logged.find("Executing op add in device /device:CPU:0\n") != std::string::npos);
  REQUIRE(logged.find("in device /device:CPU:0") != std::string::npos);
}

TEST_CASE("soft placement lets ops without a GPU kernel run on the CPU, and logs it", "[tensor][device]") {
  REQUIRE_FALSE(config::soft_device_placement());
  REQUIRE_FALSE(detail::soft_place_on_cpu("non_max_suppression"));
  config::set_soft_device_placement(true);
  REQUIRE(config::soft_device_placement());
  REQUIRE(detail::soft_place_on_cpu("non_max_suppression"));
  config::set_log_device_placement(true);
  const std::string logged = capture_stderr([] { REQUIRE(detail::soft_place_on_cpu("non_max_suppression")); });
  config::set_log_device_placement(false);
  config::set_soft_device_placement(false);
  REQUIRE(logged == "Executing op non_max_suppression in device /device:CPU:0\n");
}
