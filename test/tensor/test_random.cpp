// eager::random: Philox known answers, seed rules, determinism, element
// values independent of the thread split, distribution statistics and errors.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "tensor/philox.hpp"
#include "test_util.hpp"

using namespace eager;
namespace px = eager::detail::philox;

namespace {

// Statistics of a tensor's values, computed in float64.
struct Moments {
  double mean = 0, stddev = 0, min = 0, max = 0;
};
Moments moments(const std::vector<double>& v) {
  Moments m;
  m.min = *std::min_element(v.begin(), v.end());
  m.max = *std::max_element(v.begin(), v.end());
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - m.mean) * (x - m.mean);
  m.stddev = std::sqrt(ss / static_cast<double>(v.size() - 1));
  return m;
}
Moments moments(const Tensor& t) { return moments(t.to_vector<double>()); }

bool same_values(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.to_vector<double>() == b.to_vector<double>();
}

const DType kFloatTypes[] = {DType::Float32, DType::Float64};

// Restores the unseeded state when a test that sets the global seed ends.
struct SeedGuard {
  ~SeedGuard() { random::clear_seed(); }
};

}  // namespace

TEST_CASE("Philox4x32-10 matches Random123's known-answer vectors", "[random][philox]") {
  using px::Block;
  using px::Key;
  struct Kat {
    Block counter;
    Key key;
    Block expected;
  };
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, {0, 0}, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       {0xffffffff, 0xffffffff},
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       {0xa4093822, 0x299f31d0},
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const Kat& k : kats) {
    const Block got = px::philox4x32_10(k.counter, k.key);
    for (int j = 0; j < 4; ++j) {
      INFO("word " << j);
      REQUIRE(got.w[j] == k.expected.w[j]);
    }
  }
}

TEST_CASE("bits become floats on the documented grids", "[random][philox]") {
  REQUIRE(px::uint32_to_float(0) == 0.0f);
  REQUIRE(px::uint32_to_float(0x1ff) == 0.0f);
  REQUIRE(px::uint32_to_float(0x200) == 0x1p-23f);
  REQUIRE(px::uint32_to_float(0xffffffffu) == 1.0f - 0x1p-23f);
  REQUIRE(px::uint32_to_float(0x80000000u) == 0.5f);
  REQUIRE(px::uint64_to_double(0, 0) == 0.0);
  REQUIRE(px::uint64_to_double(0, 0x1000) == 0x1p-52);
  REQUIRE(px::uint64_to_double(0xffffffffu, 0xffffffffu) == 1.0 - 0x1p-52);
  REQUIRE(px::uint64_to_double(0x80000000u, 0) == 0.5);
  REQUIRE(px::open_unit(0, 0) > 0.0);
  REQUIRE(px::open_unit(0xffffffffu, 0xffffffffu) < 1.0);
  std::uint64_t hi, lo;
  px::mul_64x64(0xffffffffffffffffull, 0xffffffffffffffffull, hi, lo);
  REQUIRE(hi == 0xfffffffffffffffeull);
  REQUIRE(lo == 1);
  px::mul_64x64(0x123456789abcdefull, 0x1000, hi, lo);
  REQUIRE(hi == 0x12);
  REQUIRE(lo == 0x3456789abcdef000ull);
  px::mul_64x64(0xfedcba9876543210ull, 0x0f1e2d3c4b5a6978ull, hi, lo);
  const unsigned __int128 p = static_cast<unsigned __int128>(0xfedcba9876543210ull) * 0x0f1e2d3c4b5a6978ull;
  REQUIRE(hi == static_cast<std::uint64_t>(p >> 64));
  REQUIRE(lo == static_cast<std::uint64_t>(p));
}

