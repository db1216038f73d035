#pragma once
// Device building blocks of the CUDA reductions (reduction_*.cu) and of
// cumsum's chunk totals (scan_kernels.cu): warp and block reductions, a
// vectorised range reduction, the row and column kernels and their launcher.
//
// Shapes follow ReduceArgs: out[o, i] = R over r of in[o, r, i].
// - inner == 1 (rows): a group of 1, 32 or 256 threads per row (see
//   plan_rows), reading 16-byte vectors four at a time per thread; rows too
//   few to fill the GPU are split into chunks whose partial results a second
//   pass combines (two passes, no atomics, so results are deterministic).
// - inner > 1 (columns): threads on neighbouring columns read neighbouring
//   elements; several row lanes per column are combined in shared memory;
//   columns too few to fill the GPU are split along the rows, again with a
//   second pass.
// Only .cu files include this header.
#if !defined(__CUDACC__)
#error "reduction_device.hpp holds CUDA kernels: include it from .cu files only"
#endif

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "cuda/cuda_common.hpp"
#include "cuda/reduction_math.hpp"
#include "cuda/reduction_plan.hpp"
#include "tensor/registry.hpp"

namespace eager::detail::cuda {

// ---- sources and destinations ---------------------------------------------------

// A first pass reads input elements (through R::load, with their position
// along the axis) with vector loads; a second pass reads partial results.
template <class R, class T> struct FromValues {
  using In = T;
  static constexpr bool kVector = true;
  __device__ static typename R::Acc load(T x, std::int64_t r) { return R::load(x, r); }
};
template <class R> struct FromPartials {
  using In = typename R::Acc;
  static constexpr bool kVector = false;
  __device__ static In load(In a, std::int64_t) { return a; }
};

// A last pass writes R::finish of each result; a first pass of two writes
// the partial results themselves.
template <class R> struct ToOutput {
  using Out = typename R::Out;
  __device__ static void store(Out* out, std::int64_t i, typename R::Acc a) { out[i] = R::finish(a); }
};
template <class R> struct ToPartials {
  using Out = typename R::Acc;
  __device__ static void store(Out* out, std::int64_t i, typename R::Acc a) { out[i] = a; }
};

// ---- primitives -------------------------------------------------------------------

__device__ inline std::int64_t min64(std::int64_t a, std::int64_t b) { return a < b ? a : b; }

// Through the read-only cache where the type allows.
template <class T> __device__ T load_ro(const T* p) {
  if constexpr (std::is_arithmetic_v<T>) return __ldg(p);
  else return *p;
}

template <class T> __device__ T shfl_down(T v, int delta) {
  if constexpr (sizeof(T) < sizeof(int))
    return static_cast<T>(__shfl_down_sync(0xffffffffu, static_cast<unsigned>(v), delta));
  else
    return __shfl_down_sync(0xffffffffu, v, delta);
}
template <class T> __device__ reduce::ArgAcc<T> shfl_down(reduce::ArgAcc<T> v, int delta) {
  return {shfl_down(v.value, delta), shfl_down(v.index, delta)};
}

// The combination of the 32 lanes' values, valid in lane 0. Every lane of
// the warp must call it.
template <class R, class A> __device__ A warp_reduce(A v) {
#pragma unroll
  for (int d = 16; d > 0; d /= 2) v = R::combine(v, shfl_down(v, d));
  return v;
}

// The combination over a block of kReduceBlock threads, valid in thread 0.
// Every thread of the block must call it.
template <class R, class A> __device__ A block_reduce(A v) {
  constexpr int kWarps = kReduceBlock / 32;
  __shared__ A warp_results[kWarps];
  v = warp_reduce<R>(v);
  const int lane = static_cast<int>(threadIdx.x % 32), warp = static_cast<int>(threadIdx.x / 32);
  if (lane == 0) warp_results[warp] = v;
  __syncthreads();
  if (warp == 0) v = warp_reduce<R>(lane < kWarps ? warp_results[lane] : R::identity());
  __syncthreads();  // warp_results is rewritten by the caller's next iteration
  return v;
}

template <class R, class Src>
__device__ typename R::Acc combine_vector(typename R::Acc acc, uint4 raw, std::int64_t first) {
  using In = typename Src::In;
  constexpr int kLanes = static_cast<int>(sizeof(uint4) / sizeof(In));
  In x[kLanes];
  memcpy(x, &raw, sizeof raw);
#pragma unroll
  for (int e = 0; e < kLanes; ++e) acc = R::combine(acc, Src::load(x[e], first + e));
  return acc;
}

// Lane `lane` of a group of G threads combines its share of row[begin, end)
// (positions counted from the row start). With vector loads: a scalar head up
// to the first 16-byte boundary, 16-byte vectors (four in flight per thread,
// in four accumulators), a scalar tail.
template <class R, class Src, int G>
__device__ typename R::Acc reduce_range(const typename Src::In* row, std::int64_t begin, std::int64_t end, int lane) {
  using Acc = typename R::Acc;
  using In = typename Src::In;
  Acc acc = R::identity();
  std::int64_t vec_begin = end, vec_end = end;
  if constexpr (Src::kVector) {
    constexpr std::int64_t kPer = sizeof(uint4) / sizeof(In);
    constexpr int kUnroll = 4;
    constexpr std::int64_t kBytes = sizeof(uint4);
    const auto misalign = static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(row + begin) % kBytes);
    vec_begin = min64(end, begin + (kBytes - misalign) % kBytes / std::int64_t{sizeof(In)});
    const std::int64_t vectors = (end - vec_begin) / kPer;
    vec_end = vec_begin + vectors * kPer;
    const uint4* vp = reinterpret_cast<const uint4*>(row + vec_begin);
    Acc part[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) part[u] = R::identity();
    std::int64_t j = lane;
    for (; j + (kUnroll - 1) * G < vectors; j += kUnroll * G) {
      uint4 raw[kUnroll];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) raw[u] = __ldg(vp + j + u * G);
#pragma unroll
      for (int u = 0; u < kUnroll; ++u)
        part[u] = combine_vector<R, Src>(part[u], raw[u], vec_begin + (j + u * G) * kPer);
    }
    for (; j < vectors; j += G) part[0] = combine_vector<R, Src>(part[0], __ldg(vp + j), vec_begin + j * kPer);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) acc = R::combine(acc, part[u]);
  }
  for (std::int64_t i = begin + lane; i < vec_begin; i += G) acc = R::combine(acc, Src::load(load_ro(row + i), i));
  for (std::int64_t i = vec_end + lane; i < end; i += G) acc = R::combine(acc, Src::load(load_ro(row + i), i));
  return acc;
}

