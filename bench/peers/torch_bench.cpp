// LibTorch peer of eager_bench: the same workloads, timed and printed by the
// same helpers, so its lines can be read side by side with eager's.
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>

#include "bench_util.hpp"

namespace {

constexpr std::int64_t kLarge = std::int64_t{1} << 24;
constexpr std::int64_t kSide = 4096;

torch::Tensor random_tensor(torch::IntArrayRef shape, std::uint32_t seed) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  auto values = bench::pseudo_random(n, seed);
  return torch::from_blob(values.data(), shape, torch::kFloat32).clone();
}

void bench_small_add() {
  auto a = random_tensor({16}, 1), b = random_tensor({16}, 2);
  const auto op = [&] { auto c = a + b; };
  bench::warm_up(op, 20000);
  bench::Line("op_small_add_us", bench::time_median(op, 200, 1000) * 1e6, "us", "torch");
}

void bench_large_add() {
  auto a = random_tensor({kLarge}, 3), b = random_tensor({kLarge}, 4);
  const double bytes = 3.0 * 4.0 * kLarge;
  {
    const auto op = [&] { auto c = a + b; };
    bench::warm_up(op, 3);
    const double s = bench::time_median(op, 40);
    bench::Line("add_large_gbps", bench::gbps(bytes, s), "GB/s", "torch").field("output", "new").field("ms", s * 1e3);
  }
  {
    auto out = torch::empty({kLarge}, torch::kFloat32);
    const auto op = [&] { torch::add_out(out, a, b); };
    bench::warm_up(op, 3);
    const double s = bench::time_median(op, 40);
    bench::Line("add_large_into_gbps", bench::gbps(bytes, s), "GB/s", "torch")
        .field("output", "preallocated")
        .field("ms", s * 1e3);
  }
}

void bench_sum() {
  const double bytes = 4.0 * kLarge;
  {
    auto x = random_tensor({kLarge}, 5);
    const auto op = [&] { auto s = x.sum(); };
    bench::warm_up(op, 3);
    const double s = bench::time_median(op, 40);
    bench::Line("reduce_sum_large_gbps", bench::gbps(bytes, s), "GB/s", "torch").field("axes", "all").field("ms", s * 1e3);
  }
  {
    auto x = random_tensor({kSide, kSide}, 6);
    const auto op = [&] { auto s = x.sum(1); };
    bench::warm_up(op, 3);
    const double s = bench::time_median(op, 40);
    bench::Line("reduce_sum_axis1_large_gbps", bench::gbps(bytes, s), "GB/s", "torch")
        .field("axes", "1")
        .field("ms", s * 1e3);
  }
}

void bench_matmul(std::int64_t n, int samples) {
  auto a = random_tensor({n, n}, 7), b = random_tensor({n, n}, 8);
  const auto op = [&] { auto c = torch::matmul(a, b); };
  bench::warm_up(op, 2);
  const double s = bench::time_median(op, samples);
  bench::Line("matmul_" + std::to_string(n) + "_gflops", bench::gflops(2.0 * n * n * n, s), "GFLOP/s", "torch")
      .field("ms", s * 1e3);
}

void bench_softmax_ce() {
  auto labels = torch::arange(100, torch::kInt64).mul(7).remainder(10);
  auto logits = random_tensor({100, 10}, 9);
  namespace F = torch::nn::functional;
  const auto op = [&] {
    auto l = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kNone));
  };
  bench::warm_up(op, 2000);
  bench::Line("softmax_ce_100x10_us", bench::time_median(op, 200, 100) * 1e6, "us", "torch")
      .field("call", "cross_entropy(reduction=none)");
}

// Autograd workloads run with gradients enabled (main disables them for the
// others).
void bench_tape_small() {
  torch::AutoGradMode enable(true);
  auto x = random_tensor({16}, 11).requires_grad_(true);
  const auto op = [&] {
    auto y = (x * x + x).sum();
    auto g = torch::autograd::grad({y}, {x});
  };
  bench::warm_up(op, 2000);
  bench::Line("tape_small_us", bench::time_median(op, 200, 50) * 1e6, "us", "torch")
      .field("call", "autograd::grad((x*x + x).sum(), x)");
}

// The sample's step without the moving average (LibTorch has none built in).
void bench_mlp_train_step() {
  torch::AutoGradMode enable(true);
  torch::manual_seed(1);
  auto w1 = (torch::randn({784, 500}) * 0.1).requires_grad_(true);
  auto b1 = torch::full({500}, 0.1).requires_grad_(true);
  auto w2 = (torch::randn({500, 10}) * 0.1).requires_grad_(true);
  auto b2 = torch::full({10}, 0.1).requires_grad_(true);
  torch::optim::SGD sgd({w1, b1, w2, b2}, torch::optim::SGDOptions(0.8));
  auto x = torch::rand({100, 784});
  auto labels = torch::randint(0, 10, {100}, torch::kInt64);
  const auto step = [&] {
    sgd.zero_grad();
    auto logits = torch::matmul(torch::relu(torch::matmul(x, w1) + b1), w2) + b2;
    auto loss = torch::nn::functional::cross_entropy(logits, labels) +
                1e-4 * (w1.pow(2).sum() / 2 + w2.pow(2).sum() / 2);
    loss.backward();
    sgd.step();
  };
  bench::warm_up(step, 20);
  bench::Line("mlp_train_step_us", bench::time_median(step, 200) * 1e6, "us", "torch")
      .field("model", "784-500-10 relu, batch 100, sgd, no ema");
}

}  // namespace

int main() {
  torch::NoGradGuard no_grad;
  // Ops this small run on one thread in eager (they are below its parallel
  // grain); Torch's OpenMP region costs far more than the op itself on a busy
  // two-core machine, so its small ops are measured on one thread as well.
  at::set_num_threads(1);
  bench::Line("torch_threads", 1, "count", "torch").field("version", TORCH_VERSION).field("for", "small ops");
  bench_small_add();
  bench_softmax_ce();
  bench_tape_small();
  // Large workloads get every hardware thread, as eager and OpenBLAS do.
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  bench::Line("torch_threads", threads, "count", "torch").field("for", "large ops");
  bench_large_add();
  bench_sum();
  bench_matmul(1024, 30);
  bench_matmul(2048, 8);
  bench_mlp_train_step();
  return 0;
}
