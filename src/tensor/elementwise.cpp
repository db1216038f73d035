// Dispatch of the elementwise primitives: dtype rules, broadcasting, kernel
// lookup. The math itself lives in functors.hpp.
#include <string>

#include "autograd/gradients.hpp"
#include "dispatch.hpp"
#include "dtype_dispatch.hpp"
#include "eager/creation.hpp"
#include "eager/math.hpp"
#include "eager/reduce.hpp"
#include "trace_scope.hpp"

namespace eager {

namespace detail {
namespace {

DType unary_compute_dtype(const UnaryOpDef& def, DType in) {
  switch (def.rule) {
    case UnaryRule::Numeric:
      if (in == DType::Bool)
        throw InvalidArgument(std::string(def.name) + ": not defined for bool tensors; cast to a number first");
      return in;
    case UnaryRule::Floating: return is_floating(in) ? in : DType::Float32;
    case UnaryRule::BoolOnly:
      if (in != DType::Bool)
        throw InvalidArgument(std::string(def.name) + ": expects a bool tensor, got " + std::string(dtype_name(in)));
      return in;
  }
  return in;
}

// Casts without recording: the dispatchers convert operands to the compute
// dtype and record the op against the caller's tensors, so a recorded cast
// here would only add an entry no gradient ever reaches.
Tensor convert(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  const auto kernel = kernel_for(registry().cast[static_cast<int>(dtype)], "cast", x.device(), x.dtype());
  Tensor out = Tensor::empty(x.shape(), dtype, x.device());
  if (out.num_elements() > 0) kernel(make_elementwise_args(x.shape(), {&x}, out.raw_mutable_data()));
  return out;
}

Tensor run_unary(UnaryOp op, const Tensor& x, double alpha = 0) {
  const UnaryOpDef& def = registry()[op];
  const detail::TraceScope trace(def.name, {&x});
  const Device device = common_device(def.name, {&x});
  const DType compute = unary_compute_dtype(def, x.dtype());
  const auto kernel = kernel_for(def.kernels, def.name, device, compute);
  const Tensor in = convert(x, compute);
  Tensor out = Tensor::empty(x.shape(), compute, device);
  if (out.num_elements() > 0) {
    ElementwiseArgs args = make_elementwise_args(out.shape(), {&in}, out.raw_mutable_data());
    args.alpha = alpha;
    kernel(args);
  }
  autograd::record_unary(op, x, out, alpha);
  return out;
}

DType binary_compute_dtype(const BinaryOpDef& def, DType a, DType b) {
  const DType promoted = promote_types(a, b);
  switch (def.rule) {
    case BinaryRule::Arithmetic:
      if (promoted == DType::Bool)
        throw InvalidArgument(std::string(def.name) + ": not defined for two bool tensors; cast to a number first");
      return promoted;
    case BinaryRule::TrueDivide:
      if (is_floating(promoted)) return promoted;
      return itemsize(promoted) <= 1 ? DType::Float32 : DType::Float64;
    case BinaryRule::Compare: return promoted;
    case BinaryRule::Logical:
      if (a != DType::Bool || b != DType::Bool)
        throw InvalidArgument(std::string(def.name) + ": expects bool tensors, got " + std::string(dtype_name(a)) +
                              " and " + std::string(dtype_name(b)));
      return DType::Bool;
  }
  return promoted;
}

bool any_nonzero(const Tensor& t) { return reduce_any(cast(t, DType::Bool)).item<bool>(); }

// Integer division by zero and integer powers with negative exponents have no
// answer; TensorFlow refuses them too.
void check_integer_domain(BinaryOp op, const char* name, DType compute, const Tensor& b) {
  if (!is_integral(compute)) return;
  if ((op == BinaryOp::FloorDiv || op == BinaryOp::Mod) && any_nonzero(equal(b, 0)))
    throw InvalidArgument(std::string(name) + ": integer division by zero");
  if (op == BinaryOp::Pow && compute != DType::UInt8 && any_nonzero(less(b, 0)))
    throw InvalidArgument(std::string(name) + ": integers to negative integer powers are not allowed");
}

Tensor run_binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const BinaryOpDef& def = registry()[op];
  const detail::TraceScope trace(def.name, {&a, &b});
  const Device device = common_device(def.name, {&a, &b});
  const DType compute = binary_compute_dtype(def, a.dtype(), b.dtype());
  const auto kernel = kernel_for(def.kernels, def.name, device, compute);
  const Shape out_shape = broadcast_shapes(def.name, a.shape(), b.shape());
  const Tensor ac = convert(a, compute);
  const Tensor bc = convert(b, compute);
  check_integer_domain(op, def.name, compute, bc);
  const DType out_dtype =
      def.rule == BinaryRule::Compare || def.rule == BinaryRule::Logical ? DType::Bool : compute;
  Tensor out = Tensor::empty(out_shape, out_dtype, device);
  if (out.num_elements() > 0) kernel(make_elementwise_args(out_shape, {&ac, &bc}, out.raw_mutable_data()));
  autograd::record_binary(op, a, b, out);
  return out;
}

// A scalar operand becomes a 0-d tensor of the weakly-typed result dtype.
Tensor scalar_operand(const char* op, Scalar s, const Tensor& other) {
  if (!other.defined()) throw InvalidArgument(std::string(op) + ": an argument is an undefined (default-constructed) tensor");
  const DType dtype = s.result_dtype_with(other.dtype());
  // A weakly typed integer must fit the tensor's dtype, as in TF and NumPy 2:
  // uint8 + 300 is an error, not a silent wrap to 44.
  if (s.kind() == Scalar::Kind::Integer && is_integral(dtype)) {
    const std::int64_t v = s.to_int64();
    if (!integer_fits(v, dtype))
      throw InvalidArgument(std::string(op) + ": scalar " + std::to_string(v) + " does not fit the tensor's dtype " +
                            std::string(dtype_name(dtype)) + "; cast the tensor to a wider dtype first");
  }
  return scalar(s, dtype, other.device());
}

}  // namespace
}  // namespace detail

