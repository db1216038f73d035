#pragma once
// Helpers shared by the op catalog tests: reproducible random inputs that do
// not depend on eager's own random module, and float64 comparisons.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <exception>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "eager/eager.hpp"

namespace eager::test {

// Values uniform in [lo, hi) (integers: whole numbers), made with std::mt19937.
inline Tensor random_tensor(const Shape& shape, DType dtype, unsigned seed, double lo = -3, double hi = 3) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> values(static_cast<std::size_t>(shape.num_elements()));
  for (auto& v : values) {
    v = dist(gen);
    if (!is_floating(dtype)) v = std::floor(v);
    if (dtype == DType::Bool) v = v > (lo + hi) / 2 ? 1 : 0;
  }
  return constant(values, shape, dtype);
}

inline std::vector<double> as_doubles(const Tensor& t) { return t.to_vector<double>(); }

// Every element of `actual` within atol + rtol * |expected| (NaNs must match,
// infinities must be equal), with the first mismatch reported.
inline void require_close(const Tensor& actual, const std::vector<double>& expected, double rtol = 1e-6,
                          double atol = 1e-6) {
  const std::vector<double> got = as_doubles(actual);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], e = expected[i];
    bool ok;
    if (std::isnan(e)) ok = std::isnan(g);
    else if (std::isinf(e)) ok = g == e;
    else ok = std::abs(g - e) <= atol + rtol * std::abs(e);
    if (!ok) {
      INFO("element " << i << ": got " << g << ", expected " << e);
      REQUIRE(ok);
    }
  }
}

inline void require_close(const Tensor& actual, const Tensor& expected, double rtol = 1e-6, double atol = 1e-6) {
  REQUIRE(actual.shape() == expected.shape());
  require_close(actual, as_doubles(expected), rtol, atol);
}

// Matches an exception whose what() contains `part` (for CHECK_THROWS_MATCHES,
// which checks the exception type as well, unlike CHECK_THROWS_WITH).
class MessageContains : public Catch::MatcherBase<std::exception> {
 public:
  explicit MessageContains(std::string part) : part_(std::move(part)) {}
  bool match(const std::exception& e) const override { return std::string(e.what()).find(part_) != std::string::npos; }
  std::string describe() const override { return "has a message containing \"" + part_ + "\""; }

 private:
  std::string part_;
};

// The names of the variables, in order.
inline std::vector<std::string> names_of(const std::vector<Variable>& variables) {
  std::vector<std::string> names;
  for (const Variable& v : variables) names.push_back(v.name());
  return names;
}

// Runs fn with stderr sent to a temporary file and returns what it wrote.
template <class Fn> std::string capture_stderr(Fn&& fn) {
  std::fflush(stderr);
  char path[] = "/tmp/eager_stderr_XXXXXX";
  const int file = mkstemp(path);
  REQUIRE(file >= 0);
  const int saved = dup(STDERR_FILENO);
  dup2(file, STDERR_FILENO);
  try {
    fn();
  } catch (...) {
    std::fflush(stderr);
    dup2(saved, STDERR_FILENO);
    throw;
  }
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path);
  return text.str();
}

// Tolerances for comparing a dtype's result with a float64 reference.
inline double rtol_for(DType dtype) { return dtype == DType::Float32 ? 2e-5 : dtype == DType::Float64 ? 1e-12 : 0; }

}  // namespace eager::test
