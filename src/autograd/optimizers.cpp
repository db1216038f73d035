#include "eager/optimizers.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <unordered_map>

#include "eager/autograd.hpp"
#include "eager/creation.hpp"
#include "eager/math.hpp"
#include "eager/variable_scope.hpp"
#include "tensor/dispatch.hpp"
#include "tensor/registry.hpp"
#include "tensor/trace_scope.hpp"

namespace eager::optimizers {

namespace {

// value in [lo, hi] (or [lo, hi) without hi_inclusive), NaN refused.
void check_in_range(const std::string& optimizer, const char* parameter, double value, double lo, double hi,
                    bool hi_inclusive) {
  const bool ok = value >= lo && (hi_inclusive ? value <= hi : value < hi);
  if (!ok)
    throw InvalidArgument(fmt::format("{}: {} must lie in [{}, {}{}, got {}", optimizer, parameter, lo, hi,
                                      hi_inclusive ? "]" : ")", value));
}

void check_epsilon(const std::string& optimizer, double epsilon) {
  if (!(epsilon > 0) || !std::isfinite(epsilon))
    throw InvalidArgument(fmt::format("{}: epsilon must be positive and finite, got {}", optimizer, epsilon));
}

const detail::OptimizerKernels& kernels() { return detail::registry().optimizer; }

}  // namespace

// ---- LearningRate ------------------------------------------------------------------

LearningRate::LearningRate(double constant) : constant_(constant) {
  if (!std::isfinite(constant))
    throw InvalidArgument(fmt::format("LearningRate: a constant learning rate must be finite, got {}", constant));
}

LearningRate::LearningRate(std::function<double(std::int64_t)> schedule) : schedule_(std::move(schedule)) {
  if (!schedule_) throw InvalidArgument("LearningRate: the schedule is an empty std::function");
}

// ---- Optimizer -------------------------------------------------------------------

struct Optimizer::State {
  LearningRate learning_rate;
  std::string name;
  Variable iterations;
  struct Entry {
    Variable var;
    std::vector<Variable> slots;
  };
  std::vector<Entry> entries;  // in the order variables first got a gradient
  // Keyed by the address of the variable's value, which is fixed for the
  // variable's lifetime; the entry keeps the variable alive, so no other
  // variable can reuse the address.
  std::unordered_map<const Tensor*, std::size_t> index;

  std::int64_t step() const { return iterations.handle().item<std::int64_t>(); }
};

Optimizer::Optimizer(LearningRate learning_rate, std::string name) {
  if (name.empty()) throw InvalidArgument("Optimizer: the name must not be empty");
  // The optimizer's variables get exactly the documented names (checkpoint
  // keys), whatever name scope is current.
  NameScope root("");
  Variable iterations(scalar(0, DType::Int64, Device::cpu()), name + "/iterations", /*trainable=*/false);
  state_ = std::make_unique<State>(State{std::move(learning_rate), std::move(name), std::move(iterations), {}, {}});
}

Optimizer::~Optimizer() = default;
Optimizer::Optimizer(Optimizer&&) noexcept = default;
Optimizer& Optimizer::operator=(Optimizer&&) noexcept = default;

Optimizer::State& Optimizer::state() const {
  if (!state_) throw FailedPrecondition("Optimizer: this optimizer was moved from");
  return *state_;
}

const std::string& Optimizer::name() const { return state().name; }
Variable Optimizer::iterations() const { return state().iterations; }
double Optimizer::learning_rate() const { return state().learning_rate(state().step()); }
std::vector<std::string> Optimizer::get_slot_names() const { return slot_names(); }

std::vector<Variable> Optimizer::variables() const {
  std::vector<Variable> all{state().iterations};
  for (const auto& entry : state().entries) all.insert(all.end(), entry.slots.begin(), entry.slots.end());
  return all;
}

Variable Optimizer::get_slot(const Variable& var, const std::string& slot_name) const {
  const State& st = state();
  const std::string op = st.name + ".get_slot";
  if (!var.defined()) throw InvalidArgument(op + ": the variable is undefined");
  const auto it = st.index.find(&var.handle());
  if (it == st.index.end())
    throw NotFound(op + ": variable '" + var.name() + "' has no slots (it has not had a gradient yet)");
  const std::vector<std::string> names = slot_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == slot_name) return st.entries[it->second].slots[i];
  throw NotFound(fmt::format("{}: no slot '{}' (this optimizer's slots: {})", op, slot_name, fmt::join(names, ", ")));
}

std::vector<Variable>& Optimizer::slots_of(const Variable& var) {
  State& st = state();
  auto it = st.index.find(&var.handle());
  if (it == st.index.end()) {
    NameScope root("");
    std::vector<Variable> slots;
    for (const std::string& slot : slot_names())
      slots.emplace_back(zeros(var.shape(), var.dtype(), var.device()), slot_variable_name(var.name(), slot),
                         /*trainable=*/false);
    st.entries.push_back({var, std::move(slots)});
    it = st.index.emplace(&var.handle(), st.entries.size() - 1).first;
  }
  return st.entries[it->second].slots;
}

