// The CUDA runtime: transfers, device scopes, the caching allocator, errors,
// gradients across devices, printing and the placement options.
#include <catch2/catch.hpp>

#include <cstdint>
#include <numeric>
#include <vector>

#include "cuda_test_util.hpp"
#include "eager/image.hpp"

using namespace eager;
using eager::test::gpu;
using eager::test::MessageContains;

TEST_CASE("tensors go to the GPU and back unchanged, every dtype", "[cuda][device]") {
  for (DType dtype : {DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64}) {
    const Tensor host = test::random_tensor(Shape{3, 5}, dtype, 7);
    const Tensor on_gpu = host.to(gpu());
    REQUIRE(on_gpu.device() == gpu());
    REQUIRE(on_gpu.dtype() == dtype);
    REQUIRE(on_gpu.shape() == host.shape());
    REQUIRE(on_gpu.to(gpu()).shares_storage_with(on_gpu));
    test::require_close(on_gpu.cpu(), host, 0, 0);
  }
}

TEST_CASE("large transfers cross the staging chunks in both directions", "[cuda][device]") {
  // 20 MB: more than two 8 MiB pinned chunks, and not a multiple of one.
  const std::int64_t n = 5'000'001;
  std::vector<std::int32_t> values(static_cast<std::size_t>(n));
  std::iota(values.begin(), values.end(), -17);
  const Tensor host = constant(values, Shape{n});
  const Tensor back = host.to(gpu()).cpu();
  REQUIRE(back.to_vector<std::int32_t>() == values);
}

TEST_CASE("views are made contiguous before they move", "[cuda][device]") {
  const Tensor host = test::random_tensor(Shape{4, 6}, DType::Float32, 3);
  const Tensor view = transpose(slice(host, {1, 0}, {2, -1}));
  test::require_close(view.to(gpu()).cpu(), view.contiguous(), 0, 0);
  const Tensor gpu_view = transpose(host.to(gpu()));
  test::require_close(gpu_view.cpu(), transpose(host).contiguous(), 0, 0);
}

TEST_CASE("a device scope puts new tensors and ops on the GPU", "[cuda][device]") {
  const DeviceScope scope(gpu());
  REQUIRE(default_device() == gpu());
  const Tensor z = zeros(Shape{2, 3});
  REQUIRE(z.device() == gpu());
  const Tensor c = constant({1.f, 2.f, 3.f});
  REQUIRE(c.device() == gpu());
  REQUIRE((c * 2.0f).device() == gpu());
  REQUIRE(reduce_sum(c).item<float>() == 6.0f);
  REQUIRE(range(5).device() == gpu());
}

TEST_CASE("ops refuse operands on different devices", "[cuda][device][errors]") {
  const Tensor a = constant({1.f, 2.f});
  REQUIRE_THROWS_MATCHES(add(a, a.to(gpu())), InvalidArgument, MessageContains("different devices"));
  REQUIRE_THROWS_MATCHES(a.to(gpu()).data<float>(), InvalidArgument, MessageContains(".cpu()"));
}

TEST_CASE("the caching allocator reuses freed blocks and reports statistics", "[cuda][device][memory]") {
  memory::empty_cache(gpu());
  memory::reset_peak(gpu());
  const auto before = memory::stats(gpu());
  { const Tensor t = Tensor::empty(Shape{1 << 20}, DType::Float32, gpu()); }
  const auto after_first = memory::stats(gpu());
  REQUIRE(after_first.system_allocations == before.system_allocations + 1);
  REQUIRE(after_first.cached_bytes >= (4 << 20));
  REQUIRE(after_first.peak_allocated_bytes >= before.allocated_bytes + (4 << 20));
  { const Tensor t = Tensor::empty(Shape{1 << 20}, DType::Float32, gpu()); }
  REQUIRE(memory::stats(gpu()).system_allocations == after_first.system_allocations);
  memory::empty_cache(gpu());
  REQUIRE(memory::stats(gpu()).cached_bytes == 0);
}

TEST_CASE("out of GPU memory is a catchable error that says how much", "[cuda][device][memory]") {
  // 2^50 bytes: more than any GPU has; the allocator empties its cache,
  // retries, then throws.
  REQUIRE_THROWS_MATCHES(Tensor::empty(Shape{std::int64_t{1} << 48}, DType::Float32, gpu()), ResourceExhausted,
                         MessageContains("out of memory allocating"));
  // The device is still usable afterwards.
  REQUIRE(reduce_sum(ones(Shape{10}, DType::Float32, gpu())).item<float>() == 10.0f);
}

TEST_CASE("gradients flow back across devices", "[cuda][device][autograd]") {
  const Tensor x = constant({1.0, 2.0, 3.0});
  GradientTape tape;
  tape.watch(x);
  const Tensor y = reduce_sum(square(x.to(gpu())));
  REQUIRE(y.device() == gpu());
  const Tensor g = tape.gradient(y, x);
  REQUIRE(g.device() == Device::cpu());
  REQUIRE(g.to_vector<double>() == std::vector<double>{2, 4, 6});
}

TEST_CASE("GPU tensors print their values and their device", "[cuda][device]") {
  const Tensor t = constant({1, 2}).to(gpu());
  REQUIRE(t.to_string() == "eager.Tensor([1 2], shape=(2,), dtype=int32, device=/device:GPU:0)");
  REQUIRE(t[1].item<std::int64_t>() == 2);
  REQUIRE(t.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("synchronize waits for the device and device_count sees it", "[cuda][device]") {
  REQUIRE(cuda::is_available());
  REQUIRE(cuda::device_count() >= 1);
  REQUIRE(cuda::unavailable_reason().empty());
  (void)(ones(Shape{1000}, DType::Float32, gpu()) * 3.0f);
  cuda::synchronize();
  REQUIRE_THROWS_AS(Device::cuda(cuda::device_count()), Unavailable);
}

TEST_CASE("ops without a GPU kernel refuse GPU inputs unless soft placement is on", "[cuda][device][placement]") {
  const Tensor boxes = constant({{0.f, 0.f, 1.f, 1.f}, {0.f, 0.1f, 1.f, 1.1f}, {0.f, 2.f, 1.f, 3.f}});
  const Tensor scores = constant({0.9f, 0.8f, 0.7f});
  const Tensor expected = image::non_max_suppression(boxes, scores, 3, 0.5);
  REQUIRE_THROWS_MATCHES(image::non_max_suppression(boxes.to(gpu()), scores.to(gpu()), 3, 0.5), Unimplemented,
                         MessageContains("set_soft_device_placement(true)"));
  config::set_soft_device_placement(true);
  const Tensor selected = image::non_max_suppression(boxes.to(gpu()), scores.to(gpu()), 3, 0.5);
  config::set_soft_device_placement(false);
  // As in TensorFlow, the op ran on the CPU and its result stays there.
  REQUIRE(selected.device() == Device::cpu());
  REQUIRE(selected.to_vector<std::int32_t>() == expected.to_vector<std::int32_t>());
}

TEST_CASE("log_device_placement names the GPU for ops that run there", "[cuda][device][placement]") {
  const Tensor a = ones(Shape{4}, DType::Float32, gpu());
  config::set_log_device_placement(true);
  const std::string logged = test::capture_stderr([&] { (void)add(a, a); });
  config::set_log_device_placement(false);
  REQUIRE(logged.find("Executing op add in device /device:GPU:0\n") != std::string::npos);
}