TEST_CASE("same seeds give the same tensor, different op seeds differ", "[random][determinism]") {
  const Shape shape{17, 3};
  for (DType dt : kFloatTypes) {
    INFO(dtype_name(dt));
    REQUIRE(same_values(random::stateless_uniform(shape, {1, 2}, 0, 1, dt),
                        random::stateless_uniform(shape, {1, 2}, 0, 1, dt)));
    REQUIRE_FALSE(same_values(random::stateless_uniform(shape, {1, 2}, 0, 1, dt),
                              random::stateless_uniform(shape, {1, 3}, 0, 1, dt)));
    REQUIRE_FALSE(same_values(random::stateless_uniform(shape, {1, 2}, 0, 1, dt),
                              random::stateless_uniform(shape, {2, 2}, 0, 1, dt)));
    REQUIRE(same_values(random::stateless_normal(shape, {5, 6}, 0, 1, dt),
                        random::stateless_normal(shape, {5, 6}, 0, 1, dt)));
    REQUIRE_FALSE(same_values(random::stateless_normal(shape, {5, 6}, 0, 1, dt),
                              random::stateless_normal(shape, {5, 7}, 0, 1, dt)));
    REQUIRE(same_values(random::stateless_truncated_normal(shape, {5, 6}, 0, 1, dt),
                        random::stateless_truncated_normal(shape, {5, 6}, 0, 1, dt)));
    REQUIRE(same_values(random::stateless_gamma(shape, {5, 6}, scalar(0.7), std::nullopt, dt),
                        random::stateless_gamma(shape, {5, 6}, scalar(0.7), std::nullopt, dt)));
    REQUIRE_FALSE(same_values(random::stateless_gamma(shape, {5, 6}, scalar(0.7), std::nullopt, dt),
                              random::stateless_gamma(shape, {5, 8}, scalar(0.7), std::nullopt, dt)));
  }
  REQUIRE(same_values(random::stateless_uniform(shape, {1, 2}, -5, 5, DType::Int64),
                      random::stateless_uniform(shape, {1, 2}, -5, 5, DType::Int64)));
  REQUIRE_FALSE(same_values(random::stateless_uniform(shape, {1, 2}, -1000, 1000, DType::Int32),
                            random::stateless_uniform(shape, {1, 4}, -1000, 1000, DType::Int32)));
  // Stateful ops with both seeds are the stateless op of that pair.
  SeedGuard guard;
  random::set_seed(11);
  REQUIRE(same_values(random::normal(shape, 0, 1, DType::Float32, 22), random::stateless_normal(shape, {11, 22})));
  REQUIRE(same_values(random::uniform(shape, 0, 1, DType::Float32, 22), random::uniform(shape, 0, 1, DType::Float32, 22)));
}

TEST_CASE("TensorFlow's seed rules", "[random][seed]") {
  SeedGuard guard;
  const Shape shape{64};

  SECTION("global seed only: calls differ, the sequence repeats after set_seed") {
    random::set_seed(1234);
    REQUIRE(random::get_seed() == std::optional<std::int64_t>(1234));
    const Tensor a1 = random::uniform(shape);
    const Tensor a2 = random::uniform(shape);
    const Tensor a3 = random::normal(shape);
    REQUIRE_FALSE(same_values(a1, a2));
    random::set_seed(1234);
    REQUIRE(same_values(random::uniform(shape), a1));
    REQUIRE(same_values(random::uniform(shape), a2));
    REQUIRE(same_values(random::normal(shape), a3));
    random::set_seed(4321);
    REQUIRE_FALSE(same_values(random::uniform(shape), a1));
  }

  SECTION("explicit op seeds neither consume nor replay counter-drawn ones") {
    random::set_seed(7);
    const Tensor first = random::uniform(shape);
    const Tensor second = random::uniform(shape);
    random::set_seed(7);
    const Tensor op0 = random::uniform(shape, 0, 1, DType::Float32, 0);
    REQUIRE_FALSE(same_values(op0, first));
    REQUIRE(same_values(random::uniform(shape), first));
    REQUIRE(same_values(random::uniform(shape, 0, 1, DType::Float32, 1), random::uniform(shape, 0, 1, DType::Float32, 1)));
    REQUIRE(same_values(random::uniform(shape), second));
  }

  SECTION("op seed only: the default global seed") {
    random::clear_seed();
    REQUIRE_FALSE(random::get_seed().has_value());
    const Tensor a = random::uniform(shape, 0, 1, DType::Float32, 99);
    REQUIRE(same_values(a, random::uniform(shape, 0, 1, DType::Float32, 99)));
    REQUIRE(same_values(a, random::stateless_uniform(shape, {random::kDefaultGlobalSeed, 99})));
    REQUIRE_FALSE(same_values(a, random::uniform(shape, 0, 1, DType::Float32, 98)));
  }

  SECTION("neither: every call differs") {
    random::clear_seed();
    const Tensor a = random::uniform(shape);
    const Tensor b = random::uniform(shape);
    REQUIRE_FALSE(same_values(a, b));
    REQUIRE_FALSE(same_values(random::shuffle(range(100)), random::shuffle(range(100))));
  }

  SECTION("failed calls do not advance the op-seed counter") {
    random::set_seed(3);
    const Tensor a = random::uniform(shape);
    random::set_seed(3);
    REQUIRE_THROWS_AS(random::uniform(shape, 2, 1), InvalidArgument);
    REQUIRE(same_values(random::uniform(shape), a));
  }
}

