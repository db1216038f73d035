#pragma once
// Per-row formulas of the fused nn kernels, as in tensor/cpu_nn_kernels.cpp:
// each row x is shifted by its maximum m and s = sum_c exp(x_c - m), then
//   softmax      exp(x_c - m) * (1 / s)
//   log_softmax  (x_c - m) - log(s)
//   sparse xent  log(s) - (x[label] - m)
//   xent         sum_c p_c * (log(s) - (x_c - m))
// Subtracting m first keeps logits of any finite size from overflowing.
// EAGER_HD: the CUDA kernels use these, and the host tests compare them with
// the CPU kernels. exp and log are each platform's own (CUDA's expf is within
// 2 ulp, the CPU uses xsimd's), so results agree within a few ulp, not bit
// for bit.
#include <cmath>
#include <type_traits>

#include "tensor/host_device.hpp"

namespace eager::detail::nn_math {

template <class T> EAGER_HD T exp_of(T x) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float>) return expf(x);
  else return exp(x);
#else
  return std::exp(x);
#endif
}

template <class T> EAGER_HD T log_of(T x) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float>) return logf(x);
  else return log(x);
#else
  return std::log(x);
#endif
}

// The row maximum keeps a NaN: the row's sum is NaN either way, so every
// output of the row is NaN, as on the CPU.
template <class T> EAGER_HD T max_of(T a, T b) { return (a != a || a > b) ? a : b; }

template <class T> EAGER_HD T shifted_exp(T x, T m) { return exp_of(x - m); }
template <class T> EAGER_HD T softmax(T x, T m, T inv_sum) { return shifted_exp(x, m) * inv_sum; }
template <class T> EAGER_HD T log_softmax(T x, T m, T log_sum) { return (x - m) - log_sum; }
template <class T> EAGER_HD T sparse_xent(T x_label, T m, T log_sum) { return log_sum - (x_label - m); }
template <class T> EAGER_HD T xent_term(T p, T x, T m, T log_sum) { return p * (log_sum - (x - m)); }

}  // namespace eager::detail::nn_math
