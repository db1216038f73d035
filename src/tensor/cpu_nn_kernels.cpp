// CPU kernels of the fused nn ops. Every row is reduced twice: once for its
// maximum, once for sum(exp(x - max)); subtracting the maximum first is what
// keeps logits of any finite magnitude from overflowing. exp and log run on
// xsimd batches: rows are handled in blocks so that the one log per row is
// vectorised across rows, and short rows such as 10 classes still use the
// vector exp.
#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "dtype_dispatch.hpp"
#include "registry.hpp"
#include "thread_pool.hpp"

namespace eager::detail {

namespace {

// Elements per parallel chunk: below this, threads cost more than they save.
constexpr std::int64_t kGrainElements = 1 << 14;
// Rows whose statistics are gathered before one vector log runs over them.
constexpr std::int64_t kBlockRows = 64;

template <class T> using Batch = xsimd::batch<T>;
template <class T> constexpr std::int64_t kWidth = static_cast<std::int64_t>(Batch<T>::size);

// Rows of at least one batch end with a batch overlapping the previous one
// (loading it whole avoids scalar tails); `fresh` marks its lanes not seen
// before.
template <class T> xsimd::batch_bool<T> fresh_lanes(std::int64_t n) {
  alignas(64) T lane[kWidth<T>];
  for (std::int64_t k = 0; k < kWidth<T>; ++k) lane[k] = static_cast<T>(k);
  const std::int64_t seen = (kWidth<T> - n % kWidth<T>) % kWidth<T>;
  return Batch<T>::load_aligned(lane) >= Batch<T>(static_cast<T>(seen));
}

template <class T> T row_max(const T* x, std::int64_t n) {
  constexpr std::int64_t W = kWidth<T>;
  if (n < W) {
    T m = -std::numeric_limits<T>::infinity();
    for (std::int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
    return m;
  }
  // max is idempotent, so the overlapping last batch needs no mask.
  Batch<T> bm = Batch<T>::load_unaligned(x + n - W);
  for (std::int64_t i = 0; i + W < n; i += W) bm = xsimd::max(bm, Batch<T>::load_unaligned(x + i));
  // A tree keeps the horizontal step short: rows of a few batches are
  // bound by this dependency chain.
  alignas(64) T lanes[W];
  bm.store_aligned(lanes);
  for (std::int64_t half = W / 2; half > 0; half /= 2)
    for (std::int64_t k = 0; k < half; ++k) lanes[k] = std::max(lanes[k], lanes[k + half]);
  return lanes[0];
}

template <class T> T row_sum(const T* x, std::int64_t n, const xsimd::batch_bool<T>& fresh) {
  constexpr std::int64_t W = kWidth<T>;
  if (n < W) {
    T s = 0;
    for (std::int64_t i = 0; i < n; ++i) s += x[i];
    return s;
  }
  Batch<T> acc = xsimd::select(fresh, Batch<T>::load_unaligned(x + n - W), Batch<T>(T(0)));
  for (std::int64_t i = 0; i + W < n; i += W) acc += Batch<T>::load_unaligned(x + i);
  return xsimd::hadd(acc);
}

// sum over i of exp(x[i] - m) for n >= one batch; with Store, also writes
// each term to out[i].
template <bool Store, class T>
T sum_exp(const T* x, std::int64_t n, T m, T* out, const xsimd::batch_bool<T>& fresh) {
  constexpr std::int64_t W = kWidth<T>;
  const Batch<T> shift(m);
  Batch<T> acc(T(0));
  for (std::int64_t i = 0; i + W < n; i += W) {
    const Batch<T> e = xsimd::exp(Batch<T>::load_unaligned(x + i) - shift);
    if constexpr (Store) e.store_unaligned(out + i);
    acc += e;
  }
  const Batch<T> e = xsimd::exp(Batch<T>::load_unaligned(x + n - W) - shift);
  if constexpr (Store) e.store_unaligned(out + n - W);
  acc += xsimd::select(fresh, e, Batch<T>(T(0)));
  return xsimd::hadd(acc);
}

// Per-row statistics of a block of up to kBlockRows rows.
template <class T> struct RowStats {
  alignas(64) T max[kBlockRows];
  alignas(64) T sum[kBlockRows];  // sum(exp(x - max)), or its log after take_log
};

// Rows shorter than this many batches are exponentiated as one flat array
// per block: per-row vector loops would spend more on horizontal reductions
// and ragged tails than on exp.
constexpr std::int64_t kShortRowBatches = 4;

template <bool Store, class T>
void gather_short_rows(const T* x, T* out, std::int64_t classes, std::int64_t rows, RowStats<T>& st) {
  constexpr std::int64_t W = kWidth<T>;
  alignas(64) T shifted[kBlockRows * kShortRowBatches * W];
  for (std::int64_t j = 0; j < rows; ++j) {
    const T* row = x + j * classes;
    T* dst = shifted + j * classes;
    const T m = row_max(row, classes);
    st.max[j] = m;
    if (classes >= W) {
      // The last batch overlaps the previous one and rewrites equal values.
      const Batch<T> shift(m);
      for (std::int64_t i = 0; i + W < classes; i += W) (Batch<T>::load_unaligned(row + i) - shift).store_unaligned(dst + i);
      (Batch<T>::load_unaligned(row + classes - W) - shift).store_unaligned(dst + classes - W);
    } else {
      for (std::int64_t i = 0; i < classes; ++i) dst[i] = row[i] - m;
    }
  }
  const std::int64_t total = rows * classes, padded = (total + W - 1) / W * W;
  std::fill(shifted + total, shifted + padded, T(0));
  for (std::int64_t k = 0; k < padded; k += W)
    xsimd::exp(Batch<T>::load_aligned(shifted + k)).store_aligned(shifted + k);
  const auto fresh = fresh_lanes<T>(classes);
  for (std::int64_t j = 0; j < rows; ++j) st.sum[j] = row_sum(shifted + j * classes, classes, fresh);
  if constexpr (Store) std::copy(shifted, shifted + total, out);
}

template <bool Store, class T>
void gather_stats(const T* x, T* out, std::int64_t classes, std::int64_t rows, RowStats<T>& st) {
  if (classes < kShortRowBatches * kWidth<T>) {
    gather_short_rows<Store>(x, out, classes, rows, st);
    return;
  }
  const auto fresh = fresh_lanes<T>(classes);
  for (std::int64_t j = 0; j < rows; ++j) {
    const T* row = x + j * classes;
    st.max[j] = row_max(row, classes);
    st.sum[j] = sum_exp<Store>(row, classes, st.max[j], Store ? out + j * classes : nullptr, fresh);
  }
}

template <class T> void take_log(RowStats<T>& st, std::int64_t rows) {
  constexpr std::int64_t W = kWidth<T>;
  const std::int64_t padded = (rows + W - 1) / W * W;
  std::fill(st.sum + rows, st.sum + padded, T(1));
  for (std::int64_t i = 0; i < padded; i += W) xsimd::log(Batch<T>::load_aligned(st.sum + i)).store_aligned(st.sum + i);
}

// Calls fn(first_row, num_rows) over blocks of at most kBlockRows rows, in
// parallel when there is enough work. Long rows make small blocks so that a
// few of them still spread over the threads.
template <class Fn> void for_row_blocks(std::int64_t rows, std::int64_t classes, const Fn& fn) {
  const std::int64_t row_elements = std::max<std::int64_t>(classes, 1);
  const std::int64_t block_rows = std::clamp<std::int64_t>(kGrainElements / row_elements, 1, kBlockRows);
  const std::int64_t blocks = (rows + block_rows - 1) / block_rows;
  const std::int64_t grain = std::max<std::int64_t>(1, kGrainElements / (block_rows * row_elements));
  parallel_for(blocks, grain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t b = begin; b < end; ++b) {
      const std::int64_t first = b * block_rows;
      fn(first, std::min(block_rows, rows - first));
    }
  });
}

template <class T> void softmax_kernel(const SoftmaxArgs& a) {
  const std::int64_t c = a.classes;
  for_row_blocks(a.rows, c, [&](std::int64_t first, std::int64_t n) {
    const T* x = static_cast<const T*>(a.logits) + first * c;
    T* y = static_cast<T*>(a.out) + first * c;
    RowStats<T> st;
    gather_stats<true>(x, y, c, n, st);
    for (std::int64_t j = 0; j < n; ++j) {
      const T inv = T(1) / st.sum[j];
      T* row = y + j * c;
      for (std::int64_t i = 0; i < c; ++i) row[i] *= inv;
    }
  });
}

template <class T> void log_softmax_kernel(const SoftmaxArgs& a) {
  const std::int64_t c = a.classes;
  for_row_blocks(a.rows, c, [&](std::int64_t first, std::int64_t n) {
    const T* x = static_cast<const T*>(a.logits) + first * c;
    T* y = static_cast<T*>(a.out) + first * c;
    RowStats<T> st;
    gather_stats<false>(x, static_cast<T*>(nullptr), c, n, st);
    take_log(st, n);
    for (std::int64_t j = 0; j < n; ++j) {
      const T m = st.max[j], log_sum = st.sum[j];
      const T* in = x + j * c;
      T* row = y + j * c;
      for (std::int64_t i = 0; i < c; ++i) row[i] = (in[i] - m) - log_sum;
    }
  });
}

template <class T, class L> void sparse_xent_rows(const SparseXentArgs& a) {
  const std::int64_t c = a.classes;
  for_row_blocks(a.rows, c, [&](std::int64_t first, std::int64_t n) {
    const T* x = static_cast<const T*>(a.logits) + first * c;
    const L* labels = static_cast<const L*>(a.labels) + first;
    T* loss = static_cast<T*>(a.loss) + first;
    RowStats<T> st;
    gather_stats<false>(x, static_cast<T*>(nullptr), c, n, st);
    take_log(st, n);
    for (std::int64_t j = 0; j < n; ++j) loss[j] = st.sum[j] - (x[j * c + labels[j]] - st.max[j]);
  });
}

template <class T> void sparse_xent_kernel(const SparseXentArgs& a) {
  if (a.labels_int64) sparse_xent_rows<T, std::int64_t>(a);
  else sparse_xent_rows<T, std::int32_t>(a);
}

template <class T> void xent_kernel(const XentArgs& a) {
  const std::int64_t c = a.classes;
  for_row_blocks(a.rows, c, [&](std::int64_t first, std::int64_t n) {
    const T* x = static_cast<const T*>(a.logits) + first * c;
    const T* p = static_cast<const T*>(a.labels) + first * c;
    T* loss = static_cast<T*>(a.loss) + first;
    RowStats<T> st;
    gather_stats<false>(x, static_cast<T*>(nullptr), c, n, st);
    take_log(st, n);
    for (std::int64_t j = 0; j < n; ++j) {
      const T m = st.max[j], log_sum = st.sum[j];
      T total = 0;
      for (std::int64_t i = 0; i < c; ++i) total += p[j * c + i] * (log_sum - (x[j * c + i] - m));
      loss[j] = total;
    }
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