TEST_CASE("Generator: a seeded stream of its own", "[random][generator]") {
  random::Generator g1(42), g2(42), g3(43);
  const Tensor a = g1.normal(Shape{32});
  REQUIRE(same_values(a, g2.normal(Shape{32})));
  REQUIRE_FALSE(same_values(a, g3.normal(Shape{32})));
  REQUIRE_FALSE(same_values(a, g1.normal(Shape{32})));
  REQUIRE(g1.calls() == 2);
  REQUIRE_FALSE(same_values(a, random::stateless_normal(Shape{32}, {42, 0})));
  REQUIRE(g1.uniform(Shape{10}, 0, 5, DType::Int32).dtype() == DType::Int32);
  REQUIRE(moments(g1.truncated_normal(Shape{100})).max <= 2.0);
  REQUIRE(g1.gamma(Shape{4}, scalar(2.0)).shape() == Shape{4});
  auto sorted = g1.shuffle(range(50)).to_vector<int>();
  std::sort(sorted.begin(), sorted.end());
  REQUIRE(sorted == range(50).to_vector<int>());
  auto g4 = random::Generator::from_non_deterministic_state();
  REQUIRE(g4.uniform(Shape{3}).shape() == Shape{3});
  REQUIRE_THROWS_AS(g1.normal(Shape{2}, 0, -1), InvalidArgument);
}

