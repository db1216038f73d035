// CPU kernels for reductions over the middle axis of [outer, reduce, inner],
// argmax/argmin and cumsum.
//
// Contiguous reductions (inner == 1) keep kLanes independent accumulators so
// that the compiler vectorises them without reassociating float math, and sum
// blocks pairwise: the error grows with log(n) instead of n. Strided
// reductions (inner > 1) vectorise across the inner axis. Results do not
// depend on the number of threads: chunk boundaries are fixed by the shape.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "dtype_dispatch.hpp"
#include "registry.hpp"
#include "thread_pool.hpp"

namespace eager::detail {

namespace {

// Elements per parallel task: below this, splitting costs more than it saves.
constexpr std::int64_t kGrain = 32 * 1024;
// Contiguous runs at most this long are summed lane-wise; longer runs split in halves.
constexpr std::int64_t kPairwiseBlock = 2048;
// Fixed chunk of one long contiguous reduction given to one task.
constexpr std::int64_t kChunk = 64 * 1024;
// Width of the inner-axis tile (4 KiB) whose running results stay in L1.
constexpr std::int64_t kTileBytes = 4096;
// A strided sum adds kRowBlock rows into a block, kRowBlock blocks into a
// super-block and super-blocks into the result: three short chains instead of
// one long one, so float error stays near that of pairwise summation.
constexpr std::int64_t kRowBlock = 128;

// Signed integer overflow is undefined in C++; TensorFlow's integer sums and
// products wrap, so they are computed in the unsigned type of the same width.
template <class T, bool = std::is_integral_v<T>> struct Wrap { using type = T; };
template <class T> struct Wrap<T, true> { using type = std::make_unsigned_t<T>; };
template <class T> using wrap_t = typename Wrap<T>::type;

template <class T> struct Sum {
  static T identity() { return T(0); }
  static T apply(T a, T b) { return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b)); }
};
template <class T> struct Prod {
  static T identity() { return T(1); }
  static T apply(T a, T b) { return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b)); }
};
template <class T> bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) return x != x;
  else return false;
}

// Max and Min keep a NaN once seen.
template <class T> struct Max {
  static T identity() {
    return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                : std::numeric_limits<T>::lowest();
  }
  static T apply(T a, T b) { return (is_nan(a) || a > b) ? a : b; }
};
template <class T> struct Min {
  static T identity() {
    return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity()
                                                : std::numeric_limits<T>::max();
  }
  static T apply(T a, T b) { return (is_nan(a) || a < b) ? a : b; }
};
// bool tensors are read as bytes holding 0 or 1.
struct All {
  static std::uint8_t identity() { return 1; }
  static std::uint8_t apply(std::uint8_t a, std::uint8_t b) { return a & b; }
};
struct Any {
  static std::uint8_t identity() { return 0; }
  static std::uint8_t apply(std::uint8_t a, std::uint8_t b) { return a | b; }
};

template <class T> constexpr int kLanes = static_cast<int>(128 / sizeof(T));

template <class R, class T> T reduce_block(const T* p, std::int64_t n) {
  constexpr int L = kLanes<T>;
  T acc[L];
  for (int l = 0; l < L; ++l) acc[l] = R::identity();
  std::int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; ++l) acc[l] = R::apply(acc[l], p[i + l]);
  for (int l = 0; i < n; ++i, ++l) acc[l] = R::apply(acc[l], p[i]);
  for (int w = L / 2; w > 0; w /= 2)
    for (int l = 0; l < w; ++l) acc[l] = R::apply(acc[l], acc[l + w]);
  return acc[0];
}

template <class R, class T> T reduce_pairwise(const T* p, std::int64_t n) {
  if (n <= kPairwiseBlock) return reduce_block<R>(p, n);
  const std::int64_t half = (n / 2 + kPairwiseBlock - 1) / kPairwiseBlock * kPairwiseBlock;
  return R::apply(reduce_pairwise<R>(p, half), reduce_pairwise<R>(p + half, n - half));
}

