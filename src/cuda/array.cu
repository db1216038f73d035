// The CUDA data-movement kernels of tensor/array_kernels.hpp: strided copy,
// fill, gather, scatter-add, one_hot and the index range check. Elements
// move as unsigned words of the element size, so one kernel serves every
// dtype, and every value is copied bit for bit: results equal the CPU's
// exactly, except scatter-add (see there). The index arithmetic is the
// shared EAGER_HD code of array_kernels.hpp, tested on the host against the
// CPU kernels. Loop counters are 64-bit (i + step cannot overflow); offsets
// use int32 where the layout allows it.
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "cuda_common.hpp"
#include "eager/error.hpp"
#include "tensor/array_kernels.hpp"
#include "tensor/registry.hpp"

namespace eager::detail::cuda {

namespace {

// Dimensions of a copy plan the small indexer holds; larger plans (rare:
// more than 12 dimensions of size >= 2 that cannot be merged) take the
// 64-bit indexer of kMaxCopyRank.
constexpr int kSmallCopyRank = 12;

__device__ __forceinline__ std::int64_t first_index() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ std::int64_t grid_step() { return static_cast<std::int64_t>(blockDim.x) * gridDim.x; }

// Calls fn(const Idx*) with the list's index type.
template <class Fn> void visit_indices(const IndexList& list, Fn&& fn) {
  if (list.int64) fn(static_cast<const std::int64_t*>(list.data));
  else fn(static_cast<const std::int32_t*>(list.data));
}

// ---- strided copy ----------------------------------------------------------------

// dst[d(i)] = src[s(i)] for i in [0, n), (s, d) from the shared indexer.
template <class W, int R, class I>
__global__ void __launch_bounds__(kBlockSize)
    copy_kernel(CopyIndexer<R, I> ix, const W* __restrict__ src, W* __restrict__ dst, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_step()) {
    I s, d;
    ix.offsets(static_cast<I>(i), s, d);
    dst[d] = src[s];
  }
}

// A copy contiguous on both sides is one cudaMemcpyAsync; anything else runs
// the strided kernel.
void cuda_copy(const CopyArgs& a) {
  const std::int64_t n = a.shape.num_elements();
  if (n == 0) return;
  const cudaStream_t stream = current_stream();
  const CopyPlan plan = plan_copy(a.shape, a.src_strides, a.dst_strides);
  if (plan.rank == 1 && plan.src[0] == 1 && plan.dst[0] == 1) {
    check(cudaMemcpyAsync(a.dst, a.src, static_cast<std::size_t>(n) * a.itemsize, cudaMemcpyDeviceToDevice, stream),
          "strided copy (cudaMemcpyAsync)");
    return;
  }
  visit_word(a.itemsize, [&](auto word) {
    using W = decltype(word);
    const W* src = static_cast<const W*>(a.src);
    W* dst = static_cast<W*>(a.dst);
    if (plan.rank <= kSmallCopyRank && copy_fits_int32(plan))
      copy_kernel<W><<<grid_size(n), kBlockSize, 0, stream>>>(make_copy_indexer<kSmallCopyRank, std::int32_t>(plan),
                                                             src, dst, n);
    else if (plan.rank <= kSmallCopyRank)
      copy_kernel<W><<<grid_size(n), kBlockSize, 0, stream>>>(make_copy_indexer<kSmallCopyRank, std::int64_t>(plan),
                                                             src, dst, n);
    else
      copy_kernel<W><<<grid_size(n), kBlockSize, 0, stream>>>(make_copy_indexer<kMaxCopyRank, std::int64_t>(plan),
                                                             src, dst, n);
  });
  check_launch("strided copy");
}

// ---- fill ------------------------------------------------------------------------

// dst[i] = value for i in [0, n): the element's bytes as one word.
template <class W> __global__ void __launch_bounds__(kBlockSize) fill_kernel(W* dst, W value, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_step()) dst[i] = value;
}