TEST_CASE("element values depend only on the seeds and the index", "[random][threads]") {
  // A large output is split across threads; its first elements must equal a
  // small output's, and elements deep inside (other threads' chunks, the
  // ragged end) must equal the sampler evaluated for that index alone.
  const std::int64_t big = (1 << 20) + 3;
  const random::SeedPair seed{2024, 5};
  const px::Key key = px::derive_key(2024, 5, px::kExplicitSeeds);
  const std::int64_t probes[] = {0, 1, 2, 3, 4, 5, 6, 7, 9, 300001, 777777, big - 3, big - 2, big - 1};

  auto check = [&](const Tensor& large, const Tensor& small, auto element) {
    const auto lv = large.to_vector<double>(), sv = small.to_vector<double>();
    for (std::size_t i = 0; i < sv.size(); ++i) REQUIRE(lv[i] == sv[i]);
    for (std::int64_t i : probes) {
      INFO("element " << i);
      REQUIRE(lv[static_cast<std::size_t>(i)] == element(static_cast<std::uint64_t>(i)));
    }
  };

  check(random::stateless_uniform(Shape{big}, seed), random::stateless_uniform(Shape{7}, seed), [&](std::uint64_t i) {
    float out[4];
    px::UniformReal<float>{0.f, 1.f, std::nextafter(1.f, 0.f)}(key, i / 4, out);
    return static_cast<double>(out[i % 4]);
  });
  check(random::stateless_uniform(Shape{big}, seed, -2, 3, DType::Float64),
        random::stateless_uniform(Shape{5}, seed, -2, 3, DType::Float64), [&](std::uint64_t i) {
          double out[2];
          px::UniformReal<double>{-2.0, 5.0, std::nextafter(3.0, 0.0)}(key, i / 2, out);
          return out[i % 2];
        });
  check(random::stateless_normal(Shape{big}, seed, 1, 2), random::stateless_normal(Shape{6}, seed, 1, 2),
        [&](std::uint64_t i) {
          float out[4];
          px::Normal<float>{1.0, 2.0}(key, i / 4, out);
          return static_cast<double>(out[i % 4]);
        });
  check(random::stateless_normal(Shape{big}, seed, 0, 1, DType::Float64),
        random::stateless_normal(Shape{3}, seed, 0, 1, DType::Float64), [&](std::uint64_t i) {
          double out[2];
          px::Normal<double>{0.0, 1.0}(key, i / 2, out);
          return out[i % 2];
        });
  check(random::stateless_truncated_normal(Shape{big}, seed), random::stateless_truncated_normal(Shape{9}, seed),
        [&](std::uint64_t i) {
          float out[1];
          px::TruncatedNormal<float>{0.0, 1.0}(key, i, out);
          return static_cast<double>(out[0]);
        });
  check(random::stateless_uniform(Shape{big}, seed, -7, 1000003, DType::Int64),
        random::stateless_uniform(Shape{11}, seed, -7, 1000003, DType::Int64), [&](std::uint64_t i) {
          std::int64_t out[2];
          px::UniformInt<std::int64_t>{-7, 1000010, px::below_threshold(1000010)}(key, i / 2, out);
          return static_cast<double>(out[i % 2]);
        });
  const double alpha = 0.3, beta = 1.5;
  check(random::stateless_gamma(Shape{big}, seed, scalar(alpha, DType::Float64), scalar(beta, DType::Float64),
                                DType::Float64),
        random::stateless_gamma(Shape{4}, seed, scalar(alpha, DType::Float64), scalar(beta, DType::Float64),
                                DType::Float64),
        [&](std::uint64_t i) { return px::sample_gamma(key, i, alpha) / beta; });
  // The shape does not matter either, only the flat index.
  REQUIRE(same_values(random::stateless_normal(Shape{6, 5}, seed).reshape(Shape{30}),
                      random::stateless_normal(Shape{30}, seed)));
}

TEST_CASE("normal: mean and standard deviation", "[random][stats]") {
  for (DType dt : kFloatTypes) {
    INFO(dtype_name(dt));
    const Tensor z = random::stateless_normal(Shape{100000}, {1, 1}, 0, 1, dt);
    REQUIRE(z.dtype() == dt);
    const Moments m = moments(z);
    REQUIRE(std::abs(m.mean) < 0.015);
    REQUIRE(std::abs(m.stddev - 1) < 0.01);
    const Moments s = moments(random::stateless_normal(Shape{100, 1000}, {1, 2}, 3, 2, dt));
    REQUIRE(std::abs(s.mean - 3) < 0.03);
    REQUIRE(std::abs(s.stddev - 2) < 0.02);
    // P(|z| > 4) is 6e-5: a handful of 100k, none beyond the Box–Muller radius.
    const auto v = z.to_vector<double>();
    const auto tails = std::count_if(v.begin(), v.end(), [](double x) { return std::abs(x) > 4; });
    REQUIRE(tails < 20);
    REQUIRE(m.max < 7.0);
    REQUIRE(m.min > -7.0);
    // stddev 0 is allowed: every value the mean.
    REQUIRE(random::stateless_normal(Shape{5}, {1, 1}, 2.5, 0, dt).to_vector<double>() == std::vector<double>(5, 2.5));
  }
}

TEST_CASE("truncated_normal: within two standard deviations", "[random][stats]") {
  // Normal truncated to [-2, 2]: variance 1 - 4 phi(2) / (2 Phi(2) - 1).
  const double truncated_sd = std::sqrt(1 - 4 * 0.05399096651318806 / 0.9544997361036416);
  for (DType dt : kFloatTypes) {
    INFO(dtype_name(dt));
    const Tensor t = random::stateless_truncated_normal(Shape{100000}, {3, 4}, 0, 1, dt);
    const Moments m = moments(t);
    REQUIRE(m.min >= -2.0);
    REQUIRE(m.max <= 2.0);
    REQUIRE(std::abs(m.mean) < 0.012);
    REQUIRE(std::abs(m.stddev - truncated_sd) < 0.008);
    const Moments s = moments(random::stateless_truncated_normal(Shape{50000}, {3, 5}, -1, 0.5, dt));
    REQUIRE(s.min >= -2.0 - 1e-6);
    REQUIRE(s.max <= 0.0 + 1e-6);
    REQUIRE(std::abs(s.mean + 1) < 0.01);
    REQUIRE(std::abs(s.stddev - 0.5 * truncated_sd) < 0.008);
  }
}

