#include "eager/variable.hpp"

#include "eager/autograd.hpp"
#include "eager/creation.hpp"
#include "eager/math.hpp"
#include "eager/variable_scope.hpp"
#include "tape.hpp"
#include "tensor/dispatch.hpp"
#include "tensor/dtype_dispatch.hpp"

namespace eager {

struct Variable::State {
  Tensor value;
  std::string name;
  bool trainable;
};

namespace {
[[noreturn]] void throw_undefined_variable(const char* what) {
  throw InvalidArgument(std::string("Variable::") + what + ": undefined (default-constructed) variable");
}
}  // namespace

Variable::Variable(const Tensor& initial_value, std::string name, bool trainable) {
  if (!initial_value.defined()) throw InvalidArgument("Variable '" + name + "': the initial value is undefined");
  // tf.name_scope prefixes the names of variables made inside it.
  if (!current_name_scope().empty()) name = current_name_scope() + "/" + name;
  // Not recorded: a variable starts a new history (TF gives no gradient
  // through a variable's initial value).
  NoGradient quiet;
  state_ = std::make_shared<State>(State{initial_value.clone(), std::move(name), trainable});
}

const std::string& Variable::name() const {
  if (!state_) throw_undefined_variable("name");
  return state_->name;
}

bool Variable::trainable() const {
  if (!state_) throw_undefined_variable("trainable");
  return state_->trainable;
}

const Tensor& Variable::handle() const {
  if (!state_) throw_undefined_variable("handle");
  return state_->value;
}

Tensor Variable::mutable_handle() {
  if (!state_) throw_undefined_variable("mutable_handle");
  return state_->value;
}

Tensor Variable::read_value() const { return value().clone(); }

Tensor Variable::value() const {
  const Tensor& v = handle();
  if (autograd::any_recording()) autograd::variable_accessed(*this);
  return v;
}

void Variable::assign(const Tensor& value) {
  if (!value.defined()) throw InvalidArgument("Variable::assign: '" + name() + "': the value is undefined");
  // The value may view this variable's own memory (v.assign(reverse(v)));
  // copy it first so no element is read after being overwritten.
  const Tensor source = value.shares_storage_with(handle()) ? value.clone() : value;
  Tensor destination = mutable_handle();
  detail::copy_into(destination, source, ("Variable::assign '" + name() + "'").c_str());
}

void Variable::assign(Scalar value) {
  const DType target = dtype();
  if (is_integral(target) && value.kind() == Scalar::Kind::Floating)
    throw InvalidArgument("Variable::assign '" + name() + "': a floating-point value for an integer variable");
  if (is_integral(target) && value.kind() == Scalar::Kind::Integer && !detail::integer_fits(value.to_int64(), target))
    throw InvalidArgument("Variable::assign '" + name() + "': " + std::to_string(value.to_int64()) +
                          " does not fit dtype " + std::string(dtype_name(target)));
  // Made directly in the variable's dtype, so float64 and int64 variables
  // keep every digit.
  assign(scalar(value, target, device()));
}

void Variable::assign_add(const Tensor& delta) {
  NoGradient quiet;
  assign(add(handle(), delta));
}

void Variable::assign_sub(const Tensor& delta) {
  NoGradient quiet;
  assign(subtract(handle(), delta));
}

}  // namespace eager
