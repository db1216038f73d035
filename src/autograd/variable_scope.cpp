#include "eager/variable_scope.hpp"

#include "eager/error.hpp"

namespace eager {

namespace {

thread_local std::string current_name_scope_path;

// Empty components ("/a", "a//b") would make paths that no longer split back
// into the scopes that made them.
void check_components(const char* what, const std::string& name) {
  if (name.front() == '/' || name.find("//") != std::string::npos)
    throw InvalidArgument(std::string(what) + ": '" + name + "' has an empty component");
}

std::string join(const std::string& scope, const std::string& name) {
  return scope.empty() ? name : scope + "/" + name;
}

}  // namespace

NameScope::NameScope(const std::string& name) : previous_(current_name_scope_path) {
  if (name.empty()) {
    current_name_scope_path.clear();
    return;
  }
  check_components("NameScope", name);
  current_name_scope_path = name.back() == '/' ? name.substr(0, name.size() - 1) : join(previous_, name);
}

NameScope::~NameScope() { current_name_scope_path = std::move(previous_); }

const std::string& current_name_scope() { return current_name_scope_path; }

}  // namespace eager

namespace eager::compat::v1 {

namespace {

thread_local VariableScope::State current_variable_scope;
thread_local VariableStore* current_store = nullptr;

// The NameScope argument a variable scope opens. An empty name (TF1's
// tf.variable_scope("", reuse=True), used to look variables up by full name)
// keeps the current name scope, spelled absolutely ("a/b/").
std::string name_scope_for(const std::string& name) {
  if (name.empty()) return current_name_scope().empty() ? std::string() : current_name_scope() + "/";
  if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string::npos)
    throw InvalidArgument("VariableScope: '" + name + "' has an empty component");
  return name;
}

}  // namespace

VariableStore& VariableStore::current() {
  if (current_store) return *current_store;
  thread_local VariableStore default_store;
  return default_store;
}

VariableStore::DefaultGuard::DefaultGuard(VariableStore& store) : previous_(current_store) { current_store = &store; }

VariableStore::DefaultGuard::~DefaultGuard() { current_store = previous_; }

Variable VariableStore::get_or_create(const std::string& full_name, const Shape& shape, DType dtype,
                                      const Initializer& initializer, bool trainable, Reuse reuse) {
  std::lock_guard lock(mutex_);
  if (auto found = by_name_.find(full_name); found != by_name_.end()) {
    const Variable& existing = found->second;
    // The messages are TF1's, so that people porting code recognise them.
    if (reuse == Reuse::No)
      throw AlreadyExists("get_variable: Variable " + full_name +
                          " already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in "
                          "VarScope?");
    if (existing.shape() != shape)
      throw InvalidArgument("get_variable: Trying to share variable " + full_name + ", but specified shape " +
                            shape.to_string() + " and found shape " + existing.shape().to_string() + ".");
    if (existing.dtype() != dtype)
      throw InvalidArgument("get_variable: Trying to share variable " + full_name + ", but specified dtype " +
                            std::string(dtype_name(dtype)) + " and found dtype " +
                            std::string(dtype_name(existing.dtype())) + ".");
    return existing;
  }
  if (reuse == Reuse::Yes)
    throw NotFound("get_variable: Variable " + full_name +
                   " does not exist, or was not created with tf.get_variable(). Did you mean to set "
                   "reuse=tf.AUTO_REUSE in VarScope?");
  const Tensor initial_value =
      initializers::make_initial_value(initializer, shape, dtype, "get_variable '" + full_name + "'");
  // The full name already carries the variable scope; name scopes must not
  // add to it (TF1's rule), so the Variable is made at the root name scope.
  const NameScope root("");
  Variable variable(initial_value, full_name, trainable);
  by_name_.emplace(full_name, variable);
  in_order_.push_back(variable);
  return variable;
}

bool VariableStore::contains(const std::string& full_name) const {
  std::lock_guard lock(mutex_);
  return by_name_.count(full_name) != 0;
}

std::vector<Variable> VariableStore::variables() const {
  std::lock_guard lock(mutex_);
  return in_order_;
}

std::vector<Variable> VariableStore::trainable_variables() const {
  std::lock_guard lock(mutex_);
  std::vector<Variable> trainable;
  for (const Variable& v : in_order_)
    if (v.trainable()) trainable.push_back(v);
  return trainable;
}

void VariableStore::clear() {
  std::lock_guard lock(mutex_);
  by_name_.clear();
  in_order_.clear();
}

VariableScope::VariableScope(const std::string& name, Reuse reuse, Initializer initializer)
    : previous_(current_variable_scope), name_scope_(name_scope_for(name)) {
  State next{name.empty() ? previous_.name : join(previous_.name, name), reuse == Reuse::No ? previous_.reuse : reuse,
             initializer ? std::move(initializer) : previous_.initializer};
  current_variable_scope = std::move(next);
}

VariableScope::~VariableScope() { current_variable_scope = std::move(previous_); }

const VariableScope::State& get_variable_scope() { return current_variable_scope; }

void reuse_variables() { current_variable_scope.reuse = Reuse::Yes; }

Variable get_variable(const std::string& name, const Shape& shape, DType dtype, Initializer initializer,
                      bool trainable) {
  if (name.empty()) throw InvalidArgument("get_variable: the name is empty");
  const VariableScope::State& scope = get_variable_scope();
  if (!initializer) initializer = scope.initializer;
  if (!initializer) initializer = is_floating(dtype) ? initializers::glorot_uniform() : initializers::zeros();
  return VariableStore::current().get_or_create(join(scope.name, name), shape, dtype, initializer, trainable,
                                                scope.reuse);
}

std::vector<Variable> global_variables() { return VariableStore::current().variables(); }

std::vector<Variable> trainable_variables() { return VariableStore::current().trainable_variables(); }

}  // namespace eager::compat::v1