TEST_CASE("uniform floats: range, mean and variance", "[random][stats]") {
  for (DType dt : kFloatTypes) {
    INFO(dtype_name(dt));
    const Moments u = moments(random::stateless_uniform(Shape{100000}, {9, 9}, 0, std::nullopt, dt));
    REQUIRE(u.min >= 0.0);
    REQUIRE(u.max < 1.0);
    REQUIRE(std::abs(u.mean - 0.5) < 0.005);
    REQUIRE(std::abs(u.stddev - std::sqrt(1.0 / 12)) < 0.003);
    const Moments w = moments(random::stateless_uniform(Shape{200, 500}, {9, 10}, -3, 5.5, dt));
    REQUIRE(w.min >= -3.0);
    REQUIRE(w.max < 5.5);
    REQUIRE(std::abs(w.mean - 1.25) < 0.04);
    REQUIRE(std::abs(w.stddev - 8.5 / std::sqrt(12.0)) < 0.03);
  }
  // Ranges where lo + u * range rounds onto maxval stay below it.
  const Tensor narrow = random::stateless_uniform(Shape{4096}, {1, 1}, 1.0, std::nextafter(1.0f, 2.0f));
  for (float v : narrow.to_vector<float>()) REQUIRE(v == 1.0f);
  for (double v : random::stateless_uniform(Shape{4096}, {1, 1}, -1.0, 16777216.0).to_vector<double>())
    REQUIRE(v < 16777216.0);
  for (double v : random::stateless_uniform(Shape{4096}, {1, 1}, 0.1, 0.1 + 1e-15, DType::Float64).to_vector<double>()) {
    REQUIRE(v >= 0.1);
    REQUIRE(v < 0.1 + 1e-15);
  }
}

TEST_CASE("uniform integers: exact range, every value, unbiased", "[random][stats]") {
  const Tensor a = random::stateless_uniform(Shape{70000}, {4, 4}, -3, 4, DType::Int32);
  REQUIRE(a.dtype() == DType::Int32);
  std::map<int, int> counts;
  for (int v : a.to_vector<int>()) ++counts[v];
  REQUIRE(counts.size() == 7);
  REQUIRE(counts.begin()->first == -3);
  REQUIRE(counts.rbegin()->first == 3);
  for (auto [value, count] : counts) {
    INFO("value " << value);
    REQUIRE(std::abs(count - 10000) < 500);  // about 5 standard deviations
  }
  // The full int32 range.
  const auto full = random::stateless_uniform(Shape{1000}, {4, 5}, std::numeric_limits<std::int32_t>::min(),
                                              std::numeric_limits<std::int32_t>::max(), DType::Int32)
                        .to_vector<std::int64_t>();
  REQUIRE(*std::max_element(full.begin(), full.end()) > (1LL << 30));
  REQUIRE(*std::min_element(full.begin(), full.end()) < -(1LL << 30));
  // int64 with range 2^63 + 1: nearly half the 64-bit candidates are
  // rejected, so redraws from the element's sub-stream are exercised.
  const std::int64_t lo = -(std::int64_t{1} << 62), hi = (std::int64_t{1} << 62) + 1;
  const auto wide = random::stateless_uniform(Shape{20000}, {4, 6}, lo, hi, DType::Int64).to_vector<std::int64_t>();
  std::int64_t above = 0;
  long double mean = 0;
  for (auto v : wide) {
    REQUIRE(v >= lo);
    REQUIRE(v < hi);
    above += v >= 0;
    mean += static_cast<long double>(v) / static_cast<long double>(hi);
  }
  REQUIRE(std::abs(above - 10000) < 400);
  REQUIRE(std::abs(static_cast<double>(mean / wide.size())) < 0.03);
  // The Lemire draw itself, on a range that does not divide 2^64.
  const px::Key key{1, 2};
  std::int64_t hist[3] = {};
  for (std::uint64_t i = 0; i < 30000; ++i) ++hist[px::uniform_below(key, i, 3)];
  for (auto c : hist) REQUIRE(std::abs(c - 10000) < 500);
  // A floating bound that is a whole number is accepted.
  REQUIRE(random::stateless_uniform(Shape{100}, {1, 1}, 0.0, 2.0, DType::Int64).to_vector<std::int64_t>().size() == 100);
}

