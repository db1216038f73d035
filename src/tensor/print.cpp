// Text form of tensors, following NumPy's array printing (which TensorFlow
// uses inside tf.Tensor(...)): a common width per element, floats with up to
// 8 decimals and trailing zeros dropped, scientific notation when magnitudes
// span more than 1e3 or exceed 1e8, and "..." summaries beyond 1000 elements.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "eager/tensor.hpp"

namespace eager {

namespace {

constexpr std::int64_t kSummarizeThreshold = 1000;
constexpr std::int64_t kEdgeItems = 3;
constexpr int kFloatPrecision = 8;

// Indices along one axis that are shown, with -1 marking the "..." gap.
std::vector<std::int64_t> shown_indices(std::int64_t size, bool summarize) {
  std::vector<std::int64_t> idx;
  if (summarize && size > 2 * kEdgeItems) {
    for (std::int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
    idx.push_back(-1);
    for (std::int64_t i = size - kEdgeItems; i < size; ++i) idx.push_back(i);
  } else {
    for (std::int64_t i = 0; i < size; ++i) idx.push_back(i);
  }
  return idx;
}

// The fewest digits (after the point, or of the mantissa in scientific
// notation), at most kFloatPrecision, that read back as the same value in the
// tensor's own precision: NumPy's "unique" float printing, which is why a
// float32 0.1 prints as 0.1 rather than 0.10000000149.
int shortest_digits(double v, DType dtype, bool scientific) {
  for (int p = 0; p < kFloatPrecision; ++p) {
    const std::string s = scientific ? fmt::format("{:.{}e}", v, p) : fmt::format("{:.{}f}", v, p);
    const bool same = dtype == DType::Float32 ? std::strtof(s.c_str(), nullptr) == static_cast<float>(v)
                                              : std::strtod(s.c_str(), nullptr) == v;
    if (same) return p;
  }
  return kFloatPrecision;
}

class ElementFormatter {
 public:
  ElementFormatter(DType dtype, const std::vector<double>& shown) : dtype_(dtype) {
    if (!is_floating(dtype)) return;
    double max_abs = 0, min_abs = INFINITY;
    for (double v : shown) {
      if (!std::isfinite(v)) continue;
      const double a = std::abs(v);
      max_abs = std::max(max_abs, a);
      if (a > 0) min_abs = std::min(min_abs, a);
    }
    scientific_ = max_abs >= 1e8 || (min_abs < 1e-4) || (min_abs != INFINITY && max_abs / min_abs > 1e3);
    for (double v : shown)
      if (std::isfinite(v)) digits_ = std::max(digits_, shortest_digits(v, dtype_, scientific_));
  }

  std::string integer(std::int64_t v) const {
    if (dtype_ == DType::Bool) return v != 0 ? "True" : "False";
    return fmt::format("{}", v);
  }

  std::string operator()(double v) const {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (scientific_) {
      // A common mantissa length, as NumPy does in scientific mode.
      std::string s = fmt::format("{:.{}e}", v, digits_);
      if (digits_ == 0) {
        const auto e = s.find('e');
        s = s.substr(0, e) + "." + s.substr(e);
      }
      return s;
    }
    // Each value with its own shortest digits, the fraction padded with
    // spaces (not zeros) so that the points line up.
    const int own = shortest_digits(v, dtype_, false);
    std::string s = fmt::format("{:.{}f}", v, own);
    if (own == 0) s += '.';
    return s + std::string(static_cast<std::size_t>(digits_ - own), ' ');
  }

 private:
  DType dtype_;
  bool scientific_ = false;
  int digits_ = 0;
};

class Printer {
 public:
  // Integers print from int64 so that values beyond 2^53 stay exact.
  explicit Printer(const Tensor& t)
      : host_(t.cpu().cast(is_floating(t.dtype()) ? DType::Float64 : DType::Int64).contiguous()),
        dtype_(t.dtype()) {
    summarize_ = t.num_elements() > kSummarizeThreshold;
    std::vector<std::int64_t> shown;
    collect(0, 0, shown);
    std::vector<double> shown_values;
    if (is_floating(dtype_))
      for (auto at : shown) shown_values.push_back(host_.data<double>()[at]);
    ElementFormatter format(dtype_, shown_values);
    if (is_floating(dtype_)) {
      const double* values = host_.data<double>();
      format_ = [format, values](std::int64_t at) { return format(values[at]); };
    } else {
      const std::int64_t* values = host_.data<std::int64_t>();
      format_ = [format, values](std::int64_t at) { return format.integer(values[at]); };
    }
    for (auto at : shown) width_ = std::max(width_, format_(at).size());
  }

  std::string render() const {
    if (host_.rank() == 0) return format_(0);
    std::string out;
    render(0, 0, out);
    return out;
  }

 private:
  void collect(int axis, std::int64_t offset, std::vector<std::int64_t>& shown) const {
    if (axis == host_.rank()) {
      shown.push_back(offset);
      return;
    }
    for (std::int64_t i : shown_indices(host_.shape()[axis], summarize_))
      if (i >= 0) collect(axis + 1, offset + i * host_.strides()[axis], shown);
  }

  void render(int axis, std::int64_t offset, std::string& out) const {
    const int rank = host_.rank();
    out += '[';
    const auto idx = shown_indices(host_.shape()[axis], summarize_);
    for (std::size_t k = 0; k < idx.size(); ++k) {
      if (k > 0) {
        if (axis == rank - 1) out += ' ';
        else out += std::string(static_cast<std::size_t>(rank - axis - 1), '\n') + std::string(axis + 1, ' ');
      }
      if (idx[k] < 0) {
        out += "...";
        continue;
      }
      const std::int64_t at = offset + idx[k] * host_.strides()[axis];
      if (axis == rank - 1) {
        std::string s = format_(at);
        out += std::string(width_ - s.size(), ' ') + s;
      } else {
        render(axis + 1, at, out);
      }
    }
    out += ']';
  }

  Tensor host_;
  DType dtype_;
  bool summarize_ = false;
  std::size_t width_ = 0;
  std::function<std::string(std::int64_t)> format_;
};

}  // namespace

std::string Tensor::values_string() const { return Printer(*this).render(); }

std::string Tensor::to_string() const {
  if (!defined()) return "eager.Tensor(<undefined>)";
  // Multi-line values start on their own line, as tf.Tensor prints them.
  const std::string values = values_string();
  std::string s = "eager.Tensor(" + std::string(values.find('\n') == std::string::npos ? "" : "\n") + values +
                  ", shape=" + shape().to_string() +
                  ", dtype=" + std::string(dtype_name(dtype()));
  if (!device().is_cpu()) s += ", device=" + device().name();
  return s + ")";
}

}  // namespace eager
