// GPU benchmarks (issue 7), one JSON object per line. Every GPU timing ends
// with cuda::synchronize(), so it covers the work, not just the launches.
// Without a usable GPU the program says why on stderr and prints nothing.
//
//   cuda_add_large_tbps     out-of-place add of 256M float32, bytes = 3 * 4 * N
//   cuda_reduce_sum_tbps    sum of 256M float32, bytes = 4 * N
//   cuda_matmul_8192_ratio  cuBLAS called directly / eager::matmul, time ratio (>= 0.95 wanted)
//   cuda_op_small_us        a 1,000-element add including its launch, steady state
//   cuda_mlp_train_step_us  fashion_mnist_mlp's training step at batch 100
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.hpp"
#include "eager/eager.hpp"
#include "eager/moving_average.hpp"
#include "eager/optimizers.hpp"
#include "eager/schedules.hpp"
#include "mnist_inference.hpp"

namespace {

using eager::Device;
using eager::DType;
using eager::Shape;
using eager::Tensor;

constexpr const char* kImpl = "eager";

// Median seconds per call of fn, each sample `batch` calls then a device
// synchronisation.
template <class Fn> double gpu_seconds(Fn&& fn, int samples, int batch) {
  bench::warm_up(fn, 2);
  eager::cuda::synchronize();
  return bench::time_median(
             [&] {
               for (int i = 0; i < batch; ++i) fn();
               eager::cuda::synchronize();
             },
             samples) /
         batch;
}

void check_cublas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    std::fprintf(stderr, "cuda_bench: %s failed with cuBLAS status %d\n", what, static_cast<int>(status));
    std::exit(1);
  }
}

void bench_bandwidth(Device gpu) {
  const std::int64_t n = std::int64_t{1} << 28;
  const Tensor a = eager::random::uniform(Shape{n}, 0, 1, DType::Float32, 1, gpu);
  const Tensor b = eager::random::uniform(Shape{n}, 0, 1, DType::Float32, 2, gpu);
  const double add = gpu_seconds([&] { (void)eager::add(a, b); }, 9, 5);
  bench::Line("cuda_add_large_tbps", 3.0 * 4.0 * static_cast<double>(n) / add / 1e12, "TB/s", kImpl)
      .field("elements", static_cast<double>(n))
      .field("target", 3.5);
  const double sum = gpu_seconds([&] { (void)eager::reduce_sum(a); }, 9, 5);
  bench::Line("cuda_reduce_sum_tbps", 4.0 * static_cast<double>(n) / sum / 1e12, "TB/s", kImpl)
      .field("elements", static_cast<double>(n))
      .field("target", 3.0);
}

// The reference calls cuBLAS on the same device pointers with the same
// computation (float32 in and out, float32 accumulation, no TF32).
void bench_matmul(Device gpu) {
  const int n = 8192;
  const Tensor a = eager::random::uniform(Shape{n, n}, -1, 1, DType::Float32, 3, gpu);
  const Tensor b = eager::random::uniform(Shape{n, n}, -1, 1, DType::Float32, 4, gpu);
  Tensor c = Tensor::empty(Shape{n, n}, DType::Float32, gpu);
  const double ours = gpu_seconds([&] { (void)eager::matmul(a, b); }, 7, 3);

  cublasHandle_t handle;
  check_cublas(cublasCreate(&handle), "cublasCreate");
  check_cublas(cublasSetMathMode(handle, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode");
  const float one = 1, zero = 0;
  // Row-major C = A B is column-major C^T = B^T A^T.
  auto direct = [&] {
    check_cublas(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, b.raw_data(), CUDA_R_32F, n,
                              a.raw_data(), CUDA_R_32F, n, &zero, c.raw_mutable_data(), CUDA_R_32F, n,
                              CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                 "cublasGemmEx");
  };
  direct();
  cudaDeviceSynchronize();
  const double reference = bench::time_median(
      [&] {
        for (int i = 0; i < 3; ++i) direct();
        cudaDeviceSynchronize();
      },
      7) / 3;
  cublasDestroy(handle);
  bench::Line("cuda_matmul_8192_ratio", reference / ours, "ratio", kImpl)
      .field("eager_tflops", 2.0 * n * double(n) * n / ours / 1e12)
      .field("cublas_tflops", 2.0 * n * double(n) * n / reference / 1e12)
      .field("target", 0.95);
}

void bench_small_op(Device gpu) {
  const Tensor a = eager::ones(Shape{1000}, DType::Float32, gpu), b = eager::ones(Shape{1000}, DType::Float32, gpu);
  const double seconds = gpu_seconds([&] { (void)eager::add(a, b); }, 15, 2000);
  bench::Line("cuda_op_small_us", seconds * 1e6, "us", kImpl).field("elements", 1000.0).field("target", 5.0);
}

// fashion_mnist_mlp's loop body without the progress print (which reads the
// loss back every step): gather a batch, forward, loss with L2, gradients,
// SGD with exponential decay, moving averages.
void bench_mlp_step(Device gpu) {
  const eager::DeviceScope on_gpu(gpu);
  const std::int64_t rows = 55000, batch = 100;
  const Tensor images = eager::random::uniform(Shape{rows, mnist::kInputNode}, 0, 1, DType::Float32, 5);
  const Tensor labels = eager::random::uniform(Shape{rows}, 0, 10, DType::Int32, 6);
  mnist::Mlp model;
  const std::vector<eager::Variable> variables = model.trainable_variables();
  eager::optimizers::SGD sgd(eager::schedules::ExponentialDecay{0.8, rows / batch, mnist::kLearningRateDecay, true});
  eager::ExponentialMovingAverage ema(mnist::kMovingAverageDecay, sgd.iterations());
  ema.apply(variables);
  const auto regularizer = eager::regularizers::l2_regularizer(mnist::kRegularizationRate);
  const Tensor order = eager::random::shuffle(eager::range(rows));
  std::int64_t step = 0;
  auto train_step = [&] {
    const Tensor indices = eager::slice(order, {step++ % (rows / batch) * batch}, {batch});
    const Tensor x = eager::gather(images, indices), y = eager::gather(labels, indices);
    eager::GradientTape tape;
    const Tensor loss = eager::reduce_mean(eager::nn::sparse_softmax_cross_entropy_with_logits(y, model(x))) +
                        regularizer(model.layer1().weights()) + regularizer(model.layer2().weights());
    sgd.apply_gradients(tape.gradient(loss, variables), variables);
    ema.apply(variables);
  };
  const double seconds = gpu_seconds(train_step, 9, 50);
  bench::Line("cuda_mlp_train_step_us", seconds * 1e6, "us", kImpl).field("batch", 100.0).field("target", 150.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (!eager::cuda::is_available()) {
    std::fprintf(stderr, "cuda_bench: skipped, no usable GPU: %s\n", eager::cuda::unavailable_reason().c_str());
    return 0;
  }
  // An optional filter: run the benchmarks whose name contains argv[1].
  const std::string only = argc > 1 ? argv[1] : "";
  auto wanted = [&](const char* name) { return only.empty() || std::string(name).find(only) != std::string::npos; };
  const Device gpu = Device::cuda(0);
  if (wanted("cuda_add_large_tbps") || wanted("cuda_reduce_sum_tbps")) bench_bandwidth(gpu);
  if (wanted("cuda_matmul_8192_ratio")) bench_matmul(gpu);
  if (wanted("cuda_op_small_us")) bench_small_op(gpu);
  if (wanted("cuda_mlp_train_step_us")) bench_mlp_step(gpu);
  return 0;
}