TEST_CASE("gamma: mean alpha/beta and variance alpha/beta^2", "[random][stats]") {
  for (DType dt : kFloatTypes) {
    for (double alpha : {0.25, 1.0, 2.5, 9.0}) {
      const double beta = 2.0;
      INFO(dtype_name(dt) << " alpha " << alpha);
      const Tensor g = random::stateless_gamma(Shape{100000}, {6, 7}, scalar(alpha), scalar(beta), dt);
      REQUIRE(g.dtype() == dt);
      const Moments m = moments(g);
      REQUIRE(m.min >= 0.0);
      REQUIRE(std::abs(m.mean / (alpha / beta) - 1) < 0.03);
      REQUIRE(std::abs(m.stddev * m.stddev / (alpha / (beta * beta)) - 1) < 0.07);
    }
  }
  // The scalar overload is the same as scalar tensors.
  SeedGuard guard;
  random::set_seed(5);
  const Tensor s = random::gamma(Shape{10}, 3.0, 0.5, DType::Float32, 8);
  REQUIRE(same_values(s, random::stateless_gamma(Shape{10}, {5, 8}, scalar(3.0), scalar(0.5))));
  // Tiny alphas put most mass near 0 but never give negatives or NaN.
  for (double v : random::stateless_gamma(Shape{1000}, {1, 1}, scalar(1e-3)).to_vector<double>()) {
    REQUIRE(v >= 0.0);
    REQUIRE(std::isfinite(v));
  }
}

TEST_CASE("gamma: parameter tensors broadcast into trailing dimensions", "[random][stats]") {
  const Tensor alpha = constant({1.0f, 4.0f});                   // shape (2,)
  const Tensor beta = constant({{1.0}, {2.0}, {4.0}});            // shape (3, 1)
  const Tensor g = random::stateless_gamma(Shape{20000}, {2, 2}, alpha, beta, DType::Float64);
  REQUIRE(g.shape() == Shape{20000, 3, 2});
  const auto v = g.to_vector<double>();
  for (int b = 0; b < 3; ++b) {
    for (int a = 0; a < 2; ++a) {
      const double al = a == 0 ? 1.0 : 4.0, be = b == 0 ? 1.0 : b == 1 ? 2.0 : 4.0;
      std::vector<double> column;
      for (std::size_t s = 0; s < 20000; ++s) column.push_back(v[s * 6 + b * 2 + a]);
      INFO("alpha " << al << " beta " << be);
      REQUIRE(std::abs(moments(column).mean / (al / be) - 1) < 0.04);
    }
  }
  // Integer parameters work; a 0-d shape gives the parameter shape.
  REQUIRE(random::stateless_gamma(Shape{}, {2, 2}, constant({1, 2, 3})).shape() == Shape{3});
  REQUIRE(random::stateless_gamma(Shape{4}, {2, 2}, zeros(Shape{0}) + 1.0f).shape() == Shape{4, 0});
}

