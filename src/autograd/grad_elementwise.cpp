// Gradient rules of the elementwise primitives, written with public ops so
// that outer tapes can differentiate them again.
#include <string>

#include "autograd/gradients.hpp"
#include "eager/creation.hpp"
#include "eager/math.hpp"

namespace eager::autograd {

using eager::detail::BinaryOp;
using eager::detail::UnaryOp;

namespace {

[[noreturn]] void throw_no_rule(const char* op) {
  throw Unimplemented(std::string("gradient: no gradient rule for ") + op);
}

Tensor unary_grad(UnaryOp op, const GradContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& y = c.output();
  const Tensor& g = c.grad();
  switch (op) {
    case UnaryOp::Negative: return negative(g);
    case UnaryOp::Exp: return g * y;
    default: throw_no_rule(eager::detail::registry()[op].name);
  }
  (void)x;
}

std::vector<Tensor> binary_grad(BinaryOp op, const GradContext& c) {
  const Tensor& a = c.input(0);
  const Tensor& b = c.input(1);
  const Tensor& g = c.grad();
  Tensor ga, gb;
  switch (op) {
    case BinaryOp::Add:
      if (c.needs(0)) ga = g;
      if (c.needs(1)) gb = g;
      break;
    case BinaryOp::Subtract:
      if (c.needs(0)) ga = g;
      if (c.needs(1)) gb = negative(g);
      break;
    case BinaryOp::Multiply:
      if (c.needs(0)) ga = g * b;
      if (c.needs(1)) gb = g * a;
      break;
    default: throw_no_rule(eager::detail::registry()[op].name);
  }
  return {ga.defined() ? fit_to(ga, a) : ga, gb.defined() ? fit_to(gb, b) : gb};
}

}  // namespace

void record_unary(UnaryOp op, const Tensor& x, const Tensor& y, double alpha) {
  if (!any_recording()) return;
  (void)alpha;
  record(eager::detail::registry()[op].name, {x}, {y},
         [op](const GradContext& c) { return std::vector<Tensor>{fit_to(unary_grad(op, c), c.input(0))}; });
}

void record_binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  if (!any_recording()) return;
  record(eager::detail::registry()[op].name, {a, b}, {out}, [op](const GradContext& c) { return binary_grad(op, c); });
}

}  // namespace eager::autograd
