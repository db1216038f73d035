#pragma once
// The CPU elementwise loop, shared by every unary, binary, cast and where
// kernel: it walks the coalesced output in row runs (in parallel for large
// tensors) and hands each run to an inner loop that is vectorised when every
// input is contiguous or a broadcast scalar along the run.
#include <xsimd/xsimd.hpp>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include <atomic>
#include <cstdint>
#include <type_traits>

#include "registry.hpp"
#include "thread_pool.hpp"

namespace eager::detail::cpu {

// Elements per parallel chunk: below this, threads cost more than they save.
inline constexpr std::int64_t kElementwiseGrain = 1 << 15;

// Calls run(out_offset, in_offsets, inner_strides, length) for each maximal
// run along the last axis.
template <int N, class Run> void for_each_run(const ElementwiseArgs& args, const Run& run) {
  const int rank = args.shape.rank();
  if (rank == 0) {
    const std::int64_t offsets[N] = {};
    std::int64_t strides[N];
    for (int k = 0; k < N; ++k) strides[k] = 1;
    run(std::int64_t{0}, offsets, strides, std::int64_t{1});
    return;
  }
  const std::int64_t inner = args.shape[rank - 1];
  std::int64_t inner_strides[N];
  for (int k = 0; k < N; ++k) inner_strides[k] = args.in_strides[k][rank - 1];
  parallel_for(args.num_elements, kElementwiseGrain, [&](std::int64_t begin, std::int64_t end) {
    Shape index = Shape::filled(rank, 0);
    std::int64_t rest = begin;
    for (int d = rank - 1; d >= 0; --d) {
      index[d] = rest % args.shape[d];
      rest /= args.shape[d];
    }
    std::int64_t offsets[N];
    for (int k = 0; k < N; ++k) {
      offsets[k] = 0;
      for (int d = 0; d < rank; ++d) offsets[k] += index[d] * args.in_strides[k][d];
    }
    std::int64_t pos = begin;
    while (pos < end) {
      const std::int64_t len = std::min(inner - index[rank - 1], end - pos);
      run(pos, offsets, inner_strides, len);
      pos += len;
      // Advance the odometer past this run.
      for (int k = 0; k < N; ++k) offsets[k] += len * inner_strides[k];
      index[rank - 1] += len;
      for (int d = rank - 1; d > 0 && index[d] == args.shape[d]; --d) {
        for (int k = 0; k < N; ++k) offsets[k] += args.in_strides[k][d - 1] - args.shape[d] * args.in_strides[k][d];
        index[d] = 0;
        ++index[d - 1];
      }
    }
  });
}

template <class Op, class T> inline constexpr bool use_simd_v = Op::simd && std::is_floating_point_v<T>;

// Runs longer than this write around the cache with non-temporal stores: the
// output would not stay cached anyway, and skipping the read-for-ownership of
// every output line saves a quarter of a binary op's memory traffic.
inline constexpr std::int64_t kStreamingBytes = std::int64_t{1} << 20;

#if defined(__AVX512F__)
inline constexpr std::size_t kStreamWidth = 64;
#elif defined(__AVX__)
inline constexpr std::size_t kStreamWidth = 32;
#elif defined(__SSE2__)
inline constexpr std::size_t kStreamWidth = 16;
#else
inline constexpr std::size_t kStreamWidth = 0;
#endif
template <class T> inline constexpr bool can_stream_v = sizeof(xsimd::batch<T>) == kStreamWidth;

// One batch to 16/32/64-byte aligned memory, bypassing the cache.
template <class T> void stream_store(const xsimd::batch<T>& value, T* aligned_ptr) {
  if constexpr (kStreamWidth == 64) {
    if constexpr (std::is_same_v<T, float>) _mm512_stream_ps(aligned_ptr, value);
    else _mm512_stream_pd(aligned_ptr, value);
  } else if constexpr (kStreamWidth == 32) {
    if constexpr (std::is_same_v<T, float>) _mm256_stream_ps(aligned_ptr, value);
    else _mm256_stream_pd(aligned_ptr, value);
  } else if constexpr (kStreamWidth == 16) {
    if constexpr (std::is_same_v<T, float>) _mm_stream_ps(aligned_ptr, value);
    else _mm_stream_pd(aligned_ptr, value);
  }
}

// Writes y[i] for i in [0, len): batch_at(i) gives a batch starting at i,
// scalar_at(i) one element (for the ragged ends).
template <class T, class BatchAt, class ScalarAt>
void vector_run(T* __restrict y, std::int64_t len, const BatchAt& batch_at, const ScalarAt& scalar_at) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = B::size;
  std::int64_t i = 0;
  if (can_stream_v<T> && len * static_cast<std::int64_t>(sizeof(T)) >= kStreamingBytes) {
    for (; i < len && reinterpret_cast<std::uintptr_t>(y + i) % sizeof(B) != 0; ++i) y[i] = scalar_at(i);
    for (; i + W <= len; i += W) stream_store(batch_at(i), y + i);
    // Non-temporal stores are weakly ordered: fence before anyone reads y.
    std::atomic_thread_fence(std::memory_order_seq_cst);
  } else {
    for (; i + W <= len; i += W) batch_at(i).store_unaligned(y + i);
  }
  for (; i < len; ++i) y[i] = scalar_at(i);
}

