// CUDA cumsum, inclusive or exclusive, forward or reverse, over the middle
// axis of [outer, length, inner], for uint8, int32, int64, float32 and
// float64 (the CPU's dtypes). Sums are in the input dtype, integers wrapping
// as on the CPU, so integer results equal the CPU's exactly; float results
// differ by rounding only (the CPU adds strictly in order, the tiled kernel
// adds each thread's eight items to a block-wide prefix of thread totals).
// See plan_scan for which kernel runs and when a long axis is split.
#include "cuda/reduction_device.hpp"
#include "cuda/reduction_register.hpp"

namespace eager::detail::cuda {

namespace {

using reduce::wrapping_add;

template <class T> __device__ T shfl_up(T v, int delta) {
  if constexpr (sizeof(T) < sizeof(int))
    return static_cast<T>(__shfl_up_sync(0xffffffffu, static_cast<unsigned>(v), delta));
  else
    return __shfl_up_sync(0xffffffffu, v, delta);
}

// Memory position of the k-th element, in scan order, of the range [begin, end).
__device__ inline std::int64_t scan_position(std::int64_t k, std::int64_t begin, std::int64_t end, bool reverse) {
  return reverse ? end - 1 - k : begin + k;
}

// The sum of v over the threads before this one (thread order), and in
// `total` over all kReduceBlock threads. Every thread must call it.
template <class T> __device__ T block_exclusive_scan(T v, T& total) {
  constexpr int kWarps = kReduceBlock / 32;
  __shared__ T warp_prefix[kWarps + 1];
  const int lane = static_cast<int>(threadIdx.x % 32), warp = static_cast<int>(threadIdx.x / 32);
  T inclusive = v;
#pragma unroll
  for (int d = 1; d < 32; d *= 2) {
    const T up = shfl_up(inclusive, d);
    if (lane >= d) inclusive = wrapping_add(up, inclusive);
  }
  if (lane == 31) warp_prefix[warp] = inclusive;
  __syncthreads();
  if (threadIdx.x == 0) {
    T running = T(0);
    for (int w = 0; w < kWarps; ++w) {
      const T s = warp_prefix[w];
      warp_prefix[w] = running;
      running = wrapping_add(running, s);
    }
    warp_prefix[kWarps] = running;
  }
  __syncthreads();
  const T before = shfl_up(inclusive, 1);
  const T prefix = lane == 0 ? warp_prefix[warp] : wrapping_add(warp_prefix[warp], before);
  total = warp_prefix[kWarps];
  __syncthreads();  // warp_prefix is rewritten by the next call
  return prefix;
}

// Shared-memory slot of tile element e: a pad word every 32 elements makes
// thread t's reads of its items t * 8 + j (stride 8 across the warp) hit 32
// different banks.
__device__ inline int slot(int e) { return e + e / 32; }

// Block g scans chunk g % chunks (chunk_len elements) of row g / chunks,
// starting from carries[g] (0 without carries), a tile of kScanTile elements
// at a time: coalesced loads into shared memory, eight consecutive items per
// thread, a block-wide exclusive scan of the thread totals, coalesced stores.
template <class T>
__global__ void __launch_bounds__(kReduceBlock)
    scan_rows_kernel(const T* __restrict__ in, T* __restrict__ out, std::int64_t rows, std::int64_t length,
                     std::int64_t chunks, std::int64_t chunk_len, const T* __restrict__ carries, bool exclusive,
                     bool reverse) {
  __shared__ T tile[kScanTile + kScanTile / 32];
  const int t = static_cast<int>(threadIdx.x);
  for (std::int64_t g = blockIdx.x; g < rows * chunks; g += gridDim.x) {
    const std::int64_t row = g / chunks, c = g - row * chunks;
    const std::int64_t begin = c * chunk_len, end = min64(length, begin + chunk_len);
    const T* src = in + row * length;
    T* dst = out + row * length;
    T carry = carries ? carries[g] : T(0);
    for (std::int64_t k0 = 0; k0 < end - begin; k0 += kScanTile) {
      const std::int64_t count = min64(kScanTile, end - begin - k0);
#pragma unroll
      for (int j = 0; j < kScanItems; ++j) {
        const int e = j * kReduceBlock + t;
        tile[slot(e)] = e < count ? src[scan_position(k0 + e, begin, end, reverse)] : T(0);
      }
      __syncthreads();
      T own = T(0);
#pragma unroll
      for (int j = 0; j < kScanItems; ++j) own = wrapping_add(own, tile[slot(t * kScanItems + j)]);
      T total;
      T running = wrapping_add(carry, block_exclusive_scan(own, total));
#pragma unroll
      for (int j = 0; j < kScanItems; ++j) {
        const int e = slot(t * kScanItems + j);
        const T next = wrapping_add(running, tile[e]);
        tile[e] = exclusive ? running : next;
        running = next;
      }
      __syncthreads();
#pragma unroll
      for (int j = 0; j < kScanItems; ++j) {
        const int e = j * kReduceBlock + t;
        if (e < count) dst[scan_position(k0 + e, begin, end, reverse)] = tile[slot(e)];
      }
      carry = wrapping_add(carry, total);
      __syncthreads();  // the tile is refilled next
    }
  }
}

// Thread g scans chunk g / cols (chunk_len rows) of column g % cols (the
// flattened column o * inner + i) in order, starting from carries[g].
template <class T>
__global__ void __launch_bounds__(kReduceBlock)
    scan_cols_kernel(const T* __restrict__ in, T* __restrict__ out, std::int64_t outer, std::int64_t length,
                     std::int64_t inner, std::int64_t chunks, std::int64_t chunk_len, const T* __restrict__ carries,
                     bool exclusive, bool reverse) {
  const std::int64_t cols = outer * inner, total = chunks * cols;
  for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < total;
       g += std::int64_t{gridDim.x} * blockDim.x) {
    const std::int64_t c = g / cols, col = g - c * cols;
    const std::int64_t o = col / inner, i = col - o * inner;
    const std::int64_t begin = c * chunk_len, end = min64(length, begin + chunk_len);
    const T* src = in + o * length * inner + i;
    T* dst = out + o * length * inner + i;
    T acc = carries ? carries[g] : T(0);
    for (std::int64_t k = 0; k < end - begin; ++k) {
      const std::int64_t r = scan_position(k, begin, end, reverse);
      const T next = wrapping_add(acc, src[r * inner]);
      dst[r * inner] = exclusive ? acc : next;
      acc = next;
    }
  }
}

template <class T>
void launch_scan_cols(const T* in, T* out, std::int64_t outer, std::int64_t length, std::int64_t inner,
                      std::int64_t chunks, std::int64_t chunk_len, const T* carries, bool exclusive, bool reverse,
                      int sms) {
  const unsigned blocks = plan_detail::capped_blocks(plan_detail::ceil_div(outer * inner * chunks, kReduceBlock), sms);
  scan_cols_kernel<T><<<blocks, kReduceBlock, 0, current_stream()>>>(in, out, outer, length, inner, chunks, chunk_len,
                                                                      carries, exclusive, reverse);
  check_launch("cumsum");
}

template <class T> void cumsum_kernel(const ScanArgs& a) {
  using S = reduce::Sum<T>;
  const T* in = static_cast<const T*>(a.in);
  T* out = static_cast<T*>(a.out);
  const int sms = multiprocessor_count();
  cudaStream_t stream = current_stream();
  const ScanPlan p = plan_scan(a.outer, a.length, a.inner, sms);
  if (p.chunks == 1) {
    if (p.tiled) {
      scan_rows_kernel<T><<<p.blocks, kReduceBlock, 0, stream>>>(in, out, a.outer, a.length, 1, a.length, nullptr,
                                                                 a.exclusive, a.reverse);
      check_launch("cumsum");
    } else {
      launch_scan_cols(in, out, a.outer, a.length, a.inner, 1, a.length, static_cast<const T*>(nullptr), a.exclusive,
                       a.reverse, sms);
    }
    return;
  }
  // Split: chunk sums [rows, chunks] or [chunks, cols], then each chunk's
  // carry is the exclusive scan of those sums in the scan's direction.
  const std::int64_t cols = a.outer * a.inner;
  Scratch sums(static_cast<std::size_t>(cols * p.chunks) * sizeof(T));
  Scratch carries(static_cast<std::size_t>(cols * p.chunks) * sizeof(T));
  if (p.tiled) {
    reduce_rows_kernel<S, FromValues<S, T>, ToPartials<S>, kReduceBlock>
        <<<p.blocks, kReduceBlock, 0, stream>>>(in, sums.as<T>(), a.outer, a.length, p.chunks, p.chunk_len);
    check_launch("cumsum");
    launch_scan_cols(sums.as<T>(), carries.as<T>(), a.outer, p.chunks, 1, 1, p.chunks, static_cast<const T*>(nullptr),
                     true, a.reverse, sms);
    scan_rows_kernel<T><<<p.blocks, kReduceBlock, 0, stream>>>(in, out, a.outer, a.length, p.chunks, p.chunk_len,
                                                               carries.as<T>(), a.exclusive, a.reverse);
    check_launch("cumsum");
    return;
  }
  ColPlan sum_plan = plan_cols(a.outer, a.length, a.inner, sms, false);
  sum_plan.chunks = p.chunks;
  sum_plan.chunk_len = p.chunk_len;
  sum_plan.blocks_y = static_cast<unsigned>(p.chunks);
  launch_reduce_cols_pass<S, FromValues<S, T>, ToPartials<S>>(sum_plan, in, sums.as<T>(), a.outer, a.length, a.inner,
                                                               "cumsum");
  launch_scan_cols(sums.as<T>(), carries.as<T>(), 1, p.chunks, cols, 1, p.chunks, static_cast<const T*>(nullptr), true,
                   a.reverse, sms);
  launch_scan_cols(in, out, a.outer, a.length, a.inner, p.chunks, p.chunk_len, static_cast<const T*>(carries.as<T>()),
                   a.exclusive, a.reverse, sms);
}

}  // namespace

void register_cumsum_kernels(Registry& r) {
  r.cumsum.at(DeviceType::CUDA, DType::UInt8) = &cumsum_kernel<std::uint8_t>;
  r.cumsum.at(DeviceType::CUDA, DType::Int32) = &cumsum_kernel<std::int32_t>;
  r.cumsum.at(DeviceType::CUDA, DType::Int64) = &cumsum_kernel<std::int64_t>;
  r.cumsum.at(DeviceType::CUDA, DType::Float32) = &cumsum_kernel<float>;
  r.cumsum.at(DeviceType::CUDA, DType::Float64) = &cumsum_kernel<double>;
}

}  // namespace eager::detail::cuda