using detail::BinaryOp;
using detail::UnaryOp;

#define EAGER_DEFINE_UNARY(name, op) \
  Tensor name(const Tensor& x) { return detail::run_unary(UnaryOp::op, x); }
EAGER_DEFINE_UNARY(negative, Negative)
EAGER_DEFINE_UNARY(abs, Abs)
EAGER_DEFINE_UNARY(sign, Sign)
EAGER_DEFINE_UNARY(exp, Exp)
EAGER_DEFINE_UNARY(log, Log)
EAGER_DEFINE_UNARY(log1p, Log1p)
EAGER_DEFINE_UNARY(expm1, Expm1)
EAGER_DEFINE_UNARY(sqrt, Sqrt)
EAGER_DEFINE_UNARY(rsqrt, Rsqrt)
EAGER_DEFINE_UNARY(square, Square)
EAGER_DEFINE_UNARY(floor, Floor)
EAGER_DEFINE_UNARY(ceil, Ceil)
EAGER_DEFINE_UNARY(round, Round)
EAGER_DEFINE_UNARY(sin, Sin)
EAGER_DEFINE_UNARY(cos, Cos)
EAGER_DEFINE_UNARY(tanh, Tanh)
EAGER_DEFINE_UNARY(sigmoid, Sigmoid)
EAGER_DEFINE_UNARY(reciprocal, Reciprocal)
EAGER_DEFINE_UNARY(logical_not, LogicalNot)
EAGER_DEFINE_UNARY(relu, Relu)
EAGER_DEFINE_UNARY(relu6, Relu6)
EAGER_DEFINE_UNARY(elu, Elu)
EAGER_DEFINE_UNARY(softplus, Softplus)
#undef EAGER_DEFINE_UNARY

Tensor leaky_relu(const Tensor& x, double alpha) { return detail::run_unary(UnaryOp::LeakyRelu, x, alpha); }

