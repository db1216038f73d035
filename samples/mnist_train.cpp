// The seed's mnist_train: trains the MNIST network (on Fashion-MNIST) with
// SGD on a decaying learning rate, L2 regularisation and moving averages,
// saving a checkpoint every N steps through a CheckpointManager and logging
// for TensorBoard. mnist_eval, run beside it, evaluates each checkpoint.
//
//   mnist_train [--steps N] [--save-every N] [--model-dir DIR] [--logdir DIR]
//               [--max-to-keep N] [--batch-size N] [--learning-rate X]
//               [--data DIR] [--seed N]
//
// A run restarted on the same --model-dir resumes from its latest checkpoint.
// The last checkpoint carries the metadata training_complete=true, which
// tells mnist_eval to stop. View the logs with `tensorboard --logdir DIR`.
#include <cstdint>
#include <cstdio>
#include <string>

#include "eager/eager.hpp"
#include "eager/profiler.hpp"
#include "eager/summary.hpp"
#include "eager/train.hpp"
#include "flags.hpp"
#include "mnist_inference.hpp"

namespace {

struct Options {
  std::int64_t steps = 30000;
  std::int64_t save_every = 1000;
  std::string model_dir = "MNIST_model";
  std::string logdir = "MNIST_logs";
  int max_to_keep = 5;
  std::int64_t batch_size = 100;
  double learning_rate = 0.8;
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::int64_t seed = 1;
};

Options parse_options(int argc, char** argv) {
  Options o;
  samples::Flags flags("mnist_train", "Trains the MNIST network, saving checkpoints and TensorBoard logs.");
  flags.add("--steps", o.steps, "N");
  flags.add("--save-every", o.save_every, "N");
  flags.add("--model-dir", o.model_dir, "DIR");
  flags.add("--logdir", o.logdir, "DIR");
  flags.add("--max-to-keep", o.max_to_keep, "N");
  flags.add("--batch-size", o.batch_size, "N");
  flags.add("--learning-rate", o.learning_rate, "X");
  flags.add("--data", o.data_dir, "DIR");
  flags.add("--seed", o.seed, "N");
  flags.parse(argc, argv);
  if (o.steps < 1 || o.save_every < 1 || o.batch_size < 1 || o.max_to_keep < 1)
    flags.fail("steps, save-every, batch-size and max-to-keep must be positive");
  return o;
}

int run(const Options& options) {
  eager::random::set_seed(options.seed);
  const mnist::Splits data = mnist::load_splits(options.data_dir);
  const mnist::Split& train = data.train;
  if (options.batch_size > train.size())
    throw eager::InvalidArgument("the batch size is larger than the training set");

  mnist::Mlp model;
  const std::vector<eager::Variable> variables = model.trainable_variables();
  const std::int64_t steps_per_epoch = train.size() / options.batch_size;
  eager::optimizers::SGD sgd(
      eager::schedules::ExponentialDecay{options.learning_rate, steps_per_epoch, mnist::kLearningRateDecay, true});
  eager::ExponentialMovingAverage ema(mnist::kMovingAverageDecay, sgd.iterations());
  ema.apply(variables);
  const auto regularizer = eager::regularizers::l2_regularizer(mnist::kRegularizationRate);

  // The model, the global step (the optimizer's iterations) and the averages.
  eager::train::Checkpoint checkpoint;
  checkpoint.add(model).add(sgd).add(ema);
  eager::train::CheckpointManager manager(checkpoint, options.model_dir, {.max_to_keep = options.max_to_keep});
  if (const auto restored = manager.restore_latest())
    std::printf("Resumed from %s at step %lld\n", restored->path.c_str(), static_cast<long long>(*restored->step));

  eager::summary::FileWriter writer(options.logdir);
  eager::Tensor order;
  for (std::int64_t step = sgd.iterations().value().item<std::int64_t>(); step < options.steps;) {
    // A fresh random order of the training images every epoch (next_batch).
    const std::int64_t batch_in_epoch = step % steps_per_epoch;
    // Keyed by the epoch, so that a resumed run sees the same order.
    if (batch_in_epoch == 0 || !order.defined())
      order = eager::random::stateless_shuffle(eager::range(train.size()), {options.seed, step / steps_per_epoch});
    const eager::Tensor indices = eager::slice(order, {batch_in_epoch * options.batch_size}, {options.batch_size});
    const eager::Tensor x = eager::gather(train.images, indices);
    const eager::Tensor y = eager::gather(train.labels, indices);

    // The seed traces one step in every thousand (RunOptions FULL_TRACE);
    // here the profiler writes it as a Chrome trace beside the logs.
    const bool trace = step % 1000 == 0;
    if (trace) eager::profiler::start();
    eager::GradientTape tape;
    const eager::Tensor logits = model(x);
    const eager::Tensor cross_entropy =
        eager::reduce_mean(eager::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
    const eager::Tensor loss = cross_entropy + regularizer(model.layer1().weights()) + regularizer(model.layer2().weights());
    const double learning_rate = sgd.learning_rate();
    sgd.apply_gradients(tape.gradient(loss, variables), variables);
    ema.apply(variables);
    if (trace)
      eager::profiler::stop().save_chrome_trace(options.logdir + "/trace-step" + std::to_string(step) + ".json");
    ++step;

    if (step == 1) writer.image("input_images", eager::reshape(eager::slice(x, {0, 0}, {3, -1}), {3, 28, 28, 1}), step);
    if (step % 100 == 0 || step == options.steps) {
      writer.scalar("loss", loss.item<double>(), step);
      writer.scalar("learning_rate", learning_rate, step);
      writer.scalar("train_batch_accuracy", mnist::accuracy(logits, y), step);
    }
    if (step % options.save_every == 0 || step == options.steps) {
      for (const eager::Variable& v : variables) writer.histogram(v.name(), v.value(), step);
      if (step == options.steps) checkpoint.metadata()["training_complete"] = "true";
      manager.save(step);
      std::printf("After %lld training step(s), loss on training batch is %g.\n", static_cast<long long>(step),
                  loss.item<double>());
      std::fflush(stdout);
    }
  }
  writer.close();
  std::printf("Checkpoints in %s, TensorBoard logs in %s\n", options.model_dir.c_str(), writer.path().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  return samples::run_guarded("mnist_train", [&] { return run(options); });
}