// A value whose bytes are all equal (zeros, most often) is a cudaMemsetAsync.
void cuda_fill(const FillArgs& a) {
  if (a.num_elements == 0) return;
  const cudaStream_t stream = current_stream();
  bool uniform_bytes = true;
  for (std::size_t b = 1; b < a.itemsize; ++b) uniform_bytes = uniform_bytes && a.value[b] == a.value[0];
  if (uniform_bytes) {
    check(cudaMemsetAsync(a.dst, a.value[0], static_cast<std::size_t>(a.num_elements) * a.itemsize, stream),
          "fill (cudaMemsetAsync)");
    return;
  }
  visit_word(a.itemsize, [&](auto word) {
    using W = decltype(word);
    W value;
    std::memcpy(&value, a.value, sizeof(W));
    fill_kernel<W><<<grid_size(a.num_elements), kBlockSize, 0, stream>>>(static_cast<W*>(a.dst), value,
                                                                          a.num_elements);
  });
  check_launch("fill");
}

// ---- gather and scatter-add --------------------------------------------------------

// out[e] = src[gathered_element(e)] over the [outer, count, inner] output.
template <class W, class Idx, class I>
__global__ void __launch_bounds__(kBlockSize)
    gather_kernel(const W* __restrict__ src, W* __restrict__ out, const Idx* __restrict__ idx, std::int64_t n,
                  I count, I dim, I inner) {
  for (std::int64_t e = first_index(); e < n; e += grid_step()) {
    const RowSplit<I> s = split_gather_element(static_cast<I>(e), count, inner);
    out[e] = src[gathered_element(s, static_cast<I>(idx[s.n]), dim, inner)];
  }
}

void cuda_gather(const GatherArgs& a) {
  const std::int64_t n = a.outer * a.indices.count * a.inner;
  if (n == 0) return;
  const cudaStream_t stream = current_stream();
  const bool small = gather_fits_int32(a.outer, a.indices.count, a.dim, a.inner);
  visit_word(a.itemsize, [&](auto word) {
    using W = decltype(word);
    visit_indices(a.indices, [&](auto* idx) {
      const W* src = static_cast<const W*>(a.src);
      W* out = static_cast<W*>(a.out);
      if (small)
        gather_kernel<<<grid_size(n), kBlockSize, 0, stream>>>(
            src, out, idx, n, static_cast<std::int32_t>(a.indices.count), static_cast<std::int32_t>(a.dim),
            static_cast<std::int32_t>(a.inner));
      else
        gather_kernel<<<grid_size(n), kBlockSize, 0, stream>>>(src, out, idx, n, a.indices.count, a.dim, a.inner);
    });
  });
  check_launch("gather");
}

// out[gathered_element(e)] += updates[e] with atomicAdd: many threads may
// add into one row at once, so the order of the additions (and with it the
// last bits of a float sum over repeated indices) can differ from the CPU's
// fixed order n = 0, 1, ... and from run to run. Each element's sum is
// within rounding of the CPU's; rows hit by one index match exactly.
template <class T, class Idx, class I>
__global__ void __launch_bounds__(kBlockSize)
    scatter_add_kernel(const T* __restrict__ updates, T* out, const Idx* __restrict__ idx, std::int64_t n, I count,
                       I dim, I inner) {
  for (std::int64_t e = first_index(); e < n; e += grid_step()) {
    const RowSplit<I> s = split_gather_element(static_cast<I>(e), count, inner);
    atomicAdd(out + gathered_element(s, static_cast<I>(idx[s.n]), dim, inner), updates[e]);
  }
}

template <class T> void scatter_add_as(const ScatterAddArgs& a, std::int64_t n, cudaStream_t stream) {
  const T* updates = static_cast<const T*>(a.updates);
  T* out = static_cast<T*>(a.out);
  const bool small = gather_fits_int32(a.outer, a.indices.count, a.dim, a.inner);
  visit_indices(a.indices, [&](auto* idx) {
    if (small)
      scatter_add_kernel<<<grid_size(n), kBlockSize, 0, stream>>>(
          updates, out, idx, n, static_cast<std::int32_t>(a.indices.count), static_cast<std::int32_t>(a.dim),
          static_cast<std::int32_t>(a.inner));
    else
      scatter_add_kernel<<<grid_size(n), kBlockSize, 0, stream>>>(updates, out, idx, n, a.indices.count, a.dim,
                                                                  a.inner);
  });
}