template <class R, class T> void reduce_rows(const ReduceArgs& a) {
  const T* in = static_cast<const T*>(a.in);
  T* out = static_cast<T*>(a.out);
  const std::int64_t n = a.reduce;
  if (a.outer > 1 || n <= 2 * kChunk) {
    parallel_for(a.outer, std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(n, 1)),
                 [&](std::int64_t b, std::int64_t e) {
                   for (std::int64_t o = b; o < e; ++o) out[o] = reduce_pairwise<R>(in + o * n, n);
                 });
    return;
  }
  // One long row: fixed chunks in parallel, then their partial results
  // combined pairwise, which keeps the summation tree of the serial code.
  const std::int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<T> partial(static_cast<std::size_t>(chunks));
  parallel_for(chunks, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t c = b; c < e; ++c)
      partial[static_cast<std::size_t>(c)] = reduce_pairwise<R>(in + c * kChunk, std::min(kChunk, n - c * kChunk));
  });
  out[0] = reduce_pairwise<R>(partial.data(), chunks);
}

// out[o, i] over rows r of in[o, r, i], vectorised across i. Tasks are
// (outer, inner tile) pairs.
template <class R, class T> void reduce_strided(const ReduceArgs& a) {
  constexpr std::int64_t tile = kTileBytes / static_cast<std::int64_t>(sizeof(T));
  const T* in = static_cast<const T*>(a.in);
  T* out = static_cast<T*>(a.out);
  const std::int64_t n = a.reduce, inner = a.inner;
  const std::int64_t tiles = (inner + tile - 1) / tile;
  const std::int64_t work_per_task = n * std::min(inner, tile);
  parallel_for(a.outer * tiles, std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(work_per_task, 1)),
               [&](std::int64_t b, std::int64_t e) {
                 T acc[tile], super[tile], block[tile];
                 for (std::int64_t task = b; task < e; ++task) {
                   const std::int64_t o = task / tiles, i0 = (task % tiles) * tile;
                   const std::int64_t w = std::min(tile, inner - i0);
                   const T* base = in + o * n * inner + i0;
                   std::fill(acc, acc + w, R::identity());
                   for (std::int64_t s0 = 0; s0 < n; s0 += kRowBlock * kRowBlock) {
                     std::fill(super, super + w, R::identity());
                     const std::int64_t s1 = std::min(n, s0 + kRowBlock * kRowBlock);
                     for (std::int64_t r0 = s0; r0 < s1; r0 += kRowBlock) {
                       std::fill(block, block + w, R::identity());
                       const std::int64_t r1 = std::min(s1, r0 + kRowBlock);
                       for (std::int64_t r = r0; r < r1; ++r) {
                         const T* row = base + r * inner;
                         for (std::int64_t i = 0; i < w; ++i) block[i] = R::apply(block[i], row[i]);
                       }
                       for (std::int64_t i = 0; i < w; ++i) super[i] = R::apply(super[i], block[i]);
                     }
                     for (std::int64_t i = 0; i < w; ++i) acc[i] = R::apply(acc[i], super[i]);
                   }
                   std::copy(acc, acc + w, out + o * inner + i0);
                 }
               });
}

template <class R, class T> void reduce_kernel(const ReduceArgs& a) {
  if (a.inner == 1) reduce_rows<R, T>(a);
  else reduce_strided<R, T>(a);
}

// Whether `x` replaces the current best: strictly better (first index wins
// ties), or the first NaN, which then stays (NumPy's and TensorFlow's rule).
template <bool IsMax, class T> bool better(T x, T best) {
  if (is_nan(best)) return false;
  if (is_nan(x)) return true;
  return IsMax ? x > best : x < best;
}

template <bool IsMax, class T> void arg_kernel(const ReduceArgs& a) {
  constexpr std::int64_t tile = kTileBytes / static_cast<std::int64_t>(sizeof(T));
  const T* in = static_cast<const T*>(a.in);
  std::int64_t* out = static_cast<std::int64_t*>(a.out);
  const std::int64_t n = a.reduce, inner = a.inner;
  if (inner == 1) {
    parallel_for(a.outer, std::max<std::int64_t>(1, kGrain / n), [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t o = b; o < e; ++o) {
        const T* row = in + o * n;
        T best = row[0];
        std::int64_t idx = 0;
        for (std::int64_t r = 1; r < n; ++r)
          if (better<IsMax>(row[r], best)) best = row[r], idx = r;
        out[o] = idx;
      }
    });
    return;
  }
  const std::int64_t tiles = (inner + tile - 1) / tile;
  parallel_for(a.outer * tiles, std::max<std::int64_t>(1, kGrain / (n * std::min(inner, tile))),
               [&](std::int64_t b, std::int64_t e) {
                 T best[tile];
                 for (std::int64_t task = b; task < e; ++task) {
                   const std::int64_t o = task / tiles, i0 = (task % tiles) * tile;
                   const std::int64_t w = std::min(tile, inner - i0);
                   const T* base = in + o * n * inner + i0;
                   std::int64_t* idx = out + o * inner + i0;
                   for (std::int64_t i = 0; i < w; ++i) best[i] = base[i], idx[i] = 0;
                   for (std::int64_t r = 1; r < n; ++r) {
                     const T* row = base + r * inner;
                     for (std::int64_t i = 0; i < w; ++i)
                       if (better<IsMax>(row[i], best[i])) best[i] = row[i], idx[i] = r;
                   }
                 }
               });
}

