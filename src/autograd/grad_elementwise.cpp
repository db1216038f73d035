// Gradient rules of the elementwise primitives, where and cast, written with
// public ops so that outer tapes can differentiate them again. The rules and
// their conventions at kinks and ties follow TensorFlow's math_grad.py, except
// floor, ceil and round, which get a zero gradient as in PyTorch (TF: none).
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

// A 0-d zero or one in `like`'s dtype: broadcasts in where() without a
// full-size temporary.
Tensor zero_like_scalar(const Tensor& like) { return scalar(0, like.dtype(), like.device()); }
Tensor one_like_scalar(const Tensor& like) { return scalar(1, like.dtype(), like.device()); }

// g where `mask` holds, else 0 (and the reverse): routes a gradient through a
// selection. Writing it with where keeps it differentiable in g.
Tensor pass_where(const Tensor& mask, const Tensor& g) { return where(mask, g, zero_like_scalar(g)); }
Tensor block_where(const Tensor& mask, const Tensor& g) { return where(mask, zero_like_scalar(g), g); }

// d op(x) / dx * g, in terms of x, y = op(x) and g.
Tensor unary_grad(UnaryOp op, double alpha, const GradContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& y = c.output();
  const Tensor& g = c.grad();
  switch (op) {
    case UnaryOp::Negative: return negative(g);
    case UnaryOp::Abs: return g * sign(x);
    case UnaryOp::Sign:
    case UnaryOp::Floor:
    case UnaryOp::Ceil:
    case UnaryOp::Round: return zeros_like(g);
    case UnaryOp::Exp: return g * y;
    case UnaryOp::Log: return g / x;
    case UnaryOp::Log1p: return g / (x + 1);
    case UnaryOp::Expm1: return g * exp(x);
    case UnaryOp::Sqrt: return g / (y * 2);                      // 1 / (2 sqrt(x))
    case UnaryOp::Rsqrt: return g * (y * square(y)) * -0.5;      // -x^(-3/2) / 2
    case UnaryOp::Square: return g * (x * 2);
    case UnaryOp::Sin: return g * cos(x);
    case UnaryOp::Cos: return negative(g * sin(x));
    case UnaryOp::Tanh: return g * (1 - square(y));
    case UnaryOp::Sigmoid: return g * (y * (1 - y));
    case UnaryOp::Reciprocal: return negative(g * square(y));  // -1 / x^2
    case UnaryOp::Relu: return pass_where(greater(x, 0), g);
    case UnaryOp::Relu6: return pass_where(logical_and(greater(x, 0), less(x, 6)), g);
    case UnaryOp::LeakyRelu: return where(greater(x, 0), g, g * alpha);
    case UnaryOp::Elu: return where(greater(x, 0), g, g * (y + 1));  // e^x = y + 1 for x <= 0
    case UnaryOp::Softplus: return g * sigmoid(x);
    case UnaryOp::LogicalNot:
    case UnaryOp::Count: break;
  }
  throw_no_rule(eager::detail::registry()[op].name);
}

// Ops whose output carries a gradient back to their inputs. Comparisons and
// logical ops give bool; floordiv is piecewise constant and, as in TF, has no
// gradient at all, so its output is simply left off the tape.
bool has_gradient(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Subtract:
    case BinaryOp::Multiply:
    case BinaryOp::Divide:
    case BinaryOp::Mod:
    case BinaryOp::Pow:
    case BinaryOp::Maximum:
    case BinaryOp::Minimum:
    case BinaryOp::SquaredDifference: return true;
    default: return false;
  }
}

std::vector<Tensor> binary_grad(BinaryOp op, const GradContext& c) {
  const Tensor& a = c.input(0);
  const Tensor& b = c.input(1);
  const Tensor& g = c.grad();
  const bool need_a = c.needs(0), need_b = c.needs(1);
  Tensor ga, gb;
  switch (op) {
    case BinaryOp::Add:
      if (need_a) ga = g;
      if (need_b) gb = g;
      break;
    case BinaryOp::Subtract:
      if (need_a) ga = g;
      if (need_b) gb = negative(g);
      break;
    case BinaryOp::Multiply:
      if (need_a && a.impl().id == b.impl().id) {
        ga = g * (a + a);  // x * x: one product instead of two and their sum
        break;
      }
      if (need_a) ga = g * b;
      if (need_b) gb = g * a;
      break;
    case BinaryOp::Divide:
      if (need_a) ga = g / b;
      if (need_b) gb = negative(g * c.output() / b);  // -g a / b^2
      break;
    case BinaryOp::Mod:  // a - floordiv(a, b) * b with floordiv piecewise constant
      if (need_a) ga = g;
      if (need_b) gb = negative(g * floordiv(a, b));
      break;
    case BinaryOp::Pow:
      if (need_a) ga = g * b * pow(a, b - 1);
      if (need_b) {
        // d a^b / db = a^b log(a), taken as 0 where a <= 0 (TF's choice). The
        // log of a safe value keeps second derivatives free of NaN there.
        const Tensor positive = greater(a, 0);
        const Tensor safe_a = where(positive, a, one_like_scalar(a));
        gb = g * c.output() * pass_where(positive, log(safe_a));
      }
      break;
    case BinaryOp::Maximum:
    case BinaryOp::Minimum: {
      // Ties send the whole gradient to a, as TF's _MaximumMinimumGrad.
      const Tensor a_selected = op == BinaryOp::Maximum ? greater_equal(a, b) : less_equal(a, b);
      if (need_a) ga = pass_where(a_selected, g);
      if (need_b) gb = block_where(a_selected, g);
      break;
    }
    case BinaryOp::SquaredDifference: {
      const Tensor d = g * (a - b) * 2;
      if (need_a) ga = d;
      if (need_b) gb = negative(d);
      break;
    }
    default: throw_no_rule(eager::detail::registry()[op].name);
  }
  return {ga.defined() ? fit_to(ga, a) : ga, gb.defined() ? fit_to(gb, b) : gb};
}

}  // namespace

void record_unary(UnaryOp op, const Tensor& x, const Tensor& y, double alpha) {
  if (!any_recording() || op == UnaryOp::LogicalNot) return;
  record(eager::detail::registry()[op].name, {x}, {y}, [op, alpha](const GradContext& c) {
    return std::vector<Tensor>{fit_to(unary_grad(op, alpha, c), c.input(0))};
  });
}

void record_binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  if (!any_recording() || !has_gradient(op)) return;
  record(eager::detail::registry()[op].name, {a, b}, {out}, [op](const GradContext& c) { return binary_grad(op, c); });
}

void record_where(const Tensor& condition, const Tensor& x, const Tensor& y, const Tensor& out) {
  if (!any_recording()) return;
  record("where", {condition, x, y}, {out}, [](const GradContext& c) {
    const Tensor& condition = c.input(0);
    Tensor gx, gy;
    if (c.needs(1)) gx = fit_to(pass_where(condition, c.grad()), c.input(1));
    if (c.needs(2)) gy = fit_to(block_where(condition, c.grad()), c.input(2));
    return std::vector<Tensor>{Tensor(), gx, gy};
  });
}

void record_cast(const Tensor& x, const Tensor& out) {
  if (!any_recording() || !is_floating(x.dtype()) || !is_floating(out.dtype())) return;
  record("cast", {x}, {out},
         [](const GradContext& c) { return std::vector<Tensor>{cast(c.grad(), c.input(0).dtype())}; });
}

}  // namespace eager::autograd
