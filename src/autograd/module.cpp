#include "eager/module.hpp"

#include "eager/error.hpp"
#include "eager/linalg.hpp"
#include "eager/math.hpp"

namespace eager {

namespace {

void check_component(const std::string& name, const std::string& what) {
  if (name.empty()) throw InvalidArgument(what + ": the name is empty");
  // A '/' would make paths ambiguous: "a/b" could be a variable or a child's.
  if (name.find('/') != std::string::npos) throw InvalidArgument(what + ": name '" + name + "' contains '/'");
}

}  // namespace

Module::Module(std::string name) : name_(std::move(name)) {
  check_component(name_, "Module");
  const std::string& outer = current_name_scope();
  scope_name_ = outer.empty() ? name_ : outer + "/" + name_;
}

Module::~Module() = default;

void Module::check_new_name(const std::string& name, const char* what) const {
  const std::string caller = std::string("Module '") + scope_name_ + "': " + what;
  check_component(name, caller);
  for (const Entry& e : entries_)
    if (e.name == name)
      throw InvalidArgument(caller + ": the name '" + name + "' is already used by a " +
                            (e.module ? "submodule" : "variable") + " of this module");
}

Variable Module::add_variable(const std::string& name, const Tensor& initial_value, bool trainable) {
  check_new_name(name, "add_variable");
  // An absolute name scope: the variable is named after this module's path,
  // whatever scope the caller happens to be in now.
  const NameScope inside(scope_name_ + "/");
  Variable variable(initial_value, name, trainable);
  entries_.push_back(Entry{name, variable, nullptr});
  return variable;
}

Variable Module::add_variable(const std::string& name, const Shape& shape, DType dtype,
                              const initializers::Initializer& initializer, bool trainable) {
  check_new_name(name, "add_variable");
  const Tensor initial_value = initializers::make_initial_value(
      initializer, shape, dtype, "Module '" + scope_name_ + "': variable '" + name + "'");
  return add_variable(name, initial_value, trainable);
}

void Module::adopt(std::unique_ptr<Module> module) {
  if (!module) throw InvalidArgument("Module '" + scope_name_ + "': add_module: the module is null");
  check_new_name(module->name(), "add_module");
  std::string name = module->name();
  entries_.push_back(Entry{std::move(name), Variable(), std::move(module)});
}

void Module::collect(const std::string& prefix, std::vector<std::pair<std::string, Variable>>& out) const {
  for (const Entry& e : entries_) {
    if (e.module)
      e.module->collect(prefix + e.name + "/", out);
    else
      out.emplace_back(prefix + e.name, e.variable);
  }
}

std::vector<std::pair<std::string, Variable>> Module::named_variables() const {
  std::vector<std::pair<std::string, Variable>> out;
  collect("", out);
  return out;
}

std::vector<Variable> Module::variables() const {
  std::vector<Variable> out;
  for (auto& [path, variable] : named_variables()) out.push_back(std::move(variable));
  return out;
}

std::vector<Variable> Module::trainable_variables() const {
  std::vector<Variable> out;
  for (auto& [path, variable] : named_variables())
    if (variable.trainable()) out.push_back(std::move(variable));
  return out;
}

std::vector<Module*> Module::submodules() const {
  std::vector<Module*> out;
  for (const Entry& e : entries_) {
    if (!e.module) continue;
    out.push_back(e.module.get());
    const std::vector<Module*> below = e.module->submodules();
    out.insert(out.end(), below.begin(), below.end());
  }
  return out;
}

Dense::Dense(std::int64_t in_features, std::int64_t out_features, Activation activation, std::string name,
             initializers::Initializer weights_initializer, initializers::Initializer bias_initializer, DType dtype)
    : Module(std::move(name)),
      in_features_(in_features),
      out_features_(out_features),
      activation_(std::move(activation)),
      dtype_(dtype) {
  const std::string layer = "Dense '" + scope_name() + "'";
  if (in_features < 1 || out_features < 1)
    throw InvalidArgument(layer + ": in_features and out_features must be >= 1, got " + std::to_string(in_features) +
                          " and " + std::to_string(out_features));
  if (!is_floating(dtype))
    throw InvalidArgument(layer + ": dtype must be float32 or float64, got " + std::string(dtype_name(dtype)));
  weights_ = add_variable("weights", Shape{in_features, out_features}, dtype, weights_initializer);
  biases_ = add_variable("biases", Shape{out_features}, dtype, bias_initializer);
}

Tensor Dense::operator()(const Tensor& x) const {
  // Built only on failure: the forward pass of a small layer should not pay
  // for a string.
  const auto fail = [this](const std::string& problem) {
    throw InvalidArgument("Dense '" + scope_name() + "': " + problem);
  };
  if (!x.defined()) fail("the input is undefined");
  if (x.rank() < 2) fail("the input must have rank >= 2 ([batch..., in_features]), got shape " + x.shape().to_string());
  if (x.shape()[x.rank() - 1] != in_features_)
    fail("the input's last dimension must be in_features = " + std::to_string(in_features_) + ", got shape " +
         x.shape().to_string());
  if (x.dtype() != dtype_)
    fail("the input's dtype " + std::string(dtype_name(x.dtype())) + " differs from the layer's " +
         std::string(dtype_name(dtype_)));
  // Two statements, so the variables are read (and seen by tapes) in a fixed
  // order: weights, then biases.
  const Tensor product = matmul(x, weights_.value());
  const Tensor y = product + biases_.value();
  return activation_ ? activation_(y) : y;
}

}  // namespace eager
