// Autograd workloads: the cost of recording and differentiating tiny
// expressions, and one training step of the Fashion-MNIST sample's model.
#include <cstdint>
#include <vector>

#include "eager_bench_util.hpp"

namespace bench {

namespace {

void bench_tape_small() {
  guarded("tape_small_us", "us", [] {
    const auto x = random_tensor({16}, 11);
    const auto op = [&] {
      eager::GradientTape tape;
      tape.watch(x);
      const eager::Tensor y = eager::reduce_sum(x * x + x);
      const eager::Tensor g = tape.gradient(y, x);
    };
    warm_up(op, 2000);
    const auto before = system_allocations();
    const double us = time_median(op, 200, 50) * 1e6;
    Line line("tape_small_us", us, "us", "eager");
    add_target(line, us, {5.0, true});
    line.field("expr", "reduce_sum(x*x + x), 16 floats, record + gradient");
    line.field("system_allocations_in_loop", static_cast<double>(system_allocations() - before));
  });
}

// op_small_add while a tape records it (inputs watched, so every add is
// recorded), against the same adds with no tape. Each sample gets a fresh
// tape so that its record does not grow across samples.
void bench_tape_overhead() {
  guarded("tape_overhead_ratio", "ratio", [] {
    const auto a = random_tensor({16}, 1), b = random_tensor({16}, 2);
    constexpr int kBatch = 200;
    const auto plain = [&] {
      for (int i = 0; i < kBatch; ++i) eager::Tensor c = a + b;
    };
    double recorded_seconds = 0;
    const auto recorded = [&] {
      eager::GradientTape tape;
      tape.watch(a);
      tape.watch(b);
      const auto start = Clock::now();
      for (int i = 0; i < kBatch; ++i) eager::Tensor c = a + b;
      recorded_seconds = seconds_since(start);
    };
    std::vector<double> with_tape, without;
    for (int i = 0; i < 50; ++i) {
      plain();
      recorded();
    }
    for (int s = 0; s < 300; ++s) {
      const auto start = Clock::now();
      plain();
      without.push_back(seconds_since(start) / kBatch);
      recorded();
      with_tape.push_back(recorded_seconds / kBatch);
    }
    const double t_with = median(with_tape), t_without = median(without);
    Line line("tape_overhead_ratio", t_with / t_without, "ratio", "eager");
    add_target(line, t_with / t_without, {2.0, true});
    line.field("recorded_add_us", t_with * 1e6).field("plain_add_us", t_without * 1e6);
  });
}

// One step of samples/fashion_mnist_mlp at batch 100: forward, mean sparse
// cross-entropy plus L2 1e-4 on the weights, backward, SGD with a staircase
// exponential decay, and the moving average of all four variables.
void bench_mlp_train_step() {
  guarded("mlp_train_step_us", "us", [] {
    eager::random::set_seed(1);
    eager::Variable w1(eager::random::truncated_normal({784, 500}, 0.0, 0.1), "layer1/weights");
    eager::Variable b1(eager::fill({500}, 0.1f), "layer1/biases");
    eager::Variable w2(eager::random::truncated_normal({500, 10}, 0.0, 0.1), "layer2/weights");
    eager::Variable b2(eager::fill({10}, 0.1f), "layer2/biases");
    const std::vector<eager::Variable> variables{w1, b1, w2, b2};
    eager::optimizers::SGD sgd(eager::schedules::ExponentialDecay{0.8, 550, 0.99, true});
    eager::ExponentialMovingAverage ema(0.99, sgd.iterations());
    const auto x = eager::random::uniform({100, 784});
    const auto labels = eager::random::uniform({100}, 0, 10, eager::DType::Int32);
    const auto step = [&] {
      eager::GradientTape tape;
      const eager::Tensor hidden = eager::relu(eager::matmul(x, w1) + b1);
      const eager::Tensor logits = eager::matmul(hidden, w2) + b2;
      const eager::Tensor loss =
          eager::reduce_mean(eager::nn::sparse_softmax_cross_entropy_with_logits(labels, logits)) +
          1e-4 * (eager::nn::l2_loss(w1) + eager::nn::l2_loss(w2));
      sgd.apply_gradients(tape.gradient(loss, variables), variables);
      ema.apply(variables);
    };
    warm_up(step, 20);
    const auto before = system_allocations();
    const double us = time_median(step, 200) * 1e6;
    Line line("mlp_train_step_us", us, "us", "eager");
    add_target(line, us, {1500, true});
    line.field("model", "784-500-10 relu, batch 100, sgd + ema");
    line.field("system_allocations_in_loop", static_cast<double>(system_allocations() - before));
  });
}

}  // namespace

void run_autograd_benchmarks() {
  bench_tape_small();
  bench_tape_overhead();
  bench_mlp_train_step();
}

}  // namespace bench
