#pragma once
// The seed's mnist_inference module, shared by the MNIST samples: the
// 784-500-10 ReLU network with its variables named "mlp/layer1/weights" and
// so on (the checkpoint keys), its logits through moving averages, accuracy,
// and the training / validation / test splits of an IDX directory.
#include <cstdint>
#include <string>

#include "eager/data/idx.hpp"
#include "eager/eager.hpp"

namespace mnist {

constexpr std::int64_t kInputNode = 784;
constexpr std::int64_t kLayer1Node = 500;
constexpr std::int64_t kOutputNode = 10;
constexpr std::int64_t kValidationSize = 5000;  // held out of the training images, as the seed's input_data does
// The seed's training constants (mnist_train.py), which the evaluator shares.
constexpr double kLearningRateDecay = 0.99;
constexpr double kRegularizationRate = 1e-4;
constexpr double kMovingAverageDecay = 0.99;

class Mlp : public eager::Module {
 public:
  Mlp()
      : Module("mlp"),
        layer1_(add_module<eager::Dense>(kInputNode, kLayer1Node, eager::relu, "layer1", weights_init(), bias_init())),
        layer2_(add_module<eager::Dense>(kLayer1Node, kOutputNode, nullptr, "layer2", weights_init(), bias_init())) {}

  eager::Tensor operator()(const eager::Tensor& x) const { return layer2_(layer1_(x)); }
  const eager::Dense& layer1() const { return layer1_; }
  const eager::Dense& layer2() const { return layer2_; }
  std::vector<eager::Variable> weights() const { return {layer1_.weights(), layer2_.weights()}; }

 private:
  static eager::initializers::Initializer weights_init() { return eager::initializers::truncated_normal(0.0, 0.1); }
  static eager::initializers::Initializer bias_init() { return eager::initializers::constant(0.1); }
  eager::Dense& layer1_;
  eager::Dense& layer2_;
};

// The network's logits computed with the moving averages of its variables
// (the seed's average_y).
inline eager::Tensor averaged_logits(const Mlp& model, const eager::ExponentialMovingAverage& ema,
                                     const eager::Tensor& x) {
  const auto avg = [&](const eager::Variable& v) { return ema.average(v).value(); };
  const eager::Tensor hidden =
      eager::relu(eager::matmul(x, avg(model.layer1().weights())) + avg(model.layer1().biases()));
  return eager::matmul(hidden, avg(model.layer2().weights())) + avg(model.layer2().biases());
}

inline double accuracy(const eager::Tensor& logits, const eager::Tensor& labels) {
  const eager::Tensor predicted = eager::argmax(logits, 1, eager::DType::Int32);
  return eager::reduce_mean(eager::cast(eager::equal(predicted, labels), eager::DType::Float32)).item<double>();
}

// Images as float32 rows in [0, 1], labels as int32.
struct Split {
  eager::Tensor images, labels;
  std::int64_t size() const { return labels.num_elements(); }
};

inline Split make_split(const eager::Tensor& images, const eager::Tensor& labels, std::int64_t begin,
                        std::int64_t count) {
  const eager::Tensor rows =
      eager::reshape(eager::slice(images, {begin, 0, 0}, {count, -1, -1}), {count, kInputNode});
  return {eager::cast(rows, eager::DType::Float32) / 255.0f,
          eager::cast(eager::slice(labels, {begin}, {count}), eager::DType::Int32)};
}

struct Splits {
  Split train, validation, test;
};

// The seed's input_data.read_data_sets: the first kValidationSize training
// images are the validation set. The uint8 files move to `device` before
// they are converted, a quarter of the bytes of float32.
inline Splits load_splits(const std::string& directory, eager::Device device = eager::Device::cpu()) {
  const eager::data::MnistData data = eager::data::load_mnist(directory);
  const std::int64_t total = data.train_labels.num_elements();
  if (total <= kValidationSize)
    throw eager::InvalidArgument(directory + " holds " + std::to_string(total) + " training images, too few");
  const eager::Tensor train_images = data.train_images.to(device), train_labels = data.train_labels.to(device);
  const eager::Tensor test_images = data.test_images.to(device), test_labels = data.test_labels.to(device);
  return {make_split(train_images, train_labels, kValidationSize, total - kValidationSize),
          make_split(train_images, train_labels, 0, kValidationSize),
          make_split(test_images, test_labels, 0, test_labels.num_elements())};
}

}  // namespace mnist