TEST_CASE("shuffle: a permutation of the first axis", "[random][shuffle]") {
  const Tensor x = range(1000);
  const Tensor s = random::stateless_shuffle(x, {1, 2});
  REQUIRE(s.shape() == x.shape());
  auto v = s.to_vector<int>();
  REQUIRE(v != x.to_vector<int>());
  std::sort(v.begin(), v.end());
  REQUIRE(v == x.to_vector<int>());
  REQUIRE(same_values(s, random::stateless_shuffle(x, {1, 2})));
  REQUIRE_FALSE(same_values(s, random::stateless_shuffle(x, {1, 3})));

  // Rows move whole, for every dtype and for non-contiguous views.
  for (DType dt : {DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64}) {
    INFO(dtype_name(dt));
    const Tensor m = transpose(reshape(range(40), Shape{4, 10})).cast(dt);  // (10, 4), a view
    const Tensor sm = random::stateless_shuffle(m, {3, 3});
    REQUIRE(sm.dtype() == dt);
    REQUIRE(sm.shape() == Shape{10, 4});
    const auto mv = m.to_vector<double>(), sv = sm.to_vector<double>();
    std::multiset<std::vector<double>> rows_in, rows_out;
    for (int r = 0; r < 10; ++r) {
      rows_in.insert(std::vector<double>(mv.begin() + r * 4, mv.begin() + r * 4 + 4));
      rows_out.insert(std::vector<double>(sv.begin() + r * 4, sv.begin() + r * 4 + 4));
    }
    REQUIRE(rows_in == rows_out);
  }
  // Empty and single-row inputs.
  REQUIRE(random::stateless_shuffle(zeros(Shape{0, 3}), {1, 1}).shape() == Shape{0, 3});
  REQUIRE(random::stateless_shuffle(zeros(Shape{3, 0}), {1, 1}).shape() == Shape{3, 0});
  REQUIRE(random::stateless_shuffle(constant({5}), {1, 1}).to_vector<int>() == std::vector<int>{5});

  // All 6 orders of 3 items are equally likely (unbiased Fisher–Yates).
  std::map<std::vector<int>, int> orders;
  for (std::int64_t op = 0; op < 6000; ++op) ++orders[random::stateless_shuffle(range(3), {8, op}).to_vector<int>()];
  REQUIRE(orders.size() == 6);
  for (const auto& [order, count] : orders) REQUIRE(std::abs(count - 1000) < 150);
}

TEST_CASE("0-d and empty outputs", "[random][shapes]") {
  for (DType dt : kFloatTypes) {
    REQUIRE(random::stateless_uniform(Shape{}, {1, 1}, 0, 1, dt).shape() == Shape{});
    REQUIRE(random::stateless_normal(Shape{}, {1, 1}, 0, 1, dt).num_elements() == 1);
    REQUIRE(random::stateless_truncated_normal(Shape{0, 5}, {1, 1}, 0, 1, dt).shape() == Shape{0, 5});
    REQUIRE(random::stateless_gamma(Shape{2, 0}, {1, 1}, scalar(2.0), std::nullopt, dt).shape() == Shape{2, 0});
    // Sizes that end inside a Philox block.
    for (std::int64_t n : {1, 2, 3, 5, 6, 7}) {
      const auto t = random::stateless_normal(Shape{n}, {1, 1}, 0, 1, dt).to_vector<double>();
      const auto eight = random::stateless_normal(Shape{8}, {1, 1}, 0, 1, dt).to_vector<double>();
      REQUIRE(t == std::vector<double>(eight.begin(), eight.begin() + n));
    }
  }
  REQUIRE(random::uniform(Shape{0}, 0, 10, DType::Int32).shape() == Shape{0});
}