// ---- kernels ----------------------------------------------------------------------

// Group g of G threads reduces chunk g % chunks of row g / chunks (rows of n
// elements, chunks of chunk_len) into out[g].
template <class R, class Src, class Dst, int G>
__global__ void __launch_bounds__(kReduceBlock)
    reduce_rows_kernel(const typename Src::In* __restrict__ in, typename Dst::Out* __restrict__ out, std::int64_t rows,
                       std::int64_t n, std::int64_t chunks, std::int64_t chunk_len) {
  constexpr int kGroups = kReduceBlock / G;
  const int lane = static_cast<int>(threadIdx.x % G);
  const std::int64_t total = rows * chunks;
  // g is the same for all threads of a group, so the group's collective
  // reductions below are reached by all of them.
  for (std::int64_t g = std::int64_t{blockIdx.x} * kGroups + threadIdx.x / G; g < total;
       g += std::int64_t{gridDim.x} * kGroups) {
    const std::int64_t row = g / chunks, c = g - row * chunks;
    const std::int64_t begin = c * chunk_len, end = min64(n, begin + chunk_len);
    typename R::Acc acc = reduce_range<R, Src, G>(in + row * n, begin, end, lane);
    if constexpr (G == 32) acc = warp_reduce<R>(acc);
    else if constexpr (G == kReduceBlock) acc = block_reduce<R>(acc);
    if (lane == 0) Dst::store(out, g, acc);
  }
}

