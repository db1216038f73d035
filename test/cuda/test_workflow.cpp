// The workflow layers on GPU tensors: they use only the public API, so they
// must work on any device: datasets batch on the device, checkpoints save
// GPU variables and restore into them, a training loop runs end to end.
#include <catch2/catch.hpp>

#include <filesystem>
#include <vector>

#include "cuda_test_util.hpp"
#include "eager/data/dataset.hpp"
#include "eager/moving_average.hpp"
#include "eager/optimizers.hpp"
#include "eager/train.hpp"

using namespace eager;
using eager::test::gpu;

TEST_CASE("a dataset of GPU tensors batches on the GPU", "[cuda][workflow]") {
  const Tensor features = test::random_tensor(Shape{6, 3}, DType::Float32, 11);
  auto ds = data::from_tensor_slices(features.to(gpu())).map([](Tensor x) { return x * 2.0f; }).batch(4);
  std::vector<Tensor> batches;
  for (const Tensor& b : ds) batches.push_back(b);
  REQUIRE(batches.size() == 2);
  REQUIRE(batches[0].device() == gpu());
  test::require_close(batches[0].cpu(), slice(features, {0, 0}, {4, -1}) * 2.0f, 0, 0);
  test::require_close(batches[1].cpu(), slice(features, {4, 0}, {2, -1}) * 2.0f, 0, 0);
}

TEST_CASE("a batch of elements on different devices is refused, not read across devices", "[cuda][workflow]") {
  const std::vector<Tensor> parts{constant({1.f}), constant({2.f}).to(gpu())};
  auto ds = data::from_generator([parts] {
              return [parts, i = std::size_t{0}]() mutable -> std::optional<Tensor> {
                if (i == parts.size()) return std::nullopt;
                return parts[i++];
              };
            }).batch(2);
  REQUIRE_THROWS_AS(ds.to_vector(), InvalidArgument);
}

TEST_CASE("checkpoints save GPU variables and restore into them", "[cuda][workflow]") {
  const auto dir = std::filesystem::temp_directory_path() / "eager_cuda_checkpoint_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Variable v(constant({1.0f, 2.0f, 3.0f}).to(gpu()), "v");
  train::Checkpoint ckpt;
  ckpt.add(v);
  const std::string path = ckpt.save(dir / "model");
  v.assign(constant({7.0f, 8.0f, 9.0f}).to(gpu()));
  ckpt.restore(path);
  REQUIRE(v.value().device() == gpu());
  REQUIRE(v.value().to_vector<float>() == std::vector<float>{1, 2, 3});
  std::filesystem::remove_all(dir);
}

TEST_CASE("a small training loop gives the same weights on the GPU as on the CPU", "[cuda][workflow]") {
  auto train = [](Device device) {
    const DeviceScope scope(device);
    random::set_seed(3);
    Dense layer(4, 3, relu, "layer");
    const auto variables = layer.trainable_variables();
    optimizers::SGD sgd(0.1);
    ExponentialMovingAverage ema(0.9);
    const Tensor x = test::random_tensor(Shape{8, 4}, DType::Float32, 5).to(device);
    const Tensor y = constant<std::int32_t>({0, 1, 2, 0, 1, 2, 0, 1}).to(device);
    for (int step = 0; step < 5; ++step) {
      GradientTape tape;
      const Tensor loss = reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(y, layer(x)));
      sgd.apply_gradients(tape.gradient(loss, variables), variables);
      ema.apply(variables);
    }
    random::clear_seed();
    return std::vector<Tensor>{layer.weights().value().cpu(), ema.average(layer.weights()).value().cpu()};
  };
  const auto on_cpu = train(Device::cpu());
  const auto on_gpu = train(gpu());
  // Same initial weights (Philox), then sums in a different order.
  test::require_close(on_gpu[0], on_cpu[0], 1e-5, 1e-6);
  test::require_close(on_gpu[1], on_cpu[1], 1e-5, 1e-6);
}