void cuda_scatter_add(const ScatterAddArgs& a) {
  const std::int64_t n = a.outer * a.indices.count * a.inner;
  if (n == 0) return;
  if (a.float64) scatter_add_as<double>(a, n, current_stream());
  else scatter_add_as<float>(a, n, current_stream());
  check_launch("gather gradient (scatter-add)");
}

// ---- one_hot -----------------------------------------------------------------------

// out[e] = on or off by one_hot_is_on, over the [count, depth] output; the
// CPU fills each row with off and then writes on, which gives the same bytes.
template <class W, class Idx, class I>
__global__ void __launch_bounds__(kBlockSize)
    one_hot_kernel(W* __restrict__ out, const Idx* __restrict__ idx, std::int64_t n, I depth, W on, W off) {
  for (std::int64_t e = first_index(); e < n; e += grid_step())
    out[e] = one_hot_is_on(idx, static_cast<I>(e), depth) ? on : off;
}

void cuda_one_hot(const OneHotArgs& a) {
  const std::int64_t n = a.indices.count * a.depth;
  if (n == 0) return;
  const cudaStream_t stream = current_stream();
  visit_word(a.itemsize, [&](auto word) {
    using W = decltype(word);
    W on, off;
    std::memcpy(&on, a.on, sizeof(W));
    std::memcpy(&off, a.off, sizeof(W));
    W* out = static_cast<W*>(a.out);
    visit_indices(a.indices, [&](auto* idx) {
      if (n <= 0x7fffffff)
        one_hot_kernel<<<grid_size(n), kBlockSize, 0, stream>>>(out, idx, n, static_cast<std::int32_t>(a.depth), on,
                                                                off);
      else
        one_hot_kernel<<<grid_size(n), kBlockSize, 0, stream>>>(out, idx, n, a.depth, on, off);
    });
  });
  check_launch("one_hot");
}

// ---- index range check ---------------------------------------------------------------

// *first = min(*first, k) for every index k outside [0, dim); *first starts
// at all ones, so it stays there when every index is in range.
template <class Idx>
__global__ void __launch_bounds__(kBlockSize)
    find_bad_index_kernel(const Idx* __restrict__ idx, std::int64_t count, std::int64_t dim,
                          unsigned long long* first) {
  for (std::int64_t k = first_index(); k < count; k += grid_step())
    if (index_out_of_range(static_cast<std::int64_t>(idx[k]), dim))
      atomicMin(first, static_cast<unsigned long long>(k));
}

// Synchronises the stream: the op needs the answer before it goes on.
std::int64_t cuda_find_bad_index(const IndexList& list, std::int64_t dim) {
  if (list.count == 0) return -1;
  const cudaStream_t stream = current_stream();
  Scratch first(sizeof(unsigned long long));
  check(cudaMemsetAsync(first.get(), 0xff, sizeof(unsigned long long), stream), "index check (cudaMemsetAsync)");
  visit_indices(list, [&](auto* idx) {
    find_bad_index_kernel<<<grid_size(list.count), kBlockSize, 0, stream>>>(idx, list.count, dim,
                                                                            first.as<unsigned long long>());
  });
  check_launch("index check");
  const unsigned long long k = read_back(first.as<unsigned long long>());
  return k == ~0ull ? -1 : static_cast<std::int64_t>(k);
}

}  // namespace

}  // namespace eager::detail::cuda

namespace eager::detail {

void register_cuda_array_kernels(ArrayKernels& k) {
  constexpr DeviceType gpu = DeviceType::CUDA;
  k.copy.at(gpu) = cuda::cuda_copy;
  k.fill.at(gpu) = cuda::cuda_fill;
  k.gather.at(gpu) = cuda::cuda_gather;
  k.scatter_add.at(gpu) = cuda::cuda_scatter_add;
  k.one_hot.at(gpu) = cuda::cuda_one_hot;
  k.find_bad_index.at(gpu) = cuda::cuda_find_bad_index;
}

}  // namespace eager::detail
