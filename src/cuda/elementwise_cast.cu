// CUDA kernels of cast (every pair of dtypes; to the same dtype a strided
// copy into the contiguous output, which contiguous(), clone() and assign
// use) and where (every dtype). cast: out[i] = Cast<To>(x[i]) (float to
// integer truncates toward zero and saturates, NaN gives 0; to bool x != 0;
// float64 to float32 rounds to nearest even). where: out[i] = c[i] ? x[i] :
// y[i]. Both bit-identical to the CPU: the same functor, and conversions
// that IEEE and C++ define exactly.
#include "elementwise_body.hpp"
#include "elementwise_kernels.hpp"
#include "elementwise_launch.cuh"

namespace eager::detail::cuda {
namespace {

template <DType From, DType To> void cast_kernel(const ElementwiseArgs& args) {
  launch_elementwise<ctype<To>, ctype<From>>("cast", From, args, CastBody<ctype<To>>{});
}

template <DType To> void cast_to(Registry& r) {
  fill_cuda<EAGER_CUDA_ALL_DTYPES>(r.cast[static_cast<int>(To)],
                                   [](auto d) { return &cast_kernel<decltype(d)::value, To>; });
}

template <DType D> void where_kernel(const ElementwiseArgs& args) {
  using T = ctype<D>;
  launch_elementwise<T, bool, T, T>("where", D, args, WhereBody{});
}

}  // namespace

void register_cast_where_kernels(Registry& r) {
  cast_to<DType::Bool>(r);
  cast_to<DType::UInt8>(r);
  cast_to<DType::Int32>(r);
  cast_to<DType::Int64>(r);
  cast_to<DType::Float32>(r);
  cast_to<DType::Float64>(r);
  fill_cuda<EAGER_CUDA_ALL_DTYPES>(r.where, [](auto d) { return &where_kernel<decltype(d)::value>; });
}

}  // namespace eager::detail::cuda
