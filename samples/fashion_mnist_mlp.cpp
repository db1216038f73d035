// The seed's "best practice" MNIST program in C++, on Fashion-MNIST: a
// 784-500-10 ReLU network trained with SGD on an exponentially decaying
// learning rate, L2 regularisation of the weights and an exponential moving
// average of every trainable variable; validation and test accuracy use the
// averaged weights, as in the seed.
//
//   fashion_mnist_mlp [--steps N] [--batch-size N] [--learning-rate X]
//                     [--data DIR] [--eval-every N] [--seed N]
//                     [--min-test-accuracy X] [--device cpu|cuda|cuda:N]
//
// DIR holds the four IDX files (Debian: dataset-fashion-mnist installs them
// in /usr/share/datasets/fashion-mnist).
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "eager/eager.hpp"
#include "eager/initializers.hpp"
#include "eager/module.hpp"
#include "eager/moving_average.hpp"
#include "eager/optimizers.hpp"
#include "eager/schedules.hpp"
#include "flags.hpp"
#include "mnist_inference.hpp"

namespace {

struct Options {
  std::int64_t steps = 10000;
  std::int64_t batch_size = 100;
  double learning_rate = 0.8;
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::int64_t eval_every = 1000;
  std::int64_t seed = 1;
  double min_test_accuracy = 0;
  std::string device = "cpu";
};

// "cpu", "cuda" or "cuda:N"; Device::cuda says why when there is no GPU.
eager::Device parse_device(const std::string& name) {
  if (name == "cpu") return eager::Device::cpu();
  if (name == "cuda") return eager::Device::cuda(0);
  if (name.rfind("cuda:", 0) == 0 && name.size() > 5 && name.find_first_not_of("0123456789", 5) == std::string::npos)
    return eager::Device::cuda(std::stoi(name.substr(5)));
  throw eager::InvalidArgument("--device must be cpu, cuda or cuda:N, got '" + name + "'");
}

Options parse_options(int argc, char** argv) {
  Options o;
  samples::Flags flags("fashion_mnist_mlp", "Trains the seed's MNIST network on Fashion-MNIST.");
  flags.add("--steps", o.steps, "N");
  flags.add("--batch-size", o.batch_size, "N");
  flags.add("--learning-rate", o.learning_rate, "X");
  flags.add("--data", o.data_dir, "DIR");
  flags.add("--eval-every", o.eval_every, "N");
  flags.add("--seed", o.seed, "N");
  flags.add("--min-test-accuracy", o.min_test_accuracy, "X");
  flags.add("--device", o.device, "cpu|cuda|cuda:N");
  flags.parse(argc, argv);
  if (o.steps < 0 || o.batch_size <= 0 || o.eval_every <= 0)
    flags.fail("steps must be >= 0, batch size and eval-every > 0");
  return o;
}

class Progress {
 public:
  explicit Progress(std::int64_t total) : total_(total), tty_(isatty(STDOUT_FILENO) != 0) {}

  void update(std::int64_t step, double loss, double learning_rate) {
    const auto now = Clock::now();
    // A terminal gets a line redrawn four times a second; a log file a line
    // every five seconds.
    const auto interval = tty_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(5000);
    if (step < total_ && now - last_ < interval) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(step) / elapsed : 0;
    const double left = rate > 0 ? static_cast<double>(total_ - step) / rate : 0;
    std::printf("%sstep %lld/%lld  loss %.4f  lr %.4f  %.0f steps/s  %.0fs left   %s", tty_ ? "\r" : "",
                static_cast<long long>(step), static_cast<long long>(total_), loss, learning_rate, rate, left,
                tty_ ? "" : "\n");
    std::fflush(stdout);
    printed_ = true;
  }
  // Ends the overwritten progress line before other output.
  void break_line() {
    if (tty_ && printed_) std::printf("\n");
    printed_ = false;
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  std::int64_t total_;
  bool tty_;
  bool printed_ = false;
  Clock::time_point start_ = Clock::now(), last_ = Clock::now() - std::chrono::seconds(1);
};

int run(const Options& options) {
  eager::random::set_seed(options.seed);
  // Everything created below (variables, the shuffled order, temporaries)
  // lives on this device, as under TensorFlow's `with tf.device(...)`; the
  // data is loaded on the CPU and moved there once.
  const eager::Device device = parse_device(options.device);
  const eager::DeviceScope on_device(device);
  const auto [train, validation, test] = mnist::load_splits(options.data_dir, device);
  if (options.batch_size > train.size())
    throw eager::InvalidArgument("the batch size is larger than the training set");
  std::printf("Fashion-MNIST: %lld training, %lld validation, %lld test images, on %s\n",
              static_cast<long long>(train.size()), static_cast<long long>(validation.size()),
              static_cast<long long>(test.size()), device.name().c_str());

  mnist::Mlp model;
  const std::vector<eager::Variable> variables = model.trainable_variables();
  const std::int64_t steps_per_epoch = train.size() / options.batch_size;
  eager::optimizers::SGD sgd(
      eager::schedules::ExponentialDecay{options.learning_rate, steps_per_epoch, mnist::kLearningRateDecay, true});
  eager::ExponentialMovingAverage ema(mnist::kMovingAverageDecay, sgd.iterations());
  ema.apply(variables);
  const auto regularizer = eager::regularizers::l2_regularizer(mnist::kRegularizationRate);

  Progress progress(options.steps);
  eager::Tensor order;
  for (std::int64_t step = 0; step < options.steps; ++step) {
    if (step % options.eval_every == 0) {
      progress.break_line();
      std::printf("After %lld training step(s), validation accuracy using average model is %.4f\n",
                  static_cast<long long>(step),
                  mnist::accuracy(mnist::averaged_logits(model, ema, validation.images), validation.labels));
    }
    // A fresh random order of the training images every epoch (next_batch).
    const std::int64_t batch_in_epoch = step % steps_per_epoch;
    if (batch_in_epoch == 0) order = eager::random::shuffle(eager::range(train.size()));
    const eager::Tensor indices = eager::slice(order, {batch_in_epoch * options.batch_size}, {options.batch_size});
    const eager::Tensor x = eager::gather(train.images, indices);
    const eager::Tensor y = eager::gather(train.labels, indices);

    eager::GradientTape tape;
    const eager::Tensor cross_entropy =
        eager::reduce_mean(eager::nn::sparse_softmax_cross_entropy_with_logits(y, model(x)));
    const eager::Tensor loss =
        cross_entropy + regularizer(model.layer1().weights()) + regularizer(model.layer2().weights());
    const double learning_rate = sgd.learning_rate();
    sgd.apply_gradients(tape.gradient(loss, variables), variables);
    ema.apply(variables);
    progress.update(step + 1, loss.item<double>(), learning_rate);
  }
  progress.break_line();

  const double test_accuracy = mnist::accuracy(mnist::averaged_logits(model, ema, test.images), test.labels);
  std::printf("After %lld training step(s), test accuracy using average model is %.4f (without averaging: %.4f)\n",
              static_cast<long long>(options.steps), test_accuracy, mnist::accuracy(model(test.images), test.labels));
  std::printf("%lld steps in %.1f s\n", static_cast<long long>(options.steps), progress.seconds());
  if (test_accuracy < options.min_test_accuracy) {
    std::fprintf(stderr, "test accuracy %.4f is below --min-test-accuracy %.4f\n", test_accuracy,
                 options.min_test_accuracy);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  return samples::run_guarded("fashion_mnist_mlp", [&] { return run(options); });
}
