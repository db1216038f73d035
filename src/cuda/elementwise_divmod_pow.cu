// CUDA kernels of floordiv, mod and pow (uint8, int32, int64, float32,
// float64): out[i] = F(a[i], b[i]) with the functor F of
// tensor/functors.hpp, in the promoted dtype. Apart from the simple
// arithmetic ops (elementwise_binary.cu) because their bodies are long
// (integer division fix-ups, powers by squaring, libm pow) and nvcc takes
// as long for these 15 kernels as for the other 32.
// Bit-identical to the CPU: every op on integers (floor division and modulo
// toward -inf, MIN / -1 wrapping, powers by squaring; the dispatcher refuses
// zero divisors and negative exponents before the kernel runs), float
// floordiv (floor(a / b)) and float mod (fmod, then the sign of b). Float
// pow is CUDA's powf / pow, within a few ulp of glibc's (at most 4 ulp from
// the exact result for powf, 2 for pow, per the CUDA C Programming Guide),
// with the same special cases (C99 Annex F).
#include "elementwise_body.hpp"
#include "elementwise_kernels.hpp"
#include "elementwise_launch.cuh"

namespace eager::detail::cuda {
namespace {

template <BinaryOp Op, class F> void binary_numeric(Registry& r) {
  fill_cuda<EAGER_CUDA_NUMERIC>(r[Op].kernels, [](auto d) { return &binary_kernel<Op, F, decltype(d)::value>; });
}

}  // namespace

void register_binary_divmod_pow_kernels(Registry& r) {
  binary_numeric<BinaryOp::FloorDiv, fn::FloorDiv>(r);
  binary_numeric<BinaryOp::Mod, fn::Mod>(r);
  binary_numeric<BinaryOp::Pow, fn::Pow>(r);
}

}  // namespace eager::detail::cuda