template <class T> void cumsum_kernel(const ScanArgs& a) {
  constexpr std::int64_t tile = kTileBytes / static_cast<std::int64_t>(sizeof(T));
  const T* in = static_cast<const T*>(a.in);
  T* out = static_cast<T*>(a.out);
  const std::int64_t n = a.length, inner = a.inner;
  const std::int64_t tiles = (inner + tile - 1) / tile;
  const std::int64_t step = a.reverse ? -1 : 1;
  const std::int64_t start = a.reverse ? n - 1 : 0;
  parallel_for(a.outer * tiles, std::max<std::int64_t>(1, kGrain / (n * std::min(inner, tile))),
               [&](std::int64_t b, std::int64_t e) {
                 T acc[tile];
                 for (std::int64_t task = b; task < e; ++task) {
                   const std::int64_t o = task / tiles, i0 = (task % tiles) * tile;
                   const std::int64_t w = std::min(tile, inner - i0);
                   const std::int64_t base = o * n * inner + i0;
                   for (std::int64_t i = 0; i < w; ++i) acc[i] = T(0);
                   for (std::int64_t k = 0, r = start; k < n; ++k, r += step) {
                     const T* src = in + base + r * inner;
                     T* dst = out + base + r * inner;
                     if (a.exclusive) {
                       for (std::int64_t i = 0; i < w; ++i) {
                         dst[i] = acc[i];
                         acc[i] = Sum<T>::apply(acc[i], src[i]);
                       }
                     } else {
                       for (std::int64_t i = 0; i < w; ++i) dst[i] = acc[i] = Sum<T>::apply(acc[i], src[i]);
                     }
                   }
                 }
               });
}

template <DType... Ds, class Make> void fill(KernelTable<ReduceKernel>& table, Make make) {
  ((table.at(DeviceType::CPU, Ds) = make(std::integral_constant<DType, Ds>{})), ...);
}

#define EAGER_NUMERIC DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64

template <template <class> class R> void numeric(Registry& r, ReduceOp op) {
  fill<EAGER_NUMERIC>(r.reduce[static_cast<int>(op)],
                      [](auto d) { return &reduce_kernel<R<ctype<decltype(d)::value>>, ctype<decltype(d)::value>>; });
}

template <bool IsMax> void arg(Registry& r, ReduceOp op) {
  fill<DType::Bool, EAGER_NUMERIC>(r.reduce[static_cast<int>(op)],
                                   [](auto d) { return &arg_kernel<IsMax, ctype<decltype(d)::value>>; });
}

#undef EAGER_NUMERIC

}  // namespace

void register_cpu_reduction_kernels(Registry& r) {
  numeric<Sum>(r, ReduceOp::Sum);
  numeric<Prod>(r, ReduceOp::Prod);
  numeric<Max>(r, ReduceOp::Max);
  numeric<Min>(r, ReduceOp::Min);
  r.reduce[static_cast<int>(ReduceOp::All)].at(DeviceType::CPU, DType::Bool) = &reduce_kernel<All, std::uint8_t>;
  r.reduce[static_cast<int>(ReduceOp::Any)].at(DeviceType::CPU, DType::Bool) = &reduce_kernel<Any, std::uint8_t>;
  arg<true>(r, ReduceOp::ArgMax);
  arg<false>(r, ReduceOp::ArgMin);
  r.cumsum.at(DeviceType::CPU, DType::UInt8) = &cumsum_kernel<std::uint8_t>;
  r.cumsum.at(DeviceType::CPU, DType::Int32) = &cumsum_kernel<std::int32_t>;
  r.cumsum.at(DeviceType::CPU, DType::Int64) = &cumsum_kernel<std::int64_t>;
  r.cumsum.at(DeviceType::CPU, DType::Float32) = &cumsum_kernel<float>;
  r.cumsum.at(DeviceType::CPU, DType::Float64) = &cumsum_kernel<double>;
}

}  // namespace eager::detail
