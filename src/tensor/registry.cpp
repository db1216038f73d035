#include "registry.hpp"

namespace eager::detail {

namespace {

Registry* build_registry() {
  auto* r = new Registry;
  auto unary = [&](UnaryOp op, const char* name, UnaryRule rule) { (*r)[op] = UnaryOpDef{name, rule, {}}; };
  unary(UnaryOp::Negative, "negative", UnaryRule::Numeric);
  unary(UnaryOp::Abs, "abs", UnaryRule::Numeric);
  unary(UnaryOp::Sign, "sign", UnaryRule::Numeric);
  unary(UnaryOp::Exp, "exp", UnaryRule::Floating);
  unary(UnaryOp::Log, "log", UnaryRule::Floating);
  unary(UnaryOp::Log1p, "log1p", UnaryRule::Floating);
  unary(UnaryOp::Expm1, "expm1", UnaryRule::Floating);
  unary(UnaryOp::Sqrt, "sqrt", UnaryRule::Floating);
  unary(UnaryOp::Rsqrt, "rsqrt", UnaryRule::Floating);
  unary(UnaryOp::Square, "square", UnaryRule::Numeric);
  unary(UnaryOp::Floor, "floor", UnaryRule::Numeric);
  unary(UnaryOp::Ceil, "ceil", UnaryRule::Numeric);
  unary(UnaryOp::Round, "round", UnaryRule::Numeric);
  unary(UnaryOp::Sin, "sin", UnaryRule::Floating);
  unary(UnaryOp::Cos, "cos", UnaryRule::Floating);
  unary(UnaryOp::Tanh, "tanh", UnaryRule::Floating);
  unary(UnaryOp::Sigmoid, "sigmoid", UnaryRule::Floating);
  unary(UnaryOp::Reciprocal, "reciprocal", UnaryRule::Floating);
  unary(UnaryOp::LogicalNot, "logical_not", UnaryRule::BoolOnly);
  unary(UnaryOp::Relu, "relu", UnaryRule::Numeric);
  unary(UnaryOp::Relu6, "relu6", UnaryRule::Numeric);
  unary(UnaryOp::Elu, "elu", UnaryRule::Floating);
  unary(UnaryOp::Softplus, "softplus", UnaryRule::Floating);
  unary(UnaryOp::LeakyRelu, "leaky_relu", UnaryRule::Floating);

  auto binary = [&](BinaryOp op, const char* name, BinaryRule rule) { (*r)[op] = BinaryOpDef{name, rule, {}}; };
  binary(BinaryOp::Add, "add", BinaryRule::Arithmetic);
  binary(BinaryOp::Subtract, "subtract", BinaryRule::Arithmetic);
  binary(BinaryOp::Multiply, "multiply", BinaryRule::Arithmetic);
  binary(BinaryOp::Divide, "divide", BinaryRule::TrueDivide);
  binary(BinaryOp::FloorDiv, "floordiv", BinaryRule::Arithmetic);
  binary(BinaryOp::Mod, "mod", BinaryRule::Arithmetic);
  binary(BinaryOp::Pow, "pow", BinaryRule::Arithmetic);
  binary(BinaryOp::Maximum, "maximum", BinaryRule::Arithmetic);
  binary(BinaryOp::Minimum, "minimum", BinaryRule::Arithmetic);
  binary(BinaryOp::SquaredDifference, "squared_difference", BinaryRule::Arithmetic);
  binary(BinaryOp::Equal, "equal", BinaryRule::Compare);
  binary(BinaryOp::NotEqual, "not_equal", BinaryRule::Compare);
  binary(BinaryOp::Less, "less", BinaryRule::Compare);
  binary(BinaryOp::LessEqual, "less_equal", BinaryRule::Compare);
  binary(BinaryOp::Greater, "greater", BinaryRule::Compare);
  binary(BinaryOp::GreaterEqual, "greater_equal", BinaryRule::Compare);
  binary(BinaryOp::LogicalAnd, "logical_and", BinaryRule::Logical);
  binary(BinaryOp::LogicalOr, "logical_or", BinaryRule::Logical);
  binary(BinaryOp::LogicalXor, "logical_xor", BinaryRule::Logical);

  register_cpu_elementwise_kernels(*r);
  register_cpu_reduction_kernels(*r);
  register_cpu_matmul_kernels(*r);
  register_cpu_nn_kernels(r->nn);
  register_cpu_optimizer_kernels(r->optimizer);
  register_cpu_array_kernels(r->array);
#ifdef EAGER_WITH_CUDA
  register_cuda_elementwise_kernels(*r);
  register_cuda_reduction_kernels(*r);
  register_cuda_matmul_kernels(*r);
  register_cuda_nn_kernels(r->nn);
  register_cuda_optimizer_kernels(r->optimizer);
  register_cuda_array_kernels(r->array);
#endif
  return r;
}

}  // namespace

const Registry& registry() {
  // Leaked on purpose so ops stay usable during static destruction.
  static const Registry* r = build_registry();
  return *r;
}

}  // namespace eager::detail