void Optimizer::build(const std::vector<Variable>& variables) {
  const std::string op = name() + ".build";
  for (const Variable& var : variables) {
    if (!var.defined()) throw InvalidArgument(op + ": undefined variable");
    if (!is_floating(var.dtype()))
      throw InvalidArgument(op + ": variable '" + var.name() + "' is " + std::string(dtype_name(var.dtype())) +
                            "; only float32 and float64 variables can be trained");
    check_kernel(var.device(), var.dtype());
  }
  for (const Variable& var : variables) slots_of(var);
}

std::string Optimizer::slot_variable_name(const std::string& var_name, const std::string& slot) const {
  return var_name + "/" + name() + "/" + slot;
}

void Optimizer::apply_gradients(const std::vector<Tensor>& grads, const std::vector<Variable>& vars) {
  if (grads.size() != vars.size())
    throw InvalidArgument(fmt::format("{}.apply_gradients: {} gradients for {} variables", name(), grads.size(),
                                      vars.size()));
  std::vector<std::pair<Tensor, Variable>> pairs;
  pairs.reserve(grads.size());
  for (std::size_t i = 0; i < grads.size(); ++i) pairs.emplace_back(grads[i], vars[i]);
  apply_gradients(pairs);
}

void Optimizer::apply_gradients(const std::vector<std::pair<Tensor, Variable>>& grads_and_vars) {
  State& st = state();
  const std::string op = st.name + ".apply_gradients";
  const detail::TraceScope trace("optimizer", op.c_str());
  NoGradient not_recorded;

  // Check and prepare every gradient before the first update, so that an
  // error leaves all variables, slots and the step as they were.
  std::vector<Tensor> prepared(grads_and_vars.size());
  bool any_gradient = false;
  for (std::size_t i = 0; i < grads_and_vars.size(); ++i) {
    const auto& [grad, var] = grads_and_vars[i];
    if (!var.defined()) throw InvalidArgument(fmt::format("{}: variable {} is undefined", op, i));
    if (!grad.defined()) continue;
    // Built only for a message: this loop runs for every variable of every step.
    const auto var_desc = [&] { return "variable '" + var.name() + "' (" + detail::describe(var.handle()) + ")"; };
    if (!is_floating(var.dtype()))
      throw InvalidArgument(op + ": " + var_desc() + " is not floating point; only float32 and float64 variables " +
                            "can be trained");
    if (!is_floating(grad.dtype()))
      throw InvalidArgument(op + ": the gradient of " + var_desc() + " is " + detail::describe(grad) +
                            "; gradients must be floating point");
    if (grad.shape() != var.shape())
      throw InvalidArgument(op + ": the gradient of " + var_desc() + " has shape " + grad.shape().to_string() +
                            "; it must have the variable's shape");
    if (grad.device() != var.device())
      throw InvalidArgument(op + ": the gradient of " + var_desc() + " is on " + grad.device().name() +
                            " but the variable is on " + var.device().name());
    check_kernel(var.device(), var.dtype());
    Tensor g = grad.dtype() == var.dtype() ? grad.contiguous() : cast(grad, var.dtype());
    if (g.shares_storage_with(var.handle())) g = g.clone();
    prepared[i] = std::move(g);
    any_gradient = true;
  }
  if (!any_gradient) {
    std::vector<std::string> names;
    for (const auto& pair : grads_and_vars) names.push_back("'" + pair.second.name() + "'");
    throw InvalidArgument(fmt::format("{}: no gradients provided for any variable: [{}]", op, fmt::join(names, ", ")));
  }
  const std::int64_t iterations = st.step();
  const Step step{iterations, st.learning_rate(iterations)};
  if (!std::isfinite(step.learning_rate))
    throw InvalidArgument(fmt::format("{}: the learning rate at step {} is {}", op, step.iterations,
                                      step.learning_rate));

  for (std::size_t i = 0; i < grads_and_vars.size(); ++i) {
    if (!prepared[i].defined()) continue;
    Variable var = grads_and_vars[i].second;
    Tensor storage = var.mutable_handle();
    update(storage, prepared[i], slots_of(var), step);
  }
  st.iterations.assign(scalar(step.iterations + 1, DType::Int64, st.iterations.device()));
}

// ---- SGD ----------------------------------------------------------------------------

SGD::SGD(LearningRate learning_rate, std::string name) : Optimizer(std::move(learning_rate), std::move(name)) {}

std::vector<std::string> SGD::slot_names() const { return {}; }

void SGD::check_kernel(Device device, DType dtype) const {
  detail::kernel_for(kernels().sgd, name().c_str(), device, dtype);
}

void SGD::update(Tensor& var, const Tensor& grad, std::vector<Variable>&, const Step& step) const {
  const detail::TraceScope trace("resource_apply_gradient_descent", {&var, &grad});
  detail::SgdArgs args;
  args.var = var.raw_mutable_data();
  args.grad = grad.raw_data();
  args.num_elements = var.num_elements();
  args.learning_rate = step.learning_rate;
  detail::kernel_for(kernels().sgd, name().c_str(), var.device(), var.dtype())(args);
}

