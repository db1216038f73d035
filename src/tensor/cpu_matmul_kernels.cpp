// CPU matmul: OpenBLAS gemm for float32/float64, a blocked loop for integers.
#include <cblas.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "registry.hpp"
#include "thread_pool.hpp"

namespace eager::detail {

namespace {

// Below this many multiply-adds a product runs on one thread: splitting it
// costs more than it saves.
constexpr std::int64_t kSmallGemm = 64 * 64 * 64;

// C[rows, cols] = op(A) @ op(B) for one block of the output, where A, B and C
// point at the block's first row/column inside the full matrices.
template <class T>
void gemm_block(bool transpose_a, bool transpose_b, std::int64_t rows, std::int64_t cols, std::int64_t k,
                const T* pa, std::int64_t lda, const T* pb, std::int64_t ldb, T* pc, std::int64_t ldc) {
  const auto ta = transpose_a ? CblasTrans : CblasNoTrans;
  const auto tb = transpose_b ? CblasTrans : CblasNoTrans;
  const auto m = static_cast<blasint>(rows), n = static_cast<blasint>(cols), kk = static_cast<blasint>(k);
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, kk, 1.0f, pa, static_cast<blasint>(lda), pb,
                static_cast<blasint>(ldb), 0.0f, pc, static_cast<blasint>(ldc));
  else
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, kk, 1.0, pa, static_cast<blasint>(lda), pb,
                static_cast<blasint>(ldb), 0.0, pc, static_cast<blasint>(ldc));
}

// One product, split over the thread pool along its larger output dimension
// (each task runs single-threaded OpenBLAS on its block). OpenBLAS's own
// threads stay off (see register_cpu_matmul_kernels): two sets of threads on
// the same cores made every op after a GEMM wait for OpenBLAS's spinning
// workers to yield.
template <class T> void gemm(const MatmulArgs& a, const T* pa, const T* pb, T* pc) {
  const std::int64_t m = a.m, n = a.n, k = a.k;
  const std::int64_t lda = a.transpose_a ? m : k, ldb = a.transpose_b ? k : n;
  // The grain keeps each block at kSmallGemm multiply-adds or more.
  const auto grain = [&](std::int64_t other) {
    return std::max<std::int64_t>(1, kSmallGemm / std::max<std::int64_t>(1, other * k));
  };
  if (m >= n) {
    parallel_for(m, grain(n), [&](std::int64_t begin, std::int64_t end) {
      const T* block_a = a.transpose_a ? pa + begin : pa + begin * lda;
      gemm_block(a.transpose_a, a.transpose_b, end - begin, n, k, block_a, lda, pb, ldb, pc + begin * n, n);
    });
  } else {
    parallel_for(n, grain(m), [&](std::int64_t begin, std::int64_t end) {
      const T* block_b = a.transpose_b ? pb + begin * ldb : pb + begin;
      gemm_block(a.transpose_a, a.transpose_b, m, end - begin, k, pa, lda, block_b, ldb, pc + begin, n);
    });
  }
}

template <class T> void blas_matmul(const MatmulArgs& a) {
  const T* A = static_cast<const T*>(a.a);
  const T* B = static_cast<const T*>(a.b);
  T* C = static_cast<T*>(a.out);
  const auto one = [&](std::int64_t i) {
    gemm<T>(a, A + i * a.batch_stride_a, B + i * a.batch_stride_b, C + i * a.m * a.n);
  };
  // Many small products: one task per group of whole products.
  if (a.batch > 1 && a.m * a.n * a.k <= kSmallGemm) {
    parallel_for(a.batch, std::max<std::int64_t>(1, kSmallGemm / (a.m * a.n * a.k)),
                 [&](std::int64_t b, std::int64_t e) {
                   for (std::int64_t i = b; i < e; ++i) one(i);
                 });
    return;
  }
  for (std::int64_t i = 0; i < a.batch; ++i) one(i);
}

// Integer products wrap as TensorFlow's do; signed overflow being undefined
// in C++, the arithmetic runs in the unsigned type of the same width.
template <class T> using acc_t = std::make_unsigned_t<T>;

// Copies op(src) into a row-major rows x cols matrix, where src stores op's
// input row-major (cols x rows when transposed).
template <class T>
void pack(const T* src, bool transpose, std::int64_t rows, std::int64_t cols, std::vector<acc_t<T>>& dst) {
  dst.resize(static_cast<std::size_t>(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c)
      dst[static_cast<std::size_t>(r * cols + c)] =
          static_cast<acc_t<T>>(transpose ? src[c * rows + r] : src[r * cols + c]);
}

// Row-major C = A @ B with the innermost loop streaming a tile of a row of B
// into a tile of a row of C (vectorised); a block of B of kBlockK x kTileN
// stays in cache while every row of the task's rows of A passes over it.
template <class T> void int_matmul(const MatmulArgs& a) {
  using U = acc_t<T>;
  const T* A = static_cast<const T*>(a.a);
  const T* B = static_cast<const T*>(a.b);
  T* C = static_cast<T*>(a.out);
  const std::int64_t m = a.m, n = a.n, k = a.k;
  constexpr std::int64_t kBlockK = 128, kTileN = 256;
  for (std::int64_t bi = 0; bi < a.batch; ++bi) {
    std::vector<U> pa, pb;
    pack(A + bi * a.batch_stride_a, a.transpose_a, m, k, pa);
    pack(B + bi * a.batch_stride_b, a.transpose_b, k, n, pb);
    T* Cb = C + bi * m * n;
    std::fill(Cb, Cb + m * n, T(0));
    parallel_for(m, std::max<std::int64_t>(1, 32 * 1024 / (n * k)), [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t j0 = 0; j0 < n; j0 += kTileN) {
        const std::int64_t j1 = std::min(n, j0 + kTileN);
        for (std::int64_t k0 = 0; k0 < k; k0 += kBlockK) {
          const std::int64_t k1 = std::min(k, k0 + kBlockK);
          for (std::int64_t i = begin; i < end; ++i) {
            T* row = Cb + i * n;
            for (std::int64_t kk = k0; kk < k1; ++kk) {
              const U x = pa[static_cast<std::size_t>(i * k + kk)];
              const U* brow = pb.data() + kk * n;
              for (std::int64_t j = j0; j < j1; ++j)
                row[j] = static_cast<T>(static_cast<U>(static_cast<U>(row[j]) + static_cast<U>(x * brow[j])));
            }
          }
        }
      }
    });
  }
}

}  // namespace

void register_cpu_matmul_kernels(Registry& r) {
  // eager's pool parallelises each product instead (see gemm above).
  openblas_set_num_threads(1);
  r.matmul.at(DeviceType::CPU, DType::Float32) = &blas_matmul<float>;
  r.matmul.at(DeviceType::CPU, DType::Float64) = &blas_matmul<double>;
  r.matmul.at(DeviceType::CPU, DType::UInt8) = &int_matmul<std::uint8_t>;
  r.matmul.at(DeviceType::CPU, DType::Int32) = &int_matmul<std::int32_t>;
  r.matmul.at(DeviceType::CPU, DType::Int64) = &int_matmul<std::int64_t>;
}

}  // namespace eager::detail
