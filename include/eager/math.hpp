#pragma once
// Elementwise math, comparisons, logic, casts, reductions and matmul
// (tf.math). Conventions shared by every function here:
//
// Broadcasting: binary ops follow NumPy: shapes are aligned from the right and
//   each pair of dimensions must be equal or one of them 1. Mismatches throw
//   InvalidArgument naming the op and both shapes.
// Type promotion: two tensors compute in promote_types(a, b) (bool < uint8 <
//   int32 < int64 < float32 < float64); a C++ scalar is weakly typed (see
//   scalar.hpp). Float-only functions (exp, log, sqrt, tanh, ...) compute
//   integer and bool inputs in float32. True division of integers gives
//   float64 (int32, int64) or float32 (bool, uint8), as tf.math.truediv.
// Devices: all tensor operands must be on the same device.
#include <cstdint>
#include <optional>
#include <vector>

#include "eager/scalar.hpp"
#include "eager/tensor.hpp"

namespace eager {

// ---- unary ------------------------------------------------------------------
Tensor negative(const Tensor& x);       // -x
Tensor abs(const Tensor& x);            // |x|; uint8 unchanged, bool refused
Tensor sign(const Tensor& x);           // -1, 0 or 1 (0 for NaN stays NaN)
Tensor exp(const Tensor& x);            // e^x
Tensor log(const Tensor& x);            // natural log; -inf at 0, NaN below
Tensor log1p(const Tensor& x);          // log(1 + x), accurate near 0
Tensor expm1(const Tensor& x);          // e^x - 1, accurate near 0
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);          // 1 / sqrt(x)
Tensor square(const Tensor& x);         // x * x, in x's dtype
Tensor floor(const Tensor& x);          // integers unchanged
Tensor ceil(const Tensor& x);
Tensor round(const Tensor& x);          // half to even, as tf.math.round
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);        // 1 / (1 + e^-x), no overflow for large |x|
Tensor reciprocal(const Tensor& x);     // 1 / x
Tensor logical_not(const Tensor& x);    // bool only

// ---- binary (tensor op tensor, tensor op scalar, scalar op tensor) ----------
#define EAGER_DECLARE_BINARY(name)                  \
  Tensor name(const Tensor& a, const Tensor& b);    \
  Tensor name(const Tensor& a, Scalar b);           \
  Tensor name(Scalar a, const Tensor& b);
EAGER_DECLARE_BINARY(add)            // a + b
EAGER_DECLARE_BINARY(subtract)       // a - b
EAGER_DECLARE_BINARY(multiply)       // a * b
EAGER_DECLARE_BINARY(divide)         // a / b, true division (see above)
EAGER_DECLARE_BINARY(floordiv)       // floor(a / b); integer division rounds toward -inf; b == 0 throws for integers
EAGER_DECLARE_BINARY(mod)            // a - floordiv(a, b) * b: sign of b, as tf.math.floormod
EAGER_DECLARE_BINARY(pow)            // a ^ b; integer a ^ negative integer b throws
EAGER_DECLARE_BINARY(maximum)        // NaN-propagating
EAGER_DECLARE_BINARY(minimum)
EAGER_DECLARE_BINARY(squared_difference)  // (a - b)^2
EAGER_DECLARE_BINARY(equal)          // comparisons give bool
EAGER_DECLARE_BINARY(not_equal)
EAGER_DECLARE_BINARY(less)
EAGER_DECLARE_BINARY(less_equal)
EAGER_DECLARE_BINARY(greater)
EAGER_DECLARE_BINARY(greater_equal)
EAGER_DECLARE_BINARY(logical_and)    // bool operands only
EAGER_DECLARE_BINARY(logical_or)
EAGER_DECLARE_BINARY(logical_xor)
#undef EAGER_DECLARE_BINARY

Tensor operator-(const Tensor& x);
Tensor operator!(const Tensor& x);
#define EAGER_DECLARE_OPERATOR(op)                      \
  Tensor operator op(const Tensor& a, const Tensor& b); \
  Tensor operator op(const Tensor& a, Scalar b);        \
  Tensor operator op(Scalar a, const Tensor& b);
EAGER_DECLARE_OPERATOR(+)
EAGER_DECLARE_OPERATOR(-)
EAGER_DECLARE_OPERATOR(*)
EAGER_DECLARE_OPERATOR(/)
EAGER_DECLARE_OPERATOR(%)
EAGER_DECLARE_OPERATOR(<)
EAGER_DECLARE_OPERATOR(<=)
EAGER_DECLARE_OPERATOR(>)
EAGER_DECLARE_OPERATOR(>=)
EAGER_DECLARE_OPERATOR(&&)
EAGER_DECLARE_OPERATOR(||)
#undef EAGER_DECLARE_OPERATOR
// == and != are elementwise, like the other comparisons; use
// all_equal() for a single true/false answer.
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, Scalar b);
Tensor operator!=(const Tensor& a, Scalar b);

// True when shapes and dtypes match and every element is equal (NaN != NaN).
bool all_equal(const Tensor& a, const Tensor& b);

// ---- activations (tf.nn, also exported here as in tf.math) -----------------
Tensor relu(const Tensor& x);                          // max(x, 0)
Tensor relu6(const Tensor& x);                         // min(max(x, 0), 6)
Tensor leaky_relu(const Tensor& x, double alpha = 0.2);  // x if x > 0 else alpha * x
Tensor elu(const Tensor& x);                           // x if x > 0 else e^x - 1
Tensor softplus(const Tensor& x);                      // log(1 + e^x), stable for large |x|

// ---- selection and casting --------------------------------------------------
// tf.where(condition, x, y): x where condition is true, else y. condition is
// bool; all three broadcast together; x and y promote.
Tensor where(const Tensor& condition, const Tensor& x, const Tensor& y);
Tensor where(const Tensor& condition, Scalar x, Scalar y);
// tf.cast: float to integer truncates toward zero (values outside the target
// range are undefined in TF; here they saturate); to bool is x != 0. Casting
// to x's own dtype returns x itself (tensors are immutable, so sharing is safe).
Tensor cast(const Tensor& x, DType dtype);
// min(max(x, lo), hi) in x's dtype (lo <= hi required).
Tensor clip_by_value(const Tensor& x, Scalar lo, Scalar hi);
Tensor clip_by_value(const Tensor& x, const Tensor& lo, const Tensor& hi);

}  // namespace eager
