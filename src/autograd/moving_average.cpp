#include "eager/moving_average.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "eager/autograd.hpp"
#include "eager/variable_scope.hpp"
#include "tensor/dispatch.hpp"
#include "tensor/registry.hpp"
#include "tensor/trace_scope.hpp"

namespace eager {

struct ExponentialMovingAverage::State {
  double decay;
  std::optional<Variable> num_updates;
  std::string name;
  struct Entry {
    Variable var;
    Variable shadow;
  };
  std::vector<Entry> entries;  // in the order apply() first saw the variables
  // Keyed by the address of the variable's value, fixed for its lifetime; the
  // entry keeps the variable alive, so the address cannot be reused.
  std::unordered_map<const Tensor*, std::size_t> index;

  const Entry* find(const Variable& var) const {
    const auto it = index.find(&var.handle());
    return it == index.end() ? nullptr : &entries[it->second];
  }
};

ExponentialMovingAverage::ExponentialMovingAverage(double decay, std::optional<Variable> num_updates,
                                                   std::string name) {
  const char* op = "ExponentialMovingAverage";
  if (!(decay >= 0 && decay <= 1))
    throw InvalidArgument(fmt::format("{}: decay must lie in [0, 1], got {}", op, decay));
  if (name.empty()) throw InvalidArgument(fmt::format("{}: the name must not be empty", op));
  if (num_updates) {
    if (!num_updates->defined()) throw InvalidArgument(fmt::format("{}: num_updates is an undefined variable", op));
    if (!is_integral(num_updates->dtype()) || num_updates->shape().rank() != 0)
      throw InvalidArgument(fmt::format("{}: num_updates '{}' must be an integer scalar, got {}", op,
                                        num_updates->name(), detail::describe(num_updates->handle())));
  }
  state_ = std::make_unique<State>(State{decay, std::move(num_updates), std::move(name), {}, {}});
}

ExponentialMovingAverage::~ExponentialMovingAverage() = default;
ExponentialMovingAverage::ExponentialMovingAverage(ExponentialMovingAverage&&) noexcept = default;
ExponentialMovingAverage& ExponentialMovingAverage::operator=(ExponentialMovingAverage&&) noexcept = default;

ExponentialMovingAverage::State& ExponentialMovingAverage::state() const {
  if (!state_) throw FailedPrecondition("ExponentialMovingAverage: this object was moved from");
  return *state_;
}

const std::string& ExponentialMovingAverage::name() const { return state().name; }

double ExponentialMovingAverage::decay() const {
  const State& st = state();
  if (!st.num_updates) return st.decay;
  const auto n = static_cast<double>(st.num_updates->handle().item<std::int64_t>());
  return std::min(st.decay, (1 + n) / (10 + n));
}

std::string ExponentialMovingAverage::average_name(const Variable& variable) const {
  if (!variable.defined()) throw InvalidArgument(name() + ".average_name: the variable is undefined");
  return variable.name() + "/" + name();
}

Variable ExponentialMovingAverage::average(const Variable& variable) const {
  if (!variable.defined()) throw InvalidArgument(name() + ".average: the variable is undefined");
  const State::Entry* entry = state().find(variable);
  if (!entry)
    throw NotFound(name() + ".average: variable '" + variable.name() +
                   "' has no moving average (apply() was never called with it)");
  return entry->shadow;
}

std::vector<Variable> ExponentialMovingAverage::variables() const {
  std::vector<Variable> shadows;
  for (const auto& entry : state().entries) shadows.push_back(entry.shadow);
  return shadows;
}

std::map<std::string, Variable> ExponentialMovingAverage::variables_to_restore(
    const std::vector<Variable>& variables) const {
  std::map<std::string, Variable> restore;
  for (const Variable& var : variables) {
    const std::string key = average_name(var);
    const auto [it, inserted] = restore.emplace(key, var);
    if (!inserted && !it->second.is_same(var))
      throw InvalidArgument(name() + ".variables_to_restore: two different variables are both restored from '" +
                            key + "'");
  }
  return restore;
}

void ExponentialMovingAverage::apply(const std::vector<Variable>& variables) {
  State& st = state();
  const std::string op = st.name + ".apply";
  const detail::TraceScope trace("optimizer", op.c_str());
  NoGradient not_recorded;
  const auto& table = detail::registry().optimizer.moving_average;
  for (std::size_t i = 0; i < variables.size(); ++i) {
    const Variable& var = variables[i];
    if (!var.defined()) throw InvalidArgument(fmt::format("{}: variable {} is undefined", op, i));
    if (!is_floating(var.dtype()))
      throw InvalidArgument(op + ": variable '" + var.name() + "' (" + detail::describe(var.handle()) +
                            ") is not floating point; only float32 and float64 variables can be averaged");
    detail::kernel_for(table, op.c_str(), var.device(), var.dtype());
  }
  const double one_minus_decay = 1 - decay();
  for (Variable var : variables) {
    const detail::TraceScope update("assign_moving_average", {&var.handle()});
    auto it = st.index.find(&var.handle());
    if (it == st.index.end()) {
      // Named exactly average_name(var), whatever name scope is current, so
      // that variables_to_restore finds it in checkpoints.
      NameScope root("");
      st.entries.push_back({var, Variable(var.handle(), average_name(var), /*trainable=*/false)});
      it = st.index.emplace(&var.handle(), st.entries.size() - 1).first;
    }
    Variable& shadow = st.entries[it->second].shadow;
    detail::MovingAverageArgs args;
    args.shadow = shadow.mutable_handle().raw_mutable_data();
    args.value = var.handle().raw_data();
    args.num_elements = var.handle().num_elements();
    args.one_minus_decay = one_minus_decay;
    detail::kernel_for(table, op.c_str(), var.device(), var.dtype())(args);
  }
}

}  // namespace eager
