// The fused training updates on a GPU against the CPU: SGD, Momentum (plain
// and Nesterov), Adam, RMSProp (plain, centered, with momentum, both) and
// the exponential moving average, float32 and float64.
//
// Given the same gradients, variables and slots must equal the CPU's bit for
// bit after every step: src/cuda/optimizer_math.hpp reproduces the roundings
// of the CPU kernels as built by default (-march=native with FMA; checked on
// the host by test/cuda_host/test_optimizer_parity.cpp) and the GPU's float
// operations are IEEE-rounded. RMSProp is the exception: the CPU's scalar
// tail (the last elements of each parallel chunk) rounds rms differently
// from its vector loop, so there the GPU may differ by a few ulps. A few
// steps of training a small model, where the forward and backward passes
// differ by rounding, stay within tolerance.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cuda_test_util.hpp"
#include "same_bits.hpp"

using namespace eager;
using namespace eager::test;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<optimizers::Optimizer>()>;

struct Config {
  std::string name;
  MakeOptimizer make;
  bool bit_exact = true;
};

std::vector<Config> configs() {
  using namespace optimizers;
  return {
      {"sgd", [] { return std::make_unique<SGD>(0.1); }},
      {"momentum", [] { return std::make_unique<Momentum>(0.05, 0.9); }},
      {"nesterov", [] { return std::make_unique<Momentum>(0.05, 0.9, true); }},
      {"adam", [] { return std::make_unique<Adam>(0.01); }},
      {"rmsprop", [] { return std::make_unique<RMSProp>(0.01); }, false},
      {"rmsprop centered", [] { return std::make_unique<RMSProp>(0.01, 0.9, 0.0, 1e-7, true); }, false},
      {"rmsprop momentum", [] { return std::make_unique<RMSProp>(0.01, 0.9, 0.5); }, false},
      {"rmsprop centered momentum", [] { return std::make_unique<RMSProp>(0.01, 0.9, 0.5, 1e-7, true); }, false},
  };
}

// Bit for bit, or within a few ulps (and a few ulps of a typical update
// near zero).
void same(const Tensor& on_gpu, const Tensor& on_cpu, bool bit_exact) {
  if (bit_exact) require_same_bits(on_gpu, on_cpu);
  else if (on_cpu.dtype() == DType::Float32) require_matches_cpu(on_gpu, on_cpu, 1e-6, 1e-9);
  else require_matches_cpu(on_gpu, on_cpu, 1e-14, 1e-15);
}

}  // namespace

TEST_CASE("cuda optimizers: each update equals the CPU's", "[cuda][optimizer]") {
  for (const Config& config : configs()) {
    for (DType dtype : {DType::Float32, DType::Float64}) {
      // An odd element count, and one large enough for a grid-stride loop.
      for (const Shape& shape : {Shape{37, 29}, Shape{3000001}}) {
        INFO(config.name << " " << dtype_name(dtype) << " " << shape.to_string());
        const Tensor initial = random_tensor(shape, dtype, 1, -1, 1);
        Variable on_cpu(initial, "w"), on_gpu(initial.to(gpu()), "w");
        auto cpu_opt = config.make(), gpu_opt = config.make();
        for (unsigned step = 0; step < 3; ++step) {
          const Tensor grad = random_tensor(shape, dtype, 10 + step, -1, 1);
          cpu_opt->apply_gradients({grad}, {on_cpu});
          gpu_opt->apply_gradients({grad.to(gpu())}, {on_gpu});
          same(on_gpu.value(), on_cpu.value(), config.bit_exact);
        }
        const std::vector<Variable> cpu_state = cpu_opt->variables(), gpu_state = gpu_opt->variables();
        REQUIRE(cpu_state.size() == gpu_state.size());
        for (std::size_t i = 0; i < cpu_state.size(); ++i) {
          INFO(cpu_state[i].name());
          same(gpu_state[i].value(), cpu_state[i].value(), config.bit_exact);
        }
      }
    }
  }
}

TEST_CASE("cuda optimizers: the moving average equals the CPU's bit for bit", "[cuda][optimizer]") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    Variable step_cpu(scalar(0, DType::Int64), "step", false), step_gpu(scalar(0, DType::Int64, gpu()), "step", false);
    ExponentialMovingAverage ema_cpu(0.99, step_cpu), ema_gpu(0.99, step_gpu);
    const Tensor initial = random_tensor(Shape{1001}, dtype, 2, -1, 1);
    Variable w_cpu(initial, "w"), w_gpu(initial.to(gpu()), "w");
    for (int step = 0; step < 4; ++step) {
      const Tensor value = random_tensor(Shape{1001}, dtype, 20 + static_cast<unsigned>(step), -1, 1);
      w_cpu.assign(value);
      w_gpu.assign(value.to(gpu()));
      step_cpu.assign(Scalar(step));
      step_gpu.assign(Scalar(step));
      ema_cpu.apply({w_cpu});
      ema_gpu.apply({w_gpu});
      require_same_bits(ema_gpu.average(w_gpu).value(), ema_cpu.average(w_cpu).value());
    }
  }
}

TEST_CASE("cuda optimizers: training a small model moves the same way on both devices", "[cuda][optimizer]") {
  for (const Config& config : configs()) {
    INFO(config.name);
    const Tensor x = random_tensor(Shape{32, 20}, DType::Float32, 3, -1, 1);
    const Tensor labels = cast(random_tensor(Shape{32}, DType::Int64, 4, 0, 5), DType::Int32);
    const Tensor w1 = random_tensor(Shape{20, 16}, DType::Float32, 5, -0.3, 0.3);
    const Tensor w2 = random_tensor(Shape{16, 5}, DType::Float32, 6, -0.3, 0.3);
    const auto train = [&](Device d) {
      std::vector<Variable> weights{Variable(w1.to(d), "w1"), Variable(zeros(Shape{16}, DType::Float32, d), "b1"),
                                    Variable(w2.to(d), "w2")};
      auto opt = config.make();
      const Tensor xd = x.to(d), yd = labels.to(d);
      for (int step = 0; step < 5; ++step) {
        GradientTape tape;
        const Tensor hidden = relu(matmul(xd, weights[0]) + weights[1]);
        const Tensor loss = reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(yd, matmul(hidden, weights[2])));
        opt->apply_gradients(tape.gradient(loss, weights), weights);
      }
      return weights;
    };
    const std::vector<Variable> on_gpu = train(gpu()), on_cpu = train(Device::cpu());
    for (std::size_t i = 0; i < on_cpu.size(); ++i)
      require_matches_cpu(on_gpu[i].value(), on_cpu[i].value(), 1e-4, 1e-5);
  }
}