// ---- Momentum -----------------------------------------------------------------------

Momentum::Momentum(LearningRate learning_rate, double momentum, bool nesterov, std::string name)
    : Optimizer(std::move(learning_rate), std::move(name)), momentum_(momentum), nesterov_(nesterov) {
  check_in_range(this->name(), "momentum", momentum, 0, 1, true);
}

std::vector<std::string> Momentum::slot_names() const { return {"momentum"}; }

// TF1's MomentumOptimizer names its one slot after the optimizer alone.
std::string Momentum::slot_variable_name(const std::string& var_name, const std::string&) const {
  return var_name + "/" + name();
}

void Momentum::check_kernel(Device device, DType dtype) const {
  detail::kernel_for(kernels().momentum, name().c_str(), device, dtype);
}

void Momentum::update(Tensor& var, const Tensor& grad, std::vector<Variable>& slots, const Step& step) const {
  const detail::TraceScope trace("resource_apply_momentum", {&var, &grad});
  detail::MomentumArgs args;
  args.var = var.raw_mutable_data();
  args.accum = slots[0].mutable_handle().raw_mutable_data();
  args.grad = grad.raw_data();
  args.num_elements = var.num_elements();
  args.learning_rate = step.learning_rate;
  args.momentum = momentum_;
  args.nesterov = nesterov_;
  detail::kernel_for(kernels().momentum, name().c_str(), var.device(), var.dtype())(args);
}

// ---- Adam ---------------------------------------------------------------------------

Adam::Adam(LearningRate learning_rate, double beta1, double beta2, double epsilon, std::string name)
    : Optimizer(std::move(learning_rate), std::move(name)), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {
  check_in_range(this->name(), "beta1", beta1, 0, 1, false);
  check_in_range(this->name(), "beta2", beta2, 0, 1, false);
  check_epsilon(this->name(), epsilon);
}

std::vector<std::string> Adam::slot_names() const { return {"m", "v"}; }

void Adam::check_kernel(Device device, DType dtype) const {
  detail::kernel_for(kernels().adam, name().c_str(), device, dtype);
}

void Adam::update(Tensor& var, const Tensor& grad, std::vector<Variable>& slots, const Step& step) const {
  const detail::TraceScope trace("resource_apply_adam", {&var, &grad});
  const auto t = static_cast<double>(step.iterations + 1);
  detail::AdamArgs args;
  args.var = var.raw_mutable_data();
  args.m = slots[0].mutable_handle().raw_mutable_data();
  args.v = slots[1].mutable_handle().raw_mutable_data();
  args.grad = grad.raw_data();
  args.num_elements = var.num_elements();
  args.step_size = step.learning_rate * std::sqrt(1 - std::pow(beta2_, t)) / (1 - std::pow(beta1_, t));
  args.beta1 = beta1_;
  args.beta2 = beta2_;
  args.epsilon = epsilon_;
  detail::kernel_for(kernels().adam, name().c_str(), var.device(), var.dtype())(args);
}

// ---- RMSProp ------------------------------------------------------------------------

RMSProp::RMSProp(LearningRate learning_rate, double rho, double momentum, double epsilon, bool centered,
                 std::string name)
    : Optimizer(std::move(learning_rate), std::move(name)),
      rho_(rho),
      momentum_(momentum),
      epsilon_(epsilon),
      centered_(centered) {
  check_in_range(this->name(), "rho", rho, 0, 1, true);
  check_in_range(this->name(), "momentum", momentum, 0, 1, true);
  check_epsilon(this->name(), epsilon);
}

std::vector<std::string> RMSProp::slot_names() const {
  std::vector<std::string> names{"rms"};
  if (momentum_ > 0) names.emplace_back("momentum");
  if (centered_) names.emplace_back("mg");
  return names;
}

void RMSProp::check_kernel(Device device, DType dtype) const {
  detail::kernel_for(kernels().rmsprop, name().c_str(), device, dtype);
}

void RMSProp::update(Tensor& var, const Tensor& grad, std::vector<Variable>& slots, const Step& step) const {
  const detail::TraceScope trace(centered_ ? "resource_apply_centered_rms_prop" : "resource_apply_rms_prop",
                                 {&var, &grad});
  detail::RmspropArgs args;
  args.var = var.raw_mutable_data();
  std::size_t next = 0;
  args.rms = slots[next++].mutable_handle().raw_mutable_data();
  if (momentum_ > 0) args.mom = slots[next++].mutable_handle().raw_mutable_data();
  if (centered_) args.mg = slots[next].mutable_handle().raw_mutable_data();
  args.grad = grad.raw_data();
  args.num_elements = var.num_elements();
  args.learning_rate = step.learning_rate;
  args.rho = rho_;
  args.momentum = momentum_;
  args.epsilon = epsilon_;
  detail::kernel_for(kernels().rmsprop, name().c_str(), var.device(), var.dtype())(args);
}

}  // namespace eager::optimizers
