#pragma once
// What one element of each CUDA elementwise kernel computes: the functors of
// tensor/functors.hpp applied exactly as the CPU kernels apply them
// (cpu_elementwise_kernels.cpp), so that both devices run the same source.
// The dispatcher has already converted the inputs to the compute dtype, so
// every body reads its inputs in that dtype and returns the output dtype.
// Plain C++ with EAGER_HD: the host tests compile these with g++ and compare
// them with the CPU kernels.
#include "tensor/functors.hpp"

namespace eager::detail::cuda {

// Unary op F: out = F(x), in the input dtype (LogicalNot: bool to bool).
template <class F> struct UnaryBody {
  template <class T> EAGER_HD T operator()(T x) const { return F::apply(x); }
};

// leaky_relu: out = x > 0 ? x : x * T(alpha), alpha from ElementwiseArgs
// as a double, converted per element as the CPU does.
struct LeakyReluBody {
  double alpha;
  template <class T> EAGER_HD T operator()(T x) const { return fn::LeakyRelu::apply(x, alpha); }
};

// Binary op F on two operands of the compute dtype: that dtype out for
// arithmetic, bool out for comparisons and logical ops (F's return type).
template <class F> struct BinaryBody {
  template <class T> EAGER_HD auto operator()(T a, T b) const { return F::apply(a, b); }
};

// Cast to To (saturating float-to-integer, NaN to 0, x != 0 for bool); to
// the same dtype it is a copy.
template <class To> struct CastBody {
  template <class From> EAGER_HD To operator()(From x) const { return fn::Cast<To>::apply(x); }
};

// where: out = condition ? x : y.
struct WhereBody {
  template <class T> EAGER_HD T operator()(bool condition, T x, T y) const { return condition ? x : y; }
};

}  // namespace eager::detail::cuda