// Flattened columns col = o * inner + i in tiles of cols_per_block; thread
// (tx, ty) = (threadIdx.x % cols_per_block, threadIdx.x / cols_per_block)
// combines rows ty, ty + row_lanes, ... of column tx of the chunk blockIdx.y
// (rows [c * chunk_len, (c + 1) * chunk_len)); the row lanes are then combined
// pairwise in shared memory. out[c * outer * inner + col] receives the result.
template <class R, class Src, class Dst>
__global__ void __launch_bounds__(kReduceBlock)
    reduce_cols_kernel(const typename Src::In* __restrict__ in, typename Dst::Out* __restrict__ out, std::int64_t outer,
                       std::int64_t n, std::int64_t inner, std::int64_t chunk_len, int row_lanes, int cols_per_block) {
  using Acc = typename R::Acc;
  __shared__ Acc lanes[kReduceBlock];
  const int tx = static_cast<int>(threadIdx.x) % cols_per_block, ty = static_cast<int>(threadIdx.x) / cols_per_block;
  const std::int64_t cols = outer * inner;
  const std::int64_t tiles = (cols + cols_per_block - 1) / cols_per_block;
  const std::int64_t c = blockIdx.y;
  const std::int64_t begin = c * chunk_len, end = min64(n, begin + chunk_len);
  for (std::int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const std::int64_t col = t * cols_per_block + tx;
    Acc acc = R::identity();
    if (ty < row_lanes && col < cols) {
      const std::int64_t o = col / inner, i = col - o * inner;
      const typename Src::In* base = in + o * n * inner + i;
      for (std::int64_t r = begin + ty; r < end; r += row_lanes)
        acc = R::combine(acc, Src::load(load_ro(base + r * inner), r));
    }
    lanes[threadIdx.x] = acc;
    __syncthreads();
    for (int s = 1; s < row_lanes; s *= 2) {
      if (ty % (2 * s) == 0 && ty + s < row_lanes)
        lanes[threadIdx.x] = R::combine(lanes[threadIdx.x], lanes[threadIdx.x + s * cols_per_block]);
      __syncthreads();
    }
    // Each thread reads back only its own slot, which no other thread
    // writes, so the next tile may start without another barrier.
    if (ty == 0 && col < cols) Dst::store(out, c * cols + col, lanes[threadIdx.x]);
  }
}

// ---- launchers -----------------------------------------------------------------------

template <class R, class T>
void launch_reduce_rows(const T* in, typename R::Out* out, std::int64_t rows, std::int64_t n, const char* name) {
  using Acc = typename R::Acc;
  const int sms = multiprocessor_count();
  cudaStream_t stream = current_stream();
  const RowPlan p = plan_rows(rows, n, sms, true);
  if (p.chunks == 1) {
    using Src = FromValues<R, T>;
    using Dst = ToOutput<R>;
    const auto launch = [&]<int G>() {
      reduce_rows_kernel<R, Src, Dst, G><<<p.blocks, kReduceBlock, 0, stream>>>(in, out, rows, n, 1, n);
    };
    if (p.group == 1) launch.template operator()<1>();
    else if (p.group == 32) launch.template operator()<32>();
    else launch.template operator()<kReduceBlock>();
    check_launch(name);
    return;
  }
  Scratch partials(static_cast<std::size_t>(rows * p.chunks) * sizeof(Acc));
  reduce_rows_kernel<R, FromValues<R, T>, ToPartials<R>, kReduceBlock>
      <<<p.blocks, kReduceBlock, 0, stream>>>(in, partials.as<Acc>(), rows, n, p.chunks, p.chunk_len);
  check_launch(name);
  const RowPlan q = plan_row_partials(rows, p.chunks, sms);
  reduce_rows_kernel<R, FromPartials<R>, ToOutput<R>, 32>
      <<<q.blocks, kReduceBlock, 0, stream>>>(partials.as<Acc>(), out, rows, p.chunks, 1, p.chunks);
  check_launch(name);
}

