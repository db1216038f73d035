// CUDA kernels of the fused training updates (OptimizerKernels): SGD,
// Momentum (plain and Nesterov), Adam, RMSProp (plain, centered, with
// momentum, both) and the moving-average assign, float32 and float64 as on
// the CPU. Each is one grid-stride pass over the variable and its slots; the
// per-element math is optimizer_math.hpp's, which reproduces the CPU
// kernels' order of roundings, so results equal the CPU's bit for bit (see
// that header for the conditions).
#include <cstdint>

#include "cuda/cuda_common.hpp"
#include "cuda/optimizer_math.hpp"
#include "tensor/registry.hpp"

namespace eager::detail::cuda {

namespace {

// Calls body(i) for every i in [0, n).
template <class Body> __device__ void for_each_index(std::int64_t n, const Body& body) {
  for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n;
       i += std::int64_t{gridDim.x} * blockDim.x)
    body(i);
}

template <class T>
__global__ void sgd_update(T* __restrict__ var, const T* __restrict__ grad, std::int64_t n, T lr) {
  for_each_index(n, [&](std::int64_t i) { var[i] = optim::sgd(var[i], grad[i], lr); });
}

template <bool Nesterov, class T>
__global__ void momentum_update(T* __restrict__ var, T* __restrict__ accum, const T* __restrict__ grad,
                                std::int64_t n, T lr, T momentum) {
  for_each_index(n, [&](std::int64_t i) {
    T w = var[i], acc = accum[i];
    optim::momentum<Nesterov>(w, acc, grad[i], lr, momentum);
    accum[i] = acc;
    var[i] = w;
  });
}

template <class T>
__global__ void adam_update(T* __restrict__ var, T* __restrict__ m, T* __restrict__ v, const T* __restrict__ grad,
                            std::int64_t n, T step_size, T one_minus_beta1, T one_minus_beta2, T epsilon) {
  for_each_index(n, [&](std::int64_t i) {
    T w = var[i], mi = m[i], vi = v[i];
    optim::adam(w, mi, vi, grad[i], step_size, one_minus_beta1, one_minus_beta2, epsilon);
    m[i] = mi;
    v[i] = vi;
    var[i] = w;
  });
}

// mom and mg are read and written only when the variant has them (they are
// null otherwise).
template <bool Centered, bool WithMomentum, class T>
__global__ void rmsprop_update(T* __restrict__ var, T* __restrict__ rms, T* __restrict__ mom, T* __restrict__ mg,
                               const T* __restrict__ grad, std::int64_t n, T lr, T rho, T one_minus_rho, T momentum,
                               T epsilon) {
  for_each_index(n, [&](std::int64_t i) {
    T w = var[i], r = rms[i], mo = T(0), g_mean = T(0);
    if constexpr (WithMomentum) mo = mom[i];
    if constexpr (Centered) g_mean = mg[i];
    optim::rmsprop<Centered, WithMomentum>(w, r, mo, g_mean, grad[i], lr, rho, one_minus_rho, momentum, epsilon);
    rms[i] = r;
    if constexpr (WithMomentum) mom[i] = mo;
    if constexpr (Centered) mg[i] = g_mean;
    var[i] = w;
  });
}

template <class T>
__global__ void moving_average_update(T* __restrict__ shadow, const T* __restrict__ value, std::int64_t n,
                                      T one_minus_decay) {
  for_each_index(n, [&](std::int64_t i) { shadow[i] = optim::moving_average(shadow[i], value[i], one_minus_decay); });
}

// Hyperparameters are converted to T exactly as the CPU kernels convert them.

template <class T> void sgd_kernel(const SgdArgs& a) {
  sgd_update<T><<<grid_size(a.num_elements), kBlockSize, 0, current_stream()>>>(
      static_cast<T*>(a.var), static_cast<const T*>(a.grad), a.num_elements, static_cast<T>(a.learning_rate));
  check_launch("sgd update");
}

template <class T> void momentum_kernel(const MomentumArgs& a) {
  const auto launch = [&]<bool Nesterov>() {
    momentum_update<Nesterov, T><<<grid_size(a.num_elements), kBlockSize, 0, current_stream()>>>(
        static_cast<T*>(a.var), static_cast<T*>(a.accum), static_cast<const T*>(a.grad), a.num_elements,
        static_cast<T>(a.learning_rate), static_cast<T>(a.momentum));
  };
  if (a.nesterov) launch.template operator()<true>();
  else launch.template operator()<false>();
  check_launch("momentum update");
}

template <class T> void adam_kernel(const AdamArgs& a) {
  adam_update<T><<<grid_size(a.num_elements), kBlockSize, 0, current_stream()>>>(
      static_cast<T*>(a.var), static_cast<T*>(a.m), static_cast<T*>(a.v), static_cast<const T*>(a.grad),
      a.num_elements, static_cast<T>(a.step_size), static_cast<T>(1 - a.beta1), static_cast<T>(1 - a.beta2),
      static_cast<T>(a.epsilon));
  check_launch("adam update");
}

template <class T> void rmsprop_kernel(const RmspropArgs& a) {
  const auto launch = [&]<bool Centered, bool WithMomentum>() {
    rmsprop_update<Centered, WithMomentum, T><<<grid_size(a.num_elements), kBlockSize, 0, current_stream()>>>(
        static_cast<T*>(a.var), static_cast<T*>(a.rms), static_cast<T*>(a.mom), static_cast<T*>(a.mg),
        static_cast<const T*>(a.grad), a.num_elements, static_cast<T>(a.learning_rate), static_cast<T>(a.rho),
        static_cast<T>(1 - a.rho), static_cast<T>(a.momentum), static_cast<T>(a.epsilon));
  };
  const bool centered = a.mg != nullptr, with_momentum = a.mom != nullptr;
  if (centered && with_momentum) launch.template operator()<true, true>();
  else if (centered) launch.template operator()<true, false>();
  else if (with_momentum) launch.template operator()<false, true>();
  else launch.template operator()<false, false>();
  check_launch("rmsprop update");
}

template <class T> void moving_average_kernel(const MovingAverageArgs& a) {
  moving_average_update<T><<<grid_size(a.num_elements), kBlockSize, 0, current_stream()>>>(
      static_cast<T*>(a.shadow), static_cast<const T*>(a.value), a.num_elements, static_cast<T>(a.one_minus_decay));
  check_launch("moving average update");
}

template <class T> void fill(OptimizerKernels& k, DType d) {
  k.sgd.at(DeviceType::CUDA, d) = &sgd_kernel<T>;
  k.momentum.at(DeviceType::CUDA, d) = &momentum_kernel<T>;
  k.adam.at(DeviceType::CUDA, d) = &adam_kernel<T>;
  k.rmsprop.at(DeviceType::CUDA, d) = &rmsprop_kernel<T>;
  k.moving_average.at(DeviceType::CUDA, d) = &moving_average_kernel<T>;
}

}  // namespace

}  // namespace eager::detail::cuda

namespace eager::detail {

void register_cuda_optimizer_kernels(OptimizerKernels& k) {
  cuda::fill<float>(k, DType::Float32);
  cuda::fill<double>(k, DType::Float64);
}

}  // namespace eager::detail