template <class In, class Out, class Op> void unary_kernel(const ElementwiseArgs& args, const Op& op) {
  const In* in = static_cast<const In*>(args.in[0]);
  Out* out = static_cast<Out*>(args.out);
  for_each_run<1>(args, [&](std::int64_t o, const std::int64_t* off, const std::int64_t* st, std::int64_t len) {
    const In* __restrict x = in + off[0];
    Out* __restrict y = out + o;
    if (st[0] == 1) {
      if constexpr (std::is_same_v<In, Out> && use_simd_v<Op, In>) {
        using B = xsimd::batch<In>;
        vector_run(y, len, [&](std::int64_t i) { return op(B::load_unaligned(x + i)); },
                   [&](std::int64_t i) { return op(x[i]); });
      } else {
        for (std::int64_t i = 0; i < len; ++i) y[i] = op(x[i]);
      }
    } else {
      const std::int64_t s = st[0];
      for (std::int64_t i = 0; i < len; ++i) y[i] = op(x[i * s]);
    }
  });
}

template <class In, class Out, class Op> void binary_kernel(const ElementwiseArgs& args, const Op& op) {
  const In* in_a = static_cast<const In*>(args.in[0]);
  const In* in_b = static_cast<const In*>(args.in[1]);
  Out* out = static_cast<Out*>(args.out);
  for_each_run<2>(args, [&](std::int64_t o, const std::int64_t* off, const std::int64_t* st, std::int64_t len) {
    const In* __restrict a = in_a + off[0];
    const In* __restrict b = in_b + off[1];
    Out* __restrict y = out + o;
    // A broadcast operand (stride 0) reads its first element everywhere.
    const std::int64_t sa = st[0], sb = st[1];
    if constexpr (std::is_same_v<In, Out> && use_simd_v<Op, In>) {
      using B = xsimd::batch<In>;
      if ((sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
        const auto load = [](const In* p, std::int64_t stride, std::int64_t i) {
          return stride == 0 ? B(p[0]) : B::load_unaligned(p + i);
        };
        vector_run(y, len, [&](std::int64_t i) { return op(load(a, sa, i), load(b, sb, i)); },
                   [&](std::int64_t i) { return op(a[i * sa], b[i * sb]); });
        return;
      }
    } else if (sa == 1 && sb == 1) {
      for (std::int64_t i = 0; i < len; ++i) y[i] = op(a[i], b[i]);
      return;
    }
    for (std::int64_t i = 0; i < len; ++i) y[i] = op(a[i * sa], b[i * sb]);
  });
}

template <class T> void where_kernel(const ElementwiseArgs& args) {
  const bool* cond = static_cast<const bool*>(args.in[0]);
  const T* in_x = static_cast<const T*>(args.in[1]);
  const T* in_y = static_cast<const T*>(args.in[2]);
  T* out = static_cast<T*>(args.out);
  for_each_run<3>(args, [&](std::int64_t o, const std::int64_t* off, const std::int64_t* st, std::int64_t len) {
    const bool* c = cond + off[0];
    const T* x = in_x + off[1];
    const T* y = in_y + off[2];
    T* r = out + o;
    if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
      for (std::int64_t i = 0; i < len; ++i) r[i] = c[i] ? x[i] : y[i];
    } else {
      for (std::int64_t i = 0; i < len; ++i) r[i] = c[i * st[0]] ? x[i * st[1]] : y[i * st[2]];
    }
  });
}

}  // namespace eager::detail::cpu
