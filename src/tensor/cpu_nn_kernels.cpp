// CPU kernels of the fused nn ops. Every row is reduced twice: once for its
// maximum, once for sum(exp(x - max)); subtracting the maximum first is what
// keeps logits of any finite magnitude from overflowing. exp runs on xsimd
// batches; a row's ragged tail is padded with -inf (exp gives 0) so that
// short rows such as 10 classes still use the vector exp.
#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "dtype_dispatch.hpp"
#include "nn_kernels.hpp"
#include "thread_pool.hpp"

namespace eager::detail {

namespace {

// Elements per parallel chunk: below this, threads cost more than they save.
constexpr std::int64_t kRowGrainElements = 1 << 14;

template <class T> using Batch = xsimd::batch<T>;
template <class T> constexpr std::int64_t kWidth = static_cast<std::int64_t>(Batch<T>::size);

template <class T> T row_max(const T* x, std::int64_t n) {
  constexpr std::int64_t W = kWidth<T>;
  T m = -std::numeric_limits<T>::infinity();
  std::int64_t i = 0;
  if (n >= W) {
    Batch<T> bm = Batch<T>::load_unaligned(x);
    for (i = W; i + W <= n; i += W) bm = xsimd::max(bm, Batch<T>::load_unaligned(x + i));
    alignas(64) T lanes[W];
    bm.store_aligned(lanes);
    for (std::int64_t k = 0; k < W; ++k) m = std::max(m, lanes[k]);
  }
  for (; i < n; ++i) m = std::max(m, x[i]);
  return m;
}

// sum over i of exp(x[i] - m); with Store, also writes each term to out[i].
template <bool Store, class T> T sum_exp(const T* x, std::int64_t n, T m, T* out) {
  constexpr std::int64_t W = kWidth<T>;
  const Batch<T> shift(m);
  Batch<T> acc(T(0));
  std::int64_t i = 0;
  for (; i + W <= n; i += W) {
    const Batch<T> e = xsimd::exp(Batch<T>::load_unaligned(x + i) - shift);
    if constexpr (Store) e.store_unaligned(out + i);
    acc += e;
  }
  if (i < n) {
    alignas(64) T tail[W];
    const std::int64_t rest = n - i;
    for (std::int64_t k = 0; k < W; ++k) tail[k] = k < rest ? x[i + k] - m : -std::numeric_limits<T>::infinity();
    const Batch<T> e = xsimd::exp(Batch<T>::load_aligned(tail));
    acc += e;
    if constexpr (Store) {
      e.store_aligned(tail);
      std::copy(tail, tail + rest, out + i);
    }
  }
  return xsimd::hadd(acc);
}

template <class Fn> void for_rows(std::int64_t rows, std::int64_t classes, const Fn& fn) {
  const std::int64_t grain = std::max<std::int64_t>(1, kRowGrainElements / std::max<std::int64_t>(classes, 1));
  parallel_for(rows, grain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) fn(r);
  });
}

template <class T> void softmax_kernel(const SoftmaxArgs& a) {
  const T* in = static_cast<const T*>(a.logits);
  T* out = static_cast<T*>(a.out);
  const std::int64_t c = a.classes;
  for_rows(a.rows, c, [&](std::int64_t r) {
    const T* x = in + r * c;
    T* y = out + r * c;
    const T s = sum_exp<true>(x, c, row_max(x, c), y);
    const T inv = T(1) / s;
    for (std::int64_t i = 0; i < c; ++i) y[i] *= inv;
  });
}

template <class T> void log_softmax_kernel(const SoftmaxArgs& a) {
  const T* in = static_cast<const T*>(a.logits);
  T* out = static_cast<T*>(a.out);
  const std::int64_t c = a.classes;
  for_rows(a.rows, c, [&](std::int64_t r) {
    const T* x = in + r * c;
    T* y = out + r * c;
    const T m = row_max(x, c);
    const T log_sum = std::log(sum_exp<false>(x, c, m, static_cast<T*>(nullptr)));
    for (std::int64_t i = 0; i < c; ++i) y[i] = (x[i] - m) - log_sum;
  });
}

template <class T, class L> void sparse_xent_rows(const SparseXentArgs& a) {
  const T* in = static_cast<const T*>(a.logits);
  const L* labels = static_cast<const L*>(a.labels);
  T* loss = static_cast<T*>(a.loss);
  const std::int64_t c = a.classes;
  for_rows(a.rows, c, [&](std::int64_t r) {
    const T* x = in + r * c;
    const T m = row_max(x, c);
    const T log_sum = std::log(sum_exp<false>(x, c, m, static_cast<T*>(nullptr)));
    loss[r] = log_sum - (x[labels[r]] - m);
  });
}

template <class T> void sparse_xent_kernel(const SparseXentArgs& a) {
  if (a.labels_int64) sparse_xent_rows<T, std::int64_t>(a);
  else sparse_xent_rows<T, std::int32_t>(a);
}

template <class T> void xent_kernel(const XentArgs& a) {
  const T* in = static_cast<const T*>(a.logits);
  const T* labels = static_cast<const T*>(a.labels);
  T* loss = static_cast<T*>(a.loss);
  const std::int64_t c = a.classes;
  for_rows(a.rows, c, [&](std::int64_t r) {
    const T* x = in + r * c;
    const T* p = labels + r * c;
    const T m = row_max(x, c);
    const T log_sum = std::log(sum_exp<false>(x, c, m, static_cast<T*>(nullptr)));
    T total = 0;
    for (std::int64_t i = 0; i < c; ++i) total += p[i] * (log_sum - (x[i] - m));
    loss[r] = total;
  });
}

}  // namespace

void register_cpu_nn_kernels(NnKernels& k) {
  auto fill = [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr DType d = dtype_v<T>;
    k.softmax.at(DeviceType::CPU, d) = &softmax_kernel<T>;
    k.log_softmax.at(DeviceType::CPU, d) = &log_softmax_kernel<T>;
    k.sparse_xent.at(DeviceType::CPU, d) = &sparse_xent_kernel<T>;
    k.xent.at(DeviceType::CPU, d) = &xent_kernel<T>;
  };
  fill(TypeTag<float>{});
  fill(TypeTag<double>{});
}

}  // namespace eager::detail
