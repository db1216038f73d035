// The row formulas of the CUDA nn kernels (src/cuda/nn_math.hpp), compiled
// here by g++, against the CPU kernels through the registry: softmax,
// log_softmax and both cross-entropies agree within rounding (exp and log
// differ between xsimd and libm, and so does the order of the row sums),
// and rows holding NaN or infinities give the same NaNs and infinities.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "cuda/nn_math.hpp"
#include "tensor/registry.hpp"

namespace {

using eager::DeviceType;
using eager::dtype_v;
using namespace eager::detail;

template <class T> struct Rows {
  std::int64_t rows, classes;
  std::vector<T> logits;
};

// Random logits of magnitude up to `scale`, with a row holding a NaN, a row
// with -inf entries and a row of equal values when there are rows enough.
template <class T> Rows<T> make_rows(std::int64_t rows, std::int64_t classes, double scale, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-scale, scale);
  Rows<T> r{rows, classes, std::vector<T>(static_cast<std::size_t>(rows * classes))};
  for (auto& x : r.logits) x = static_cast<T>(dist(gen));
  if (rows >= 3 && classes >= 2) {
    r.logits[static_cast<std::size_t>(classes + 1)] = std::numeric_limits<T>::quiet_NaN();
    r.logits[static_cast<std::size_t>(2 * classes)] = -std::numeric_limits<T>::infinity();
  }
  if (rows >= 4)
    for (std::int64_t c = 0; c < classes; ++c) r.logits[static_cast<std::size_t>(3 * classes + c)] = T(2.5);
  return r;
}

// Per row: the maximum and s = sum exp(x - m), in order, as the GPU's lanes
// do before combining.
template <class T> void stats(const T* x, std::int64_t classes, T& m, T& s) {
  m = -std::numeric_limits<T>::infinity();
  for (std::int64_t c = 0; c < classes; ++c) m = nn_math::max_of(m, x[c]);
  s = T(0);
  for (std::int64_t c = 0; c < classes; ++c) s += nn_math::shifted_exp(x[c], m);
}

template <class T> void require_close(const std::vector<T>& got, const std::vector<T>& want) {
  const double rtol = std::is_same_v<T, float> ? 2e-5 : 1e-12;
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i];
    bool ok;
    if (std::isnan(w)) ok = std::isnan(g);
    else if (std::isinf(w)) ok = g == w;
    else ok = std::abs(g - w) <= rtol * (1 + std::abs(w));
    if (!ok) {
      INFO("element " << i << ": header " << g << ", CPU kernel " << w);
      REQUIRE(ok);
    }
  }
}

template <class T> void check_rows(std::int64_t rows, std::int64_t classes, double scale) {
  INFO("rows " << rows << ", classes " << classes << ", scale " << scale);
  const Rows<T> in = make_rows<T>(rows, classes, scale, static_cast<unsigned>(rows * 31 + classes));
  const auto n = static_cast<std::size_t>(rows * classes);
  std::vector<T> soft(n), log_soft(n), sparse(static_cast<std::size_t>(rows)), dense(static_cast<std::size_t>(rows));
  std::vector<std::int64_t> labels(static_cast<std::size_t>(rows));
  std::vector<T> probs(n);
  std::mt19937 gen(3);
  for (std::int64_t r = 0; r < rows; ++r) {
    labels[static_cast<std::size_t>(r)] = static_cast<std::int64_t>(gen() % static_cast<unsigned>(classes));
    for (std::int64_t c = 0; c < classes; ++c)
      probs[static_cast<std::size_t>(r * classes + c)] = T(1) / static_cast<T>(classes);
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* x = in.logits.data() + r * classes;
    T m, s;
    stats(x, classes, m, s);
    const T log_sum = nn_math::log_of(s), inv = T(1) / s;
    T total = 0;
    for (std::int64_t c = 0; c < classes; ++c) {
      const auto i = static_cast<std::size_t>(r * classes + c);
      soft[i] = nn_math::softmax(x[c], m, inv);
      log_soft[i] = nn_math::log_softmax(x[c], m, log_sum);
      total += nn_math::xent_term(probs[i], x[c], m, log_sum);
    }
    sparse[static_cast<std::size_t>(r)] = nn_math::sparse_xent(x[labels[static_cast<std::size_t>(r)]], m, log_sum);
    dense[static_cast<std::size_t>(r)] = total;
  }
  const NnKernels& k = registry().nn;
  std::vector<T> cpu(n), cpu_rows(static_cast<std::size_t>(rows));
  k.softmax.get(DeviceType::CPU, dtype_v<T>)(SoftmaxArgs{in.logits.data(), cpu.data(), rows, classes});
  require_close(soft, cpu);
  k.log_softmax.get(DeviceType::CPU, dtype_v<T>)(SoftmaxArgs{in.logits.data(), cpu.data(), rows, classes});
  require_close(log_soft, cpu);
  k.sparse_xent.get(DeviceType::CPU, dtype_v<T>)(
      SparseXentArgs{in.logits.data(), labels.data(), true, cpu_rows.data(), rows, classes});
  require_close(sparse, cpu_rows);
  k.xent.get(DeviceType::CPU, dtype_v<T>)(XentArgs{in.logits.data(), probs.data(), cpu_rows.data(), rows, classes});
  require_close(dense, cpu_rows);
}

template <class T> void check_all() {
  for (std::int64_t classes : {1, 3, 10, 37, 1000}) {
    check_rows<T>(5, classes, 4);
    check_rows<T>(5, classes, 80);
  }
}

}  // namespace

TEST_CASE("cuda nn math: softmax rows agree with the CPU kernels", "[cuda_host]") {
  SECTION("float32") { check_all<float>(); }
  SECTION("float64") { check_all<double>(); }
}