#define EAGER_DEFINE_BINARY(name, op)                                                                   \
  Tensor name(const Tensor& a, const Tensor& b) { return detail::run_binary(BinaryOp::op, a, b); }     \
  Tensor name(const Tensor& a, Scalar b) {                                                            \
    return detail::run_binary(BinaryOp::op, a, detail::scalar_operand(#name, b, a));                         \
  }                                                                                                   \
  Tensor name(Scalar a, const Tensor& b) {                                                            \
    return detail::run_binary(BinaryOp::op, detail::scalar_operand(#name, a, b), b);                         \
  }
EAGER_DEFINE_BINARY(add, Add)
EAGER_DEFINE_BINARY(subtract, Subtract)
EAGER_DEFINE_BINARY(multiply, Multiply)
EAGER_DEFINE_BINARY(divide, Divide)
EAGER_DEFINE_BINARY(floordiv, FloorDiv)
EAGER_DEFINE_BINARY(mod, Mod)
EAGER_DEFINE_BINARY(pow, Pow)
EAGER_DEFINE_BINARY(maximum, Maximum)
EAGER_DEFINE_BINARY(minimum, Minimum)
EAGER_DEFINE_BINARY(squared_difference, SquaredDifference)
EAGER_DEFINE_BINARY(equal, Equal)
EAGER_DEFINE_BINARY(not_equal, NotEqual)
EAGER_DEFINE_BINARY(less, Less)
EAGER_DEFINE_BINARY(less_equal, LessEqual)
EAGER_DEFINE_BINARY(greater, Greater)
EAGER_DEFINE_BINARY(greater_equal, GreaterEqual)
EAGER_DEFINE_BINARY(logical_and, LogicalAnd)
EAGER_DEFINE_BINARY(logical_or, LogicalOr)
EAGER_DEFINE_BINARY(logical_xor, LogicalXor)
#undef EAGER_DEFINE_BINARY

Tensor operator-(const Tensor& x) { return negative(x); }
Tensor operator!(const Tensor& x) { return logical_not(x); }
#define EAGER_DEFINE_OPERATOR(op, name)                                            \
  Tensor operator op(const Tensor& a, const Tensor& b) { return name(a, b); }      \
  Tensor operator op(const Tensor& a, Scalar b) { return name(a, b); }             \
  Tensor operator op(Scalar a, const Tensor& b) { return name(a, b); }
EAGER_DEFINE_OPERATOR(+, add)
EAGER_DEFINE_OPERATOR(-, subtract)
EAGER_DEFINE_OPERATOR(*, multiply)
EAGER_DEFINE_OPERATOR(/, divide)
EAGER_DEFINE_OPERATOR(%, mod)
EAGER_DEFINE_OPERATOR(<, less)
EAGER_DEFINE_OPERATOR(<=, less_equal)
EAGER_DEFINE_OPERATOR(>, greater)
EAGER_DEFINE_OPERATOR(>=, greater_equal)
EAGER_DEFINE_OPERATOR(&&, logical_and)
EAGER_DEFINE_OPERATOR(||, logical_or)
#undef EAGER_DEFINE_OPERATOR
Tensor operator==(const Tensor& a, const Tensor& b) { return equal(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return not_equal(a, b); }
Tensor operator==(const Tensor& a, Scalar b) { return equal(a, b); }
Tensor operator!=(const Tensor& a, Scalar b) { return not_equal(a, b); }

bool all_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || !(a.shape() == b.shape())) return false;
  if (a.num_elements() == 0) return true;
  return reduce_all(equal(a, b)).item<bool>();
}

Tensor where(const Tensor& condition, const Tensor& x, const Tensor& y) {
  const char* op = "where";
  const detail::TraceScope trace(op, {&condition, &x, &y});
  const Device device = detail::common_device(op, {&condition, &x, &y});
  if (condition.dtype() != DType::Bool)
    throw InvalidArgument(std::string(op) + ": condition must be bool, got " + detail::describe(condition));
  const DType dtype = promote_types(x.dtype(), y.dtype());
  const auto kernel = detail::kernel_for(detail::registry().where, op, device, dtype);
  const Shape shape = detail::broadcast_shapes(op, detail::broadcast_shapes(op, condition.shape(), x.shape()), y.shape());
  const Tensor xc = detail::convert(x, dtype);
  const Tensor yc = detail::convert(y, dtype);
  Tensor out = Tensor::empty(shape, dtype, device);
  if (out.num_elements() > 0)
    kernel(detail::make_elementwise_args(shape, {&condition, &xc, &yc}, out.raw_mutable_data()));
  autograd::record_where(condition, x, y, out);
  return out;
}

Tensor where(const Tensor& condition, Scalar x, Scalar y) {
  const DType dtype = promote_types(x.default_dtype(), y.default_dtype());
  return where(condition, scalar(x, dtype, condition.device()), scalar(y, dtype, condition.device()));
}

Tensor cast(const Tensor& x, DType dtype) {
  detail::common_device("cast", {&x});
  if (x.dtype() == dtype) return x;
  const detail::TraceScope trace("cast", {&x});
  Tensor out = detail::convert(x, dtype);
  autograd::record_cast(x, out);
  return out;
}

Tensor clip_by_value(const Tensor& x, Scalar lo, Scalar hi) {
  if (lo.to_double() > hi.to_double())
    throw InvalidArgument("clip_by_value: clip_value_min (" + std::to_string(lo.to_double()) +
                          ") is greater than clip_value_max (" + std::to_string(hi.to_double()) + ")");
  const Tensor lo_t = scalar(lo, x.dtype(), x.device());
  const Tensor hi_t = scalar(hi, x.dtype(), x.device());
  return clip_by_value(x, lo_t, hi_t);
}

Tensor clip_by_value(const Tensor& x, const Tensor& lo, const Tensor& hi) {
  const detail::TraceScope trace("clip_by_value", {&x, &lo, &hi});
  const Tensor low = lo.dtype() == x.dtype() ? lo : cast(lo, x.dtype());
  const Tensor high = hi.dtype() == x.dtype() ? hi : cast(hi, x.dtype());
  Tensor out = minimum(maximum(x, low), high);
  if (!(out.shape() == x.shape()))
    throw InvalidArgument("clip_by_value: clip bounds of shapes " + lo.shape().to_string() + " and " +
                          hi.shape().to_string() + " would change the shape " + x.shape().to_string());
  return out;
}

}  // namespace eager