TEST_CASE("random ops refuse bad arguments", "[random][errors]") {
  const Shape bad{2, -1};
  REQUIRE_THROWS_AS(random::uniform(bad), InvalidArgument);
  REQUIRE_THROWS_AS(random::normal(bad), InvalidArgument);
  REQUIRE_THROWS_AS(random::truncated_normal(bad), InvalidArgument);
  REQUIRE_THROWS_AS(random::gamma(bad, 1.0), InvalidArgument);
  REQUIRE_THROWS_AS(random::stateless_uniform(bad, {1, 1}), InvalidArgument);

  // Bounds.
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 1, 1), InvalidArgument);
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 2, 1), InvalidArgument);
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 1.0, 1.0 + 1e-12), InvalidArgument);  // equal as float32
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 0.0, std::numeric_limits<double>::infinity()), InvalidArgument);
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, std::nan(""), 1.0), InvalidArgument);
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, -3e38f, 3e38f), InvalidArgument);  // range overflows float32
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 0.0, 1e300), InvalidArgument);  // not a float32
  REQUIRE_NOTHROW(random::uniform(Shape{2}, 0.0, 1e300, DType::Float64));
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 5, 5, DType::Int32), InvalidArgument);
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 0, std::nullopt, DType::Int32), InvalidArgument);
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 0, std::nullopt, DType::Int64), InvalidArgument);
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 0, std::int64_t{1} << 40, DType::Int32), InvalidArgument);
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 0.5, 3, DType::Int32), InvalidArgument);
  REQUIRE_NOTHROW(random::uniform(Shape{2}, 0, std::int64_t{1} << 40, DType::Int64));

  // dtypes.
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 0, 1, DType::Bool), InvalidArgument);
  REQUIRE_THROWS_AS(random::uniform(Shape{2}, 0, 1, DType::UInt8), InvalidArgument);
  REQUIRE_THROWS_AS(random::normal(Shape{2}, 0, 1, DType::Int32), InvalidArgument);
  REQUIRE_THROWS_AS(random::normal(Shape{2}, 0, 1, DType::Bool), InvalidArgument);
  REQUIRE_THROWS_AS(random::truncated_normal(Shape{2}, 0, 1, DType::Int64), InvalidArgument);
  REQUIRE_THROWS_AS(random::gamma(Shape{2}, 1.0, 1.0, DType::Int32), InvalidArgument);

  // Distribution parameters.
  REQUIRE_THROWS_AS(random::normal(Shape{2}, 0, -1), InvalidArgument);
  REQUIRE_THROWS_AS(random::normal(Shape{2}, 0, std::nan("")), InvalidArgument);
  REQUIRE_THROWS_AS(random::normal(Shape{2}, std::numeric_limits<double>::infinity(), 1), InvalidArgument);
  REQUIRE_THROWS_AS(random::truncated_normal(Shape{2}, 0, -0.5), InvalidArgument);
  REQUIRE_THROWS_AS(random::gamma(Shape{2}, 0.0), InvalidArgument);
  REQUIRE_THROWS_AS(random::gamma(Shape{2}, -1.0), InvalidArgument);
  REQUIRE_THROWS_AS(random::gamma(Shape{2}, std::nan("")), InvalidArgument);
  REQUIRE_THROWS_AS(random::gamma(Shape{2}, 1.0, 0.0), InvalidArgument);
  REQUIRE_THROWS_AS(random::gamma(Shape{2}, constant({1.0f, 0.0f})), InvalidArgument);
  REQUIRE_THROWS_AS(random::gamma(Shape{2}, constant({true})), InvalidArgument);
  REQUIRE_THROWS_AS(random::gamma(Shape{2}, constant({1.0f, 2.0f}), constant({1.0f, 2.0f, 3.0f})), InvalidArgument);
  REQUIRE_THROWS_AS(random::gamma(Shape{2}, Tensor()), InvalidArgument);

  // shuffle.
  REQUIRE_THROWS_AS(random::shuffle(scalar(3)), InvalidArgument);
  REQUIRE_THROWS_AS(random::stateless_shuffle(scalar(3.0), {1, 1}), InvalidArgument);
  REQUIRE_THROWS_AS(random::shuffle(Tensor()), InvalidArgument);
}

TEST_CASE("random ops on a CUDA device run there, with the CPU's values", "[random][device]") {
  std::optional<Device> gpu;
  try {
    gpu = Device::cuda(0);
  } catch (const Unavailable&) {
    WARN("no CUDA device: random ops on a GPU are not exercised here (eager_cuda_tests checks them)");
    return;
  }
  const Tensor u = random::stateless_uniform(Shape{5}, {1, 2}, 0, std::nullopt, DType::Float32, gpu);
  REQUIRE(u.device() == *gpu);
  REQUIRE(u.to_vector<float>() == random::stateless_uniform(Shape{5}, {1, 2}).to_vector<float>());
  REQUIRE(random::normal(Shape{2}, 0, 1, DType::Float32, 1, gpu).device() == *gpu);
  REQUIRE(random::shuffle(range(4).to(*gpu)).device() == *gpu);
}
