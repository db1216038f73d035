#pragma once
// The two CUDA elementwise kernels and the launcher that picks one, shared by
// every unary, binary, cast and where kernel (elementwise_*.cu). What an
// element computes is a body of elementwise_body.hpp; which layout gets
// which kernel is decided by strided_index.hpp. Both are plain C++ tested on
// the host; this file only moves data.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "cuda_common.hpp"
#include "elementwise_body.hpp"
#include "strided_index.hpp"
#include "tensor/device_runtime.hpp"
#include "tensor/dtype_dispatch.hpp"
#include "tensor/registry.hpp"

namespace eager::detail::cuda {

template <int N> struct InputPointers {
  const void* p[N];
};

// V elements read or written as one 16-byte (or narrower) transaction.
template <class T, int V> struct alignas(sizeof(T) * V) AlignedVector {
  T v[V];
};

template <class T, int V>
__device__ __forceinline__ AlignedVector<T, V> load_vector(const void* p, bool scalar, std::int64_t vector_index) {
  const T* ptr = static_cast<const T*>(p);
  if (scalar) {
    AlignedVector<T, V> r;
    const T value = ptr[0];
#pragma unroll
    for (int j = 0; j < V; ++j) r.v[j] = value;
    return r;
  }
  return reinterpret_cast<const AlignedVector<T, V>*>(ptr)[vector_index];
}

template <class T> __device__ __forceinline__ T load_element(const void* p, bool scalar, std::int64_t i) {
  return static_cast<const T*>(p)[scalar ? 0 : i];
}

template <int V, class Body, class Out, class... Vec>
__device__ __forceinline__ void compute_vector(const Body& body, Out* out, const Vec&... x) {
  AlignedVector<Out, V> r;
#pragma unroll
  for (int j = 0; j < V; ++j) r.v[j] = body(x.v[j]...);
  *reinterpret_cast<AlignedVector<Out, V>*>(out) = r;
}

template <int V, class Body, class Out, class... In, std::size_t... I>
__device__ __forceinline__ void flat_loop(const Body& body, Out* out, const InputPointers<sizeof...(In)>& in,
                                          unsigned broadcast, std::int64_t n, std::index_sequence<I...>) {
  const std::int64_t num_vectors = n / V;
  const std::int64_t step = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  // Not unrolled: the loop is memory-bound, and unrolling would multiply
  // the code (and nvcc's time) of every kernel by four for nothing.
#pragma unroll 1
  for (std::int64_t v = first; v < num_vectors; v += step)
    compute_vector<V>(body, out + v * V, load_vector<In, V>(in.p[I], (broadcast >> I) & 1u, v)...);
  // The last n % V elements, one per thread.
#pragma unroll 1
  for (std::int64_t i = num_vectors * V + first; i < n; i += step)
    out[i] = body(load_element<In>(in.p[I], (broadcast >> I) & 1u, i)...);
}

// out[i] = body(in_0[i], ...) over a flat layout: each thread handles whole
// vectors of V elements (16-byte loads and stores; pointers checked aligned
// by the launcher), grid-stride. Bit k of `broadcast` marks input k as a
// scalar read at index 0.
template <int V, class Body, class Out, class... In>
__global__ void __launch_bounds__(kBlockSize)
    flat_elementwise_kernel(Body body, Out* out, InputPointers<sizeof...(In)> in, unsigned broadcast,
                            std::int64_t n) {
  flat_loop<V, Body, Out, In...>(body, out, in, broadcast, n, std::index_sequence_for<In...>{});
}

template <class Index, class Body, class Out, class... In, std::size_t... I>
__device__ __forceinline__ void strided_loop(const StridedIndexer<Index>& ix, const Body& body,
                                             Out* out, const InputPointers<sizeof...(In)>& in, std::int64_t n,
                                             std::index_sequence<I...>) {
  const std::int64_t step = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
#pragma unroll 1
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    Index offsets[sizeof...(In)];
    ix.template offsets<sizeof...(In)>(static_cast<Index>(i), offsets);
    out[i] = body(static_cast<const In*>(in.p[I])[offsets[I]]...);
  }
}

