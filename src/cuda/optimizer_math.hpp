#pragma once
// The per-element math of the fused training updates (SgdArgs ...
// MovingAverageArgs in tensor/registry.hpp) for the CUDA kernels (EAGER_HD),
// written so that the GPU reproduces the CPU kernels' roundings.
//
// The CPU kernels (tensor/cpu_optimizer_kernels.cpp) are compiled with
// -march=native, where g++ (C++ defaults to -ffp-contract=fast) contracts
// each product whose only use is an addition or subtraction into one fused
// multiply-add: var - lr * grad becomes fma(-lr, grad, var). Of two
// products added together only one is fused, and which one depends on the
// surrounding code (a product with other uses, like RMSProp's
// (1 - rho) * grad, never is). The functions below spell out the fused
// operations the host test found in the CPU kernels' vector loop, so that
// what remains is products feeding divisions, other products or an fma's
// addend, which no compiler contracts: nvcc and g++ then compute exactly the
// same roundings. Division and square root are IEEE-rounded on the GPU as
// long as eager is not built with --use_fast_math.
//
// test/cuda_host/test_optimizer_parity.cpp checks these functions against
// the CPU kernels: bit for bit (or, for a CPU build without FMA, the
// unfused order), with one exception. For RMSProp's
// rho * rms + (1 - rho) * grad^2, g++ fuses the second product in the CPU's
// vector loop but the first in its scalar tail (the last few elements of
// each parallel chunk, fewer than one vector), so there rms, and then var,
// may differ from the GPU's by an ulp. Spelling the fma out in the CPU
// functor as well would remove that.
//
// Hyperparameters are converted to T as the CPU kernels do: T(lr),
// T(1 - beta1) computed in double, and so on (see the kernels).
#include <cmath>
#include <type_traits>

#include "tensor/host_device.hpp"

namespace eager::detail::optim {

// a * b + c with one rounding.
template <class T> EAGER_HD T fused(T a, T b, T c) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float>) return fmaf(a, b, c);
  else return fma(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

template <class T> EAGER_HD T square_root(T x) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float>) return sqrtf(x);
  else return sqrt(x);
#else
  return std::sqrt(x);
#endif
}

// var -= lr * grad
template <class T> EAGER_HD T sgd(T var, T grad, T lr) { return fused(-lr, grad, var); }

// accum = accum * momentum + grad; var -= lr * accum, or with Nesterov
// var -= lr * (grad + momentum * accum).
template <bool Nesterov, class T> EAGER_HD void momentum(T& var, T& accum, T grad, T lr, T momentum) {
  accum = fused(accum, momentum, grad);
  if constexpr (Nesterov) var = fused(-lr, fused(momentum, accum, grad), var);
  else var = fused(-lr, accum, var);
}

// m += (grad - m) * (1 - beta1); v += (grad * grad - v) * (1 - beta2);
// var -= step_size * m / (sqrt(v) + epsilon).
template <class T>
EAGER_HD void adam(T& var, T& m, T& v, T grad, T step_size, T one_minus_beta1, T one_minus_beta2, T epsilon) {
  m = fused(grad - m, one_minus_beta1, m);
  v = fused(fused(grad, grad, -v), one_minus_beta2, v);
  var = var - step_size * m / (square_root(v) + epsilon);
}

// rms = rho * rms + (1 - rho) * grad^2; centered: mg = rho * mg + (1 - rho) * grad,
// denom = rms - mg^2, else denom = rms. With momentum:
// mom = momentum * mom + lr * grad / sqrt(denom + epsilon), var -= mom;
// without: var -= lr * grad / (sqrt(denom) + epsilon).
template <bool Centered, bool WithMomentum, class T>
EAGER_HD void rmsprop(T& var, T& rms, T& mom, T& mg, T grad, T lr, T rho, T one_minus_rho, T momentum, T epsilon) {
  // rho * rms + ((1 - rho) * grad) * grad, the second product fused as in
  // the CPU's vector loop
  rms = fused(one_minus_rho * grad, grad, rho * rms);
  T denom = rms;
  if constexpr (Centered) {
    // rho * mg + (1 - rho) * grad, the first product fused: the second is
    // shared with rms's
    mg = fused(rho, mg, one_minus_rho * grad);
    denom = fused(-mg, mg, rms);
  }
  if constexpr (WithMomentum) {
    mom = fused(momentum, mom, lr * grad / square_root(denom + epsilon));
    var = var - mom;
  } else {
    var = var - lr * grad / (square_root(denom) + epsilon);
  }
}

// shadow -= (shadow - value) * (1 - decay)
template <class T> EAGER_HD T moving_average(T shadow, T value, T one_minus_decay) {
  return fused(-(shadow - value), one_minus_decay, shadow);
}

}  // namespace eager::detail::optim
