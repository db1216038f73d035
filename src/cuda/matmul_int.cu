// CUDA matmul for uint8, int32 and int64 (the CPU's integer dtypes): a
// 16 x 16 output tile per block, op(A) and op(B) staged through shared
// memory 16 columns of k at a time. Products and sums wrap as on the CPU
// (TensorFlow's rule): they run in an unsigned type of at least the element's
// width, whose arithmetic modulo 2^32 or 2^64 reduces to the element's modulo
// 2^bits, so results equal the CPU's exactly.
#include <cstdint>
#include <type_traits>

#include "cuda/cuda_common.hpp"
#include "cuda/matmul_int.hpp"

namespace eager::detail::cuda {

namespace {

constexpr int kTile = 16;

template <class T> using acc_t = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;

// Block t computes output tile (t % tiles_n, (t / tiles_n) % tiles_m) of
// product t / (tiles_m * tiles_n). A is stored row-major [m, k] ([k, m] when
// transpose_a), B [k, n] ([n, k] when transpose_b).
template <class T>
__global__ void __launch_bounds__(kTile * kTile)
    int_matmul_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ c, std::int64_t batch,
                      std::int64_t m, std::int64_t n, std::int64_t k, bool transpose_a, bool transpose_b,
                      std::int64_t stride_a, std::int64_t stride_b) {
  using Acc = acc_t<T>;
  using Unsigned = std::make_unsigned_t<T>;
  __shared__ Acc tile_a[kTile][kTile + 1];
  __shared__ Acc tile_b[kTile][kTile + 1];
  const int tx = static_cast<int>(threadIdx.x % kTile), ty = static_cast<int>(threadIdx.x / kTile);
  const std::int64_t tiles_m = (m + kTile - 1) / kTile, tiles_n = (n + kTile - 1) / kTile;
  const std::int64_t per_product = tiles_m * tiles_n;
  for (std::int64_t t = blockIdx.x; t < batch * per_product; t += gridDim.x) {
    const std::int64_t product = t / per_product, rest = t - product * per_product;
    const std::int64_t row = rest / tiles_n * kTile + ty, col = rest % tiles_n * kTile + tx;
    const T* pa = a + product * stride_a;
    const T* pb = b + product * stride_b;
    Acc acc = 0;
    for (std::int64_t k0 = 0; k0 < k; k0 += kTile) {
      const std::int64_t ka = k0 + tx, kb = k0 + ty;
      const bool in_a = row < m && ka < k, in_b = kb < k && col < n;
      tile_a[ty][tx] = in_a ? Acc(Unsigned(transpose_a ? pa[ka * m + row] : pa[row * k + ka])) : Acc(0);
      tile_b[ty][tx] = in_b ? Acc(Unsigned(transpose_b ? pb[col * k + kb] : pb[kb * n + col])) : Acc(0);
      __syncthreads();
#pragma unroll
      for (int kk = 0; kk < kTile; ++kk) acc += tile_a[ty][kk] * tile_b[kk][tx];
      __syncthreads();
    }
    if (row < m && col < n) c[product * m * n + row * n + col] = static_cast<T>(acc);
  }
}

template <class T> void int_matmul(const MatmulArgs& a) {
  const std::int64_t tiles = a.batch * ((a.m + kTile - 1) / kTile) * ((a.n + kTile - 1) / kTile);
  // One output tile per block: the grid is sized in tiles, not elements.
  const unsigned blocks = grid_size(tiles, 1);
  int_matmul_kernel<T><<<blocks, kTile * kTile, 0, current_stream()>>>(
      static_cast<const T*>(a.a), static_cast<const T*>(a.b), static_cast<T*>(a.out), a.batch, a.m, a.n, a.k,
      a.transpose_a, a.transpose_b, a.batch_stride_a, a.batch_stride_b);
  check_launch("matmul (integer)");
}

}  // namespace

void register_int_matmul_kernels(Registry& r) {
  r.matmul.at(DeviceType::CUDA, DType::UInt8) = &int_matmul<std::uint8_t>;
  r.matmul.at(DeviceType::CUDA, DType::Int32) = &int_matmul<std::int32_t>;
  r.matmul.at(DeviceType::CUDA, DType::Int64) = &int_matmul<std::int64_t>;
}

}  // namespace eager::detail::cuda