// out[i] = body(in_0[offset_0(i)], ...) for any layout the indexer maps;
// Index is int32 when fits_int32 holds, else int64. The loop counter is
// always 64-bit so that i + step cannot overflow near 2^31.
template <class Index, class Body, class Out, class... In>
__global__ void __launch_bounds__(kBlockSize)
    strided_elementwise_kernel(StridedIndexer<Index> ix, Body body, Out* out,
                               InputPointers<sizeof...(In)> in, std::int64_t n) {
  strided_loop<Index, Body, Out, In...>(ix, body, out, in, n, std::index_sequence_for<In...>{});
}

// Runs body over `args` (inputs of types In..., output Out) on the current
// device's stream, with the kernel plan_elementwise picks. `op` and `dtype`
// (the compute dtype) name the op in errors. The layout logic is plain
// functions of strided_index.hpp, compiled once per file, so that each
// instantiation here is little more than its three launches.
template <class Out, class... In, class Body>
void launch_elementwise(const char* op, DType dtype, const ElementwiseArgs& args, const Body& body) {
  constexpr int N = sizeof...(In);
  constexpr int V = vector_width<Out, In...>();
  constexpr std::size_t element_sizes[] = {sizeof(Out), sizeof(In)...};
  const std::int64_t n = args.num_elements;
  if (n <= 0) return;
  const ElementwisePlan plan = plan_elementwise(args, N, element_sizes, V);
  const cudaStream_t stream = current_stream();
  InputPointers<N> in;
  for (int k = 0; k < N; ++k) in.p[k] = args.in[k];
  Out* out = static_cast<Out*>(args.out);
  switch (plan.path) {
    case ElementwisePath::Vector:
      flat_elementwise_kernel<V, Body, Out, In...>
          <<<grid_size((n + V - 1) / V), kBlockSize, 0, stream>>>(body, out, in, plan.broadcast, n);
      break;
    // The indexers are built before the launch statement: one that throws
    // inside <<<...>>>'s arguments would leave a launch configuration pushed.
    case ElementwisePath::Strided32: {
      const auto ix = make_strided_indexer<std::int32_t>(args, N, op, dtype, t_cuda_device);
      strided_elementwise_kernel<std::int32_t, Body, Out, In...>
          <<<grid_size(n), kBlockSize, 0, stream>>>(ix, body, out, in, n);
      break;
    }
    case ElementwisePath::Strided64: {
      const auto ix = make_strided_indexer<std::int64_t>(args, N, op, dtype, t_cuda_device);
      strided_elementwise_kernel<std::int64_t, Body, Out, In...>
          <<<grid_size(n), kBlockSize, 0, stream>>>(ix, body, out, in, n);
      break;
    }
  }
  check_launch(op);
}

// The kernel slots of the ops whose output has the input dtype.
template <UnaryOp Op, class F, DType D> void unary_kernel(const ElementwiseArgs& args) {
  using T = ctype<D>;
  launch_elementwise<T, T>(registry()[Op].name, D, args, UnaryBody<F>{});
}
template <BinaryOp Op, class F, DType D> void binary_kernel(const ElementwiseArgs& args) {
  using T = ctype<D>;
  launch_elementwise<T, T, T>(registry()[Op].name, D, args, BinaryBody<F>{});
}

// The dtype lists of the CPU registration (cpu_elementwise_kernels.cpp).
#define EAGER_CUDA_ALL_DTYPES DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64
#define EAGER_CUDA_NUMERIC DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64
#define EAGER_CUDA_FLOATS DType::Float32, DType::Float64

// Sets the CUDA slot of `table` for each dtype in Ds to make(dtype constant).
template <DType... Ds, class Make> void fill_cuda(KernelTable<ElementwiseKernel>& table, Make make) {
  ((table.at(DeviceType::CUDA, Ds) = make(std::integral_constant<DType, Ds>{})), ...);
}

}  // namespace eager::detail::cuda
