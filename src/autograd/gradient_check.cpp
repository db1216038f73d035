#include "eager/gradient_check.hpp"

#include <cmath>
#include <sstream>

#include "eager/autograd.hpp"
#include "eager/creation.hpp"
#include "eager/math.hpp"
#include "eager/random.hpp"
#include "eager/reduce.hpp"

namespace eager {

namespace {

double evaluate(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
                const Tensor& weights) {
  return reduce_sum(multiply(f(inputs), weights)).item<double>();
}

}  // namespace

GradientCheckResult check_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                    const std::vector<Tensor>& inputs, const GradientCheckOptions& options) {
  if (!(options.delta > 0)) throw InvalidArgument("check_gradients: delta must be positive");
  // Every input goes to the CPU, where the probes below write single
  // elements; integer inputs keep their values and dtype.
  std::vector<Tensor> x;
  std::vector<std::size_t> checked;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) throw InvalidArgument("check_gradients: input " + std::to_string(i) + " is undefined");
    if (is_floating(inputs[i].dtype())) {
      x.push_back(inputs[i].cast(DType::Float64).cpu().clone());
      checked.push_back(i);
    } else {
      x.push_back(inputs[i].cpu());
    }
  }

  Tensor weights;
  std::vector<Tensor> analytic;
  {
    GradientTape tape;
    for (std::size_t i : checked) tape.watch(x[i]);
    const Tensor y = f(x);
    if (!y.defined() || !is_floating(y.dtype()))
      throw InvalidArgument("check_gradients: the function must return a floating-point tensor");
    weights = random::stateless_uniform(y.shape(), {static_cast<std::int64_t>(options.seed), 0}, 0.5, 1.5,
                                        DType::Float64, y.device());
    const Tensor target = reduce_sum(multiply(cast(y, DType::Float64), weights));
    std::vector<Tensor> sources;
    for (std::size_t i : checked) sources.push_back(x[i]);
    analytic = tape.gradient(target, sources, UnconnectedGradients::Zero);
  }
  const auto f64 = [&](const std::vector<Tensor>& args) { return cast(f(args), DType::Float64); };

  // No NoGradient here: f may differentiate with its own tapes.
  GradientCheckResult result;
  for (std::size_t k = 0; k < checked.size(); ++k) {
    const std::size_t i = checked[k];
    const std::vector<double> a = analytic[k].to_vector<double>();
    const Tensor original = x[i];
    for (std::int64_t e = 0; e < original.num_elements(); ++e) {
      std::vector<Tensor> probe = x;
      Tensor plus = original.clone(), minus = original.clone();
      plus.mutable_data<double>()[e] += options.delta;
      minus.mutable_data<double>()[e] -= options.delta;
      probe[i] = plus;
      const double t_plus = evaluate(f64, probe, weights);
      probe[i] = minus;
      const double t_minus = evaluate(f64, probe, weights);
      GradientElementReport r;
      r.input = i;
      r.element = e;
      r.analytic = a[static_cast<std::size_t>(e)];
      r.numeric = (t_plus - t_minus) / (2 * options.delta);
      r.abs_error = std::abs(r.analytic - r.numeric);
      r.rel_error = r.abs_error / std::max(std::abs(r.numeric), 1e-300);
      r.ok = r.abs_error <= options.atol + options.rtol * std::abs(r.numeric) && std::isfinite(r.analytic);
      result.ok = result.ok && r.ok;
      result.max_abs_error = std::max(result.max_abs_error, r.abs_error);
      if (r.abs_error > options.atol) result.max_rel_error = std::max(result.max_rel_error, r.rel_error);
      result.elements.push_back(r);
    }
  }
  return result;
}

std::string GradientCheckResult::report() const {
  std::ostringstream os;
  os.precision(10);
  std::size_t failing = 0;
  for (const auto& r : elements) {
    if (r.ok) continue;
    ++failing;
    os << "input " << r.input << " element " << r.element << ": analytic " << r.analytic << ", numeric "
       << r.numeric << ", abs error " << r.abs_error << ", rel error " << r.rel_error << "\n";
  }
  std::ostringstream summary;
  summary.precision(3);
  summary << (ok ? "gradients match" : "gradients differ") << " (" << elements.size() << " elements checked, "
          << failing << " failing; max abs error " << max_abs_error << ", max rel error " << max_rel_error << ")\n";
  return summary.str() + os.str();
}

}  // namespace eager
