// GradientTape: recording and the backward walk.
#include "tape.hpp"

#include "id_map.hpp"

#include <algorithm>
#include <memory>
#include <string>

#include "eager/array_ops.hpp"
#include "eager/autograd.hpp"
#include "eager/creation.hpp"
#include "eager/math.hpp"
#include "eager/reduce.hpp"
#include "tensor/dispatch.hpp"
#include "tensor/trace_scope.hpp"

namespace eager {

namespace {

struct Entry {
  const char* op;
  std::vector<Tensor> inputs;
  std::vector<Tensor> outputs;
  autograd::Backward backward;
};

std::uint64_t id_of(const Tensor& t) { return t.impl().id; }

}  // namespace

struct GradientTape::State {
  bool persistent;
  bool watch_accessed_variables;
  int pauses = 0;  // live Pause guards
  bool used = false;  // a non-persistent tape after its gradient() call
  autograd::IdSet watched;
  std::vector<Variable> variables;
  std::vector<std::shared_ptr<const Entry>> entries;

  bool recording() const { return pauses == 0 && !(used && !persistent); }
};

namespace autograd::detail {
thread_local constinit int recording_tapes = 0;
}

namespace {

thread_local std::vector<GradientTape::State*> tape_stack;
thread_local int no_gradient_depth = 0;

void recount_recording_tapes() {
  int n = 0;
  if (no_gradient_depth == 0)
    for (const auto* tape : tape_stack) n += tape->recording() ? 1 : 0;
  autograd::detail::recording_tapes = n;
}

// `what` names the tensor in the message; it is called only to throw, so the
// per-step calls in gradient() build no strings.
template <class What> void check_floating(const What& what, const Tensor& t) {
  if (!t.defined()) throw InvalidArgument(std::string(what()) + " is an undefined (default-constructed) tensor");
  if (!is_floating(t.dtype()))
    throw InvalidArgument(std::string(what()) + " has dtype " + std::string(dtype_name(t.dtype())) +
                          "; gradients are defined only for floating-point tensors (cast it first)");
}

// Gradients found so far, by tensor id; an undefined value means none (or
// one already handed to the op that produced the tensor).
using GradientMap = autograd::IdMap<Tensor>;

void add_into(GradientMap& grads, std::uint64_t id, const Tensor& g) {
  auto [stored, inserted] = grads.insert(id, g);
  if (!inserted) *stored = stored->defined() ? add(*stored, g) : g;
}

}  // namespace

namespace autograd {

void record(const char* op, std::vector<Tensor> inputs, std::vector<Tensor> outputs, Backward backward) {
  if (!any_recording()) return;  // also covers NoGradient, for callers that did not check
  if (std::none_of(outputs.begin(), outputs.end(), [](const Tensor& t) { return is_floating(t.dtype()); })) return;
  std::shared_ptr<Entry> entry;
  for (GradientTape::State* tape : tape_stack) {
    if (!tape->recording()) continue;
    const std::vector<Tensor>& in = entry ? entry->inputs : inputs;
    const bool watched = std::any_of(in.begin(), in.end(), [&](const Tensor& t) {
      return t.defined() && is_floating(t.dtype()) && tape->watched.contains(id_of(t));
    });
    if (!watched) continue;
    if (!entry) {
      for (const Tensor& out : outputs)
        for (const Tensor& in : inputs)
          if (in.defined() && id_of(in) == id_of(out)) return;
      entry = std::make_shared<Entry>(Entry{op, std::move(inputs), std::move(outputs), std::move(backward)});
    }
    tape->entries.push_back(entry);
    for (const Tensor& out : entry->outputs)
      if (is_floating(out.dtype())) tape->watched.insert(id_of(out), {});
  }
}

void variable_accessed(const Variable& variable) {
  if (!variable.trainable() || !is_floating(variable.dtype())) return;
  for (GradientTape::State* tape : tape_stack) {
    if (!tape->recording() || !tape->watch_accessed_variables) continue;
    if (tape->watched.insert(id_of(variable.handle()), {}).second) tape->variables.push_back(variable);
  }
}

Tensor unbroadcast(const Tensor& grad, const Shape& shape, DType dtype) {
  Tensor g = grad;
  if (!(g.shape() == shape)) {
    std::vector<int> axes;
    const int lead = g.rank() - shape.rank();
    for (int d = 0; d < g.rank(); ++d)
      if (d < lead || (shape[d - lead] == 1 && g.shape()[d] != 1)) axes.push_back(d);
    if (!axes.empty()) g = reduce_sum(g, axes, true);
    g = reshape(g, shape);
  }
  return g.dtype() == dtype ? g : cast(g, dtype);
}

}  // namespace autograd

GradientTape::GradientTape(bool persistent, bool watch_accessed_variables)
    : state_(std::make_unique<State>()) {
  state_->persistent = persistent;
  state_->watch_accessed_variables = watch_accessed_variables;
  tape_stack.push_back(state_.get());
  recount_recording_tapes();
}

GradientTape::~GradientTape() {
  auto it = std::find(tape_stack.begin(), tape_stack.end(), state_.get());
  if (it != tape_stack.end()) tape_stack.erase(it);
  recount_recording_tapes();
}

void GradientTape::watch(const Tensor& t) {
  check_floating([] { return "GradientTape::watch: the tensor"; }, t);
  state_->watched.insert(id_of(t), {});
}

void GradientTape::watch(const Variable& v) {
  if (!v.defined()) throw InvalidArgument("GradientTape::watch: undefined variable");
  check_floating([&] { return "GradientTape::watch: variable '" + v.name() + "'"; }, v.handle());
  if (state_->watched.insert(id_of(v.handle()), {}).second) state_->variables.push_back(v);
}

std::vector<Variable> GradientTape::watched_variables() const { return state_->variables; }

void GradientTape::reset() {
  state_->entries.clear();
  state_->watched.clear();
  state_->variables.clear();
  state_->used = false;
  recount_recording_tapes();
}

// Guards count rather than save and restore, so that they may end in any
// order (one kept in a std::optional, another in a container).
GradientTape::Pause::Pause(GradientTape& tape) : tape_(tape) {
  ++tape_.state_->pauses;
  recount_recording_tapes();
}

GradientTape::Pause::~Pause() {
  --tape_.state_->pauses;
  recount_recording_tapes();
}

std::vector<Tensor> GradientTape::gradient(const Tensor& target, const std::vector<Tensor>& sources,
                                           UnconnectedGradients unconnected, const Tensor& output_gradient) {
  const detail::TraceScope trace("gradient", "GradientTape.gradient");
  State& s = *state_;
  if (s.used && !s.persistent)
    throw FailedPrecondition(
        "GradientTape::gradient: a non-persistent tape can compute gradients only once; "
        "construct it with persistent=true to call gradient() several times");
  check_floating([] { return "GradientTape::gradient: the target"; }, target);
  for (std::size_t i = 0; i < sources.size(); ++i)
    check_floating([i] { return "GradientTape::gradient: source " + std::to_string(i); }, sources[i]);
  Tensor seed = output_gradient.defined() ? output_gradient : ones_like(target);
  if (!(seed.shape() == target.shape()))
    throw InvalidArgument("GradientTape::gradient: output_gradient has shape " + seed.shape().to_string() +
                          " but the target has shape " + target.shape().to_string());
  if (seed.dtype() != target.dtype()) seed = cast(seed, target.dtype());

  // A non-persistent tape is done: it records nothing more, not even the
  // gradient computation (outer tapes still do), and its record goes when
  // this call ends, by return or by exception.
  s.used = true;
  recount_recording_tapes();
  struct ReleaseRecord {
    State& tape;
    ~ReleaseRecord() {
      if (tape.persistent) return;
      tape.entries.clear();
      tape.watched.clear();
    }
  } release_record{s};

  // Entries that depend on a source, found forwards; only they can carry a
  // gradient back to a source.
  // Sources this tape never watched get no gradient, as in TensorFlow.
  autograd::IdSet source_ids, reached;
  for (const Tensor& src : sources)
    if (s.watched.contains(id_of(src))) {
      source_ids.insert(id_of(src), {});
      reached.insert(id_of(src), {});
    }
  const std::size_t count = s.entries.size();
  std::vector<bool> relevant(count, false);
  for (std::size_t i = 0; i < count; ++i) {
    const Entry& e = *s.entries[i];
    if (std::none_of(e.inputs.begin(), e.inputs.end(),
                     [&](const Tensor& t) { return t.defined() && reached.contains(id_of(t)); }))
      continue;
    relevant[i] = true;
    for (const Tensor& out : e.outputs) reached.insert(id_of(out), {});
  }

  GradientMap grads;
  grads.insert(id_of(target), seed);
  // Recording order is a topological order, so walking it backwards sees
  // every use of a tensor before the op that produced it.
  for (std::size_t i = count; i-- > 0;) {
    if (!relevant[i]) continue;
    const std::shared_ptr<const Entry> entry = s.entries[i];
    const Entry& e = *entry;
    std::vector<Tensor> output_grads(e.outputs.size());
    bool any = false;
    for (std::size_t k = 0; k < e.outputs.size(); ++k) {
      const std::uint64_t id = id_of(e.outputs[k]);
      Tensor* found = grads.find(id);
      if (!found || !found->defined()) continue;
      output_grads[k] = *found;
      any = true;
      if (!source_ids.contains(id)) *found = Tensor();  // its memory can go once the op has used it
    }
    if (!any) continue;
    for (std::size_t k = 0; k < e.outputs.size(); ++k)
      if (!output_grads[k].defined()) output_grads[k] = zeros_like(e.outputs[k]);
    std::vector<bool> needed(e.inputs.size());
    for (std::size_t k = 0; k < e.inputs.size(); ++k)
      needed[k] = e.inputs[k].defined() && is_floating(e.inputs[k].dtype()) && reached.contains(id_of(e.inputs[k]));
    const detail::TraceScope rule("gradient", e.op, "_grad");
    const std::vector<Tensor> input_grads = e.backward(autograd::GradContext{e.inputs, e.outputs, output_grads, needed});
    if (input_grads.size() != e.inputs.size())
      throw std::logic_error(std::string("gradient rule of ") + e.op + " returned " +
                             std::to_string(input_grads.size()) + " gradients for " +
                             std::to_string(e.inputs.size()) + " inputs");
    for (std::size_t k = 0; k < e.inputs.size(); ++k) {
      if (!needed[k] || !input_grads[k].defined()) continue;
      if (!(input_grads[k].shape() == e.inputs[k].shape()))
        throw std::logic_error(std::string("gradient rule of ") + e.op + " gave shape " +
                               input_grads[k].shape().to_string() + " for input " + std::to_string(k) +
                               " of shape " + e.inputs[k].shape().to_string());
      add_into(grads, id_of(e.inputs[k]), input_grads[k]);
    }
  }

  std::vector<Tensor> result;
  result.reserve(sources.size());
  for (const Tensor& src : sources) {
    const Tensor* found = source_ids.contains(id_of(src)) ? grads.find(id_of(src)) : nullptr;
    if (found && found->defined()) result.push_back(found->dtype() == src.dtype() ? *found : cast(*found, src.dtype()));
    else if (unconnected == UnconnectedGradients::Zero) result.push_back(zeros_like(src));
    else result.emplace_back();
  }
  return result;
}

std::vector<Tensor> GradientTape::gradient(const Tensor& target, const std::vector<Variable>& sources,
                                           UnconnectedGradients unconnected, const Tensor& output_gradient) {
  std::vector<Tensor> handles;
  handles.reserve(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (!sources[i].defined())
      throw InvalidArgument("GradientTape::gradient: source " + std::to_string(i) + " is an undefined variable");
    handles.push_back(sources[i].handle());
  }
  return gradient(target, handles, unconnected, output_gradient);
}

Tensor GradientTape::gradient(const Tensor& target, const Tensor& source, UnconnectedGradients unconnected) {
  return gradient(target, std::vector<Tensor>{source}, unconnected)[0];
}

Tensor GradientTape::gradient(const Tensor& target, const Variable& source, UnconnectedGradients unconnected) {
  return gradient(target, std::vector<Variable>{source}, unconnected)[0];
}

Tensor stop_gradient(const Tensor& t) {
  return detail::make_view(t, t.shape(), t.strides(), t.storage_offset());
}

NoGradient::NoGradient() {
  ++no_gradient_depth;
  recount_recording_tapes();
}

NoGradient::~NoGradient() {
  --no_gradient_depth;
  recount_recording_tapes();
}

std::vector<Tensor> custom_gradient(const std::vector<Tensor>& inputs,
                                    const std::function<CustomGradientResult(const std::vector<Tensor>&)>& forward) {
  CustomGradientResult result;
  {
    NoGradient pause;
    result = forward(inputs);
  }
  if (!result.backward) throw InvalidArgument("custom_gradient: the forward function returned no backward function");
  // Fresh handles, so that outputs returned unchanged from the inputs still
  // get their own place on the tape.
  std::vector<Tensor> outputs;
  outputs.reserve(result.outputs.size());
  for (std::size_t i = 0; i < result.outputs.size(); ++i) {
    if (!result.outputs[i].defined())
      throw InvalidArgument("custom_gradient: output " + std::to_string(i) + " is undefined");
    outputs.push_back(stop_gradient(result.outputs[i]));
  }
  if (autograd::any_recording()) {
    auto backward = [user = std::move(result.backward), n = inputs.size()](const autograd::GradContext& c) {
      std::vector<Tensor> grads = user(c.output_grads);
      if (grads.size() != n)
        throw InvalidArgument("custom_gradient: backward returned " + std::to_string(grads.size()) +
                              " gradients for " + std::to_string(n) + " inputs");
      for (std::size_t i = 0; i < n; ++i) {
        if (!grads[i].defined()) continue;
        if (!(grads[i].shape() == c.inputs[i].shape()))
          throw InvalidArgument("custom_gradient: backward gave shape " + grads[i].shape().to_string() +
                                " for input " + std::to_string(i) + " of shape " + c.inputs[i].shape().to_string());
        if (grads[i].dtype() != c.inputs[i].dtype()) grads[i] = cast(grads[i], c.inputs[i].dtype());
      }
      return grads;
    };
    autograd::record("CustomGradient", inputs, outputs, std::move(backward));
  }
  return outputs;
}

}  // namespace eager