// The first pass over columns; with dst = partials it writes [chunks, outer * inner].
template <class R, class Src, class Dst>
void launch_reduce_cols_pass(const ColPlan& p, const typename Src::In* in, typename Dst::Out* out, std::int64_t outer,
                             std::int64_t n, std::int64_t inner, const char* name) {
  const dim3 grid(p.blocks_x, p.blocks_y);
  reduce_cols_kernel<R, Src, Dst><<<grid, kReduceBlock, 0, current_stream()>>>(in, out, outer, n, inner, p.chunk_len,
                                                                               p.row_lanes, p.cols_per_block);
  check_launch(name);
}

template <class R, class T>
void launch_reduce_cols(const T* in, typename R::Out* out, std::int64_t outer, std::int64_t n, std::int64_t inner,
                        const char* name) {
  using Acc = typename R::Acc;
  const int sms = multiprocessor_count();
  const ColPlan p = plan_cols(outer, n, inner, sms, true);
  if (p.chunks == 1) {
    launch_reduce_cols_pass<R, FromValues<R, T>, ToOutput<R>>(p, in, out, outer, n, inner, name);
    return;
  }
  const std::int64_t cols = outer * inner;
  Scratch partials(static_cast<std::size_t>(p.chunks * cols) * sizeof(Acc));
  launch_reduce_cols_pass<R, FromValues<R, T>, ToPartials<R>>(p, in, partials.as<Acc>(), outer, n, inner, name);
  // The partials are a [1, chunks, cols] reduction of their own.
  const ColPlan q = plan_cols(1, p.chunks, cols, sms, false);
  launch_reduce_cols_pass<R, FromPartials<R>, ToOutput<R>>(q, partials.as<Acc>(), out, 1, p.chunks, cols, name);
}

// The ReduceKernel of reducer R over elements of type T.
template <class R, class T, const char* Name> void reduce_kernel(const ReduceArgs& a) {
  const T* in = static_cast<const T*>(a.in);
  auto* out = static_cast<typename R::Out*>(a.out);
  if (a.inner == 1) launch_reduce_rows<R, T>(in, out, a.outer, a.reduce, Name);
  else launch_reduce_cols<R, T>(in, out, a.outer, a.reduce, a.inner, Name);
}

}  // namespace eager::detail::cuda

namespace eager::detail::cuda {

// Fills the CUDA slots of the numeric dtypes (those the CPU fills for sum,
// prod, max and min) of `table` with reducer R<T>.
template <template <class> class R, const char* Name> void fill_numeric(KernelTable<ReduceKernel>& table) {
  table.at(DeviceType::CUDA, DType::UInt8) = &reduce_kernel<R<std::uint8_t>, std::uint8_t, Name>;
  table.at(DeviceType::CUDA, DType::Int32) = &reduce_kernel<R<std::int32_t>, std::int32_t, Name>;
  table.at(DeviceType::CUDA, DType::Int64) = &reduce_kernel<R<std::int64_t>, std::int64_t, Name>;
  table.at(DeviceType::CUDA, DType::Float32) = &reduce_kernel<R<float>, float, Name>;
  table.at(DeviceType::CUDA, DType::Float64) = &reduce_kernel<R<double>, double, Name>;
}

inline KernelTable<ReduceKernel>& reduce_table(Registry& r, ReduceOp op) { return r.reduce[static_cast<int>(op)]; }

}  // namespace eager::detail::cuda
