// CUDA kernels of the fused nn ops (NnKernels): softmax, log_softmax,
// sparse and dense softmax cross-entropy, float32 and float64 as on the CPU.
// A warp handles a row of up to 1024 classes, a block a longer row; each
// row is read three times (maximum, sum of exponentials, outputs), the later
// reads mostly from cache. The formulas are nn_math.hpp's, the CPU's; the
// results agree with the CPU's within a few ulp (exp, log and the order of
// the row sums differ).
#include <cstdint>
#include <limits>

#include "cuda/cuda_common.hpp"
#include "cuda/nn_math.hpp"
#include "cuda/reduction_plan.hpp"
#include "tensor/registry.hpp"

namespace eager::detail::cuda {

namespace {

using namespace nn_math;

template <class T> struct MaxOp {
  __device__ static T apply(T a, T b) { return max_of(a, b); }
};
template <class T> struct SumOp {
  __device__ static T apply(T a, T b) { return a + b; }
};

// The combination over a group of G threads (32: a warp, kReduceBlock: the
// block), returned to every thread of the group. The xor butterfly gives
// every lane the same bits (each step adds the same two values, in either
// order), so all threads of a row agree on m and s. Every thread of the
// group must call it.
template <class Op, int G, class T> __device__ T group_all_reduce(T v) {
#pragma unroll
  for (int d = 16; d > 0; d /= 2) v = Op::apply(v, __shfl_xor_sync(0xffffffffu, v, d));
  if constexpr (G == kReduceBlock) {
    constexpr int kWarps = kReduceBlock / 32;
    __shared__ T warp_results[kWarps];
    if (threadIdx.x % 32 == 0) warp_results[threadIdx.x / 32] = v;
    __syncthreads();
    v = warp_results[0];
    for (int w = 1; w < kWarps; ++w) v = Op::apply(v, warp_results[w]);
    __syncthreads();  // warp_results is rewritten by the next call
  }
  return v;
}

// The maximum m and s = sum exp(x - m) of a row, in every thread of its group.
template <int G, class T> __device__ void row_stats(const T* x, std::int64_t classes, int lane, T& m, T& s) {
  m = -std::numeric_limits<T>::infinity();
  for (std::int64_t c = lane; c < classes; c += G) m = max_of(m, x[c]);
  m = group_all_reduce<MaxOp<T>, G>(m);
  s = T(0);
  for (std::int64_t c = lane; c < classes; c += G) s += shifted_exp(x[c], m);
  s = group_all_reduce<SumOp<T>, G>(s);
}

// Calls body(row, lane) for every row, a group of G threads per row. The row
// index is uniform over a group, so the group reductions inside the body are
// reached by all its threads.
template <int G, class Body> __device__ void for_each_row(std::int64_t rows, const Body& body) {
  constexpr int kGroups = kReduceBlock / G;
  const int lane = static_cast<int>(threadIdx.x % G);
  for (std::int64_t row = std::int64_t{blockIdx.x} * kGroups + threadIdx.x / G; row < rows;
       row += std::int64_t{gridDim.x} * kGroups)
    body(row, lane);
}

template <bool Log, int G, class T>
__global__ void __launch_bounds__(kReduceBlock)
    softmax_rows(const T* __restrict__ logits, T* __restrict__ out, std::int64_t rows, std::int64_t classes) {
  for_each_row<G>(rows, [&](std::int64_t row, int lane) {
    const T* x = logits + row * classes;
    T* y = out + row * classes;
    T m, s;
    row_stats<G>(x, classes, lane, m, s);
    if constexpr (Log) {
      const T log_sum = log_of(s);
      for (std::int64_t c = lane; c < classes; c += G) y[c] = log_softmax(x[c], m, log_sum);
    } else {
      const T inv = T(1) / s;
      for (std::int64_t c = lane; c < classes; c += G) y[c] = softmax(x[c], m, inv);
    }
  });
}

template <int G, class T, class L>
__global__ void __launch_bounds__(kReduceBlock)
    sparse_xent_rows(const T* __restrict__ logits, const L* __restrict__ labels, T* __restrict__ loss,
                     std::int64_t rows, std::int64_t classes) {
  for_each_row<G>(rows, [&](std::int64_t row, int lane) {
    const T* x = logits + row * classes;
    T m, s;
    row_stats<G>(x, classes, lane, m, s);
    if (lane == 0) loss[row] = sparse_xent(x[labels[row]], m, log_of(s));
  });
}

template <int G, class T>
__global__ void __launch_bounds__(kReduceBlock)
    xent_rows(const T* __restrict__ logits, const T* __restrict__ labels, T* __restrict__ loss, std::int64_t rows,
              std::int64_t classes) {
  for_each_row<G>(rows, [&](std::int64_t row, int lane) {
    const T* x = logits + row * classes;
    const T* p = labels + row * classes;
    T m, s;
    row_stats<G>(x, classes, lane, m, s);
    const T log_sum = log_of(s);
    T total = T(0);
    for (std::int64_t c = lane; c < classes; c += G) total += xent_term(p[c], x[c], m, log_sum);
    total = group_all_reduce<SumOp<T>, G>(total);
    if (lane == 0) loss[row] = total;
  });
}

constexpr std::int64_t kWarpRowClasses = 1024;

// Launches kernel<G> with G = 32 for rows of up to 1024 classes, else 256.
template <class Launch> void launch_rows(std::int64_t rows, std::int64_t classes, const char* name, Launch launch) {
  const int sms = multiprocessor_count();
  if (classes <= kWarpRowClasses) {
    constexpr int kRowsPerBlock = kReduceBlock / 32;
    launch.template operator()<32>(plan_detail::capped_blocks(plan_detail::ceil_div(rows, kRowsPerBlock), sms));
  } else {
    launch.template operator()<kReduceBlock>(plan_detail::capped_blocks(rows, sms));
  }
  check_launch(name);
}

template <class T> void softmax_kernel(const SoftmaxArgs& a) {
  launch_rows(a.rows, a.classes, "softmax", [&]<int G>(unsigned blocks) {
    softmax_rows<false, G, T><<<blocks, kReduceBlock, 0, current_stream()>>>(
        static_cast<const T*>(a.logits), static_cast<T*>(a.out), a.rows, a.classes);
  });
}

template <class T> void log_softmax_kernel(const SoftmaxArgs& a) {
  launch_rows(a.rows, a.classes, "log_softmax", [&]<int G>(unsigned blocks) {
    softmax_rows<true, G, T><<<blocks, kReduceBlock, 0, current_stream()>>>(
        static_cast<const T*>(a.logits), static_cast<T*>(a.out), a.rows, a.classes);
  });
}

template <class T, class L> void sparse_xent_launch(const SparseXentArgs& a) {
  launch_rows(a.rows, a.classes, "sparse_softmax_cross_entropy_with_logits", [&]<int G>(unsigned blocks) {
    sparse_xent_rows<G, T, L><<<blocks, kReduceBlock, 0, current_stream()>>>(
        static_cast<const T*>(a.logits), static_cast<const L*>(a.labels), static_cast<T*>(a.loss), a.rows, a.classes);
  });
}

template <class T> void sparse_xent_kernel(const SparseXentArgs& a) {
  if (a.labels_int64) sparse_xent_launch<T, std::int64_t>(a);
  else sparse_xent_launch<T, std::int32_t>(a);
}

template <class T> void xent_kernel(const XentArgs& a) {
  launch_rows(a.rows, a.classes, "softmax_cross_entropy_with_logits", [&]<int G>(unsigned blocks) {
    xent_rows<G, T><<<blocks, kReduceBlock, 0, current_stream()>>>(
        static_cast<const T*>(a.logits), static_cast<const T*>(a.labels), static_cast<T*>(a.loss), a.rows, a.classes);
  });
}

template <class T> void fill(NnKernels& k, DType d) {
  k.softmax.at(DeviceType::CUDA, d) = &softmax_kernel<T>;
  k.log_softmax.at(DeviceType::CUDA, d) = &log_softmax_kernel<T>;
  k.sparse_xent.at(DeviceType::CUDA, d) = &sparse_xent_kernel<T>;
  k.xent.at(DeviceType::CUDA, d) = &xent_kernel<T>;
}

}  // namespace

}  // namespace eager::detail::cuda

namespace eager::detail {

void register_cuda_nn_kernels(NnKernels& k) {
  cuda::fill<float>(k, DType::Float32);
  cuda::fill<double>(k, DType::Float64);
}

}  // namespace eager::detail
