// The seed's mnist_eval: polls the directory mnist_train saves into, and for
// each new checkpoint restores it with the moving averages loaded into the
// model's own variables (variables_to_restore) and prints the validation
// accuracy. Stops after the checkpoint marked training_complete.
//
//   mnist_eval [--model-dir DIR] [--data DIR] [--interval SECONDS]
//              [--timeout SECONDS] [--min-accuracy X]
//
// --timeout ends the wait when no new checkpoint arrives for that long (exit
// status 1); --min-accuracy makes the last accuracy a pass/fail check.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include "eager/eager.hpp"
#include "eager/train.hpp"
#include "flags.hpp"
#include "mnist_inference.hpp"

namespace {

struct Options {
  std::string model_dir = "MNIST_model";
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  double interval = 10;  // the seed's EVAL_INTERVAL_SECS
  double timeout = 600;
  double min_accuracy = 0;
};

Options parse_options(int argc, char** argv) {
  Options o;
  samples::Flags flags("mnist_eval", "Evaluates each new checkpoint of mnist_train.");
  flags.add("--model-dir", o.model_dir, "DIR");
  flags.add("--data", o.data_dir, "DIR");
  flags.add("--interval", o.interval, "SECONDS");
  flags.add("--timeout", o.timeout, "SECONDS");
  flags.add("--min-accuracy", o.min_accuracy, "X");
  flags.parse(argc, argv);
  if (!(o.interval > 0) || !(o.timeout > 0)) flags.fail("interval and timeout must be positive");
  return o;
}

int run(const Options& options) {
  const mnist::Split validation = mnist::load_splits(options.data_dir).validation;
  mnist::Mlp model;
  // Maps "mlp/layer1/weights/ExponentialMovingAverage" -> the model's own
  // "mlp/layer1/weights", and so on: restoring loads the averages.
  const eager::ExponentialMovingAverage ema(mnist::kMovingAverageDecay);
  const eager::train::Checkpoint averages(ema.variables_to_restore(model.variables()));

  using Clock = std::chrono::steady_clock;
  auto last_new = Clock::now();
  std::string last_path;
  double accuracy = 0;
  while (true) {
    const auto latest = eager::train::latest_checkpoint(options.model_dir);
    if (latest && *latest != last_path) {
      try {
        const auto result = averages.restore(*latest);
        accuracy = mnist::accuracy(model(validation.images), validation.labels);
        std::printf("After %lld training step(s), validation accuracy = %g\n",
                    static_cast<long long>(result.step.value_or(0)), accuracy);
        std::fflush(stdout);
        last_path = *latest;
        last_new = Clock::now();
        if (result.metadata.contains("training_complete")) break;
      } catch (const eager::NotFound&) {
        // The trainer deleted it between our reading the state file and
        // opening it (it keeps only the newest few); the next poll sees a newer one.
      }
    } else if (std::chrono::duration<double>(Clock::now() - last_new).count() > options.timeout) {
      std::fprintf(stderr, "mnist_eval: %s in %s for %g s\n", latest ? "no new checkpoint" : "No checkpoint file found",
                   options.model_dir.c_str(), options.timeout);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(options.interval));
  }
  if (accuracy < options.min_accuracy) {
    std::fprintf(stderr, "validation accuracy %g is below --min-accuracy %g\n", accuracy, options.min_accuracy);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  return samples::run_guarded("mnist_eval", [&] { return run(options); });
}
