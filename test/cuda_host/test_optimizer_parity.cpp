// The per-element update math of the CUDA optimizer kernels
// (src/cuda/optimizer_math.hpp), compiled here by g++, against the CPU
// kernels through the registry: bit for bit. The CPU kernels are compiled
// with -march=native; where that has FMA, g++ fuses products into additions
// and the header reproduces the order of the CPU's vector loop. A CPU build
// without FMA computes every product rounded on its own; the test accepts
// that order too (computed below with rounding barriers), but only for all
// elements of an update at once, never a mix. The one known exception:
// RMSProp's rms in the CPU's scalar tail (see optimizer_math.hpp), whose
// last elements are compared within a few ulps.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cuda/optimizer_math.hpp"
#include "tensor/dtype_dispatch.hpp"
#include "tensor/registry.hpp"

namespace {

using eager::DeviceType;
using eager::dtype_v;
using namespace eager::detail;

// Rounds x to T: keeps g++ from contracting the unfused reference on a host
// where FMA is the default (aarch64).
template <class T> T rounded(T x) {
  volatile T v = x;
  return v;
}

// An odd length: the CPU kernels' vector loops and scalar tails both run.
constexpr std::size_t kCount = 1037;

template <class T> std::vector<T> values(unsigned seed, double lo, double hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(kCount);
  for (auto& x : v) x = static_cast<T>(dist(gen));
  return v;
}

// Elements at the end of the arrays that the CPU kernels' scalar tail
// computes (fewer than one vector: 16 floats at most).
constexpr std::size_t kTail = 64;

template <class T> bool same_bits(const std::vector<T>& a, const std::vector<T>& b, std::size_t count) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), count * sizeof(T)) == 0;
}

// Within 8 ulps from kCount - kTail on.
template <class T> bool close_tail(const std::vector<T>& a, const std::vector<T>& b) {
  for (std::size_t i = kCount - kTail; i < kCount; ++i)
    if (std::abs(a[i] - b[i]) > 8 * std::numeric_limits<T>::epsilon() * std::abs(b[i])) return false;
  return true;
}

// The CPU arrays equal the header's (fused) arrays, or all equal the unfused
// reference's; with `rms_tail`, the last kTail elements only within 8 ulps.
template <class T>
void require_parity(const std::vector<std::vector<T>>& cpu, const std::vector<std::vector<T>>& fused,
                    const std::vector<std::vector<T>>& unfused, bool rms_tail = false) {
  const std::size_t exact = rms_tail ? kCount - kTail : kCount;
  bool all_fused = true, all_unfused = true;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    all_fused = all_fused && same_bits(cpu[i], fused[i], exact) && close_tail(cpu[i], fused[i]);
    all_unfused = all_unfused && same_bits(cpu[i], unfused[i], exact) && close_tail(cpu[i], unfused[i]);
  }
  INFO("the CPU kernel matches the header's fused order: " << all_fused << ", the unfused order: " << all_unfused);
  REQUIRE((all_fused || all_unfused));
}

template <class T> void check_sgd() {
  auto var = values<T>(1, -1, 1);
  const auto grad = values<T>(2, -1, 1);
  const double lr = 0.0123;
  auto fused = var, unfused = var;
  for (std::size_t i = 0; i < kCount; ++i) {
    fused[i] = optim::sgd(var[i], grad[i], T(lr));
    unfused[i] = var[i] - rounded(T(lr) * grad[i]);
  }
  SgdArgs a{var.data(), grad.data(), static_cast<std::int64_t>(kCount), lr};
  registry().optimizer.sgd.get(DeviceType::CPU, dtype_v<T>)(a);
  require_parity<T>({var}, {fused}, {unfused});
}

template <class T, bool Nesterov> void check_momentum() {
  auto var = values<T>(3, -1, 1), accum = values<T>(4, -0.5, 0.5);
  const auto grad = values<T>(5, -1, 1);
  const double lr = 0.031, mu = 0.9;
  auto fv = var, fa = accum, uv = var, ua = accum;
  for (std::size_t i = 0; i < kCount; ++i) {
    optim::momentum<Nesterov>(fv[i], fa[i], grad[i], T(lr), T(mu));
    ua[i] = rounded(ua[i] * T(mu)) + grad[i];
    const T step = Nesterov ? grad[i] + rounded(T(mu) * ua[i]) : ua[i];
    uv[i] = uv[i] - rounded(T(lr) * step);
  }
  MomentumArgs a{var.data(), accum.data(), grad.data(), static_cast<std::int64_t>(kCount), lr, mu, Nesterov};
  registry().optimizer.momentum.get(DeviceType::CPU, dtype_v<T>)(a);
  require_parity<T>({var, accum}, {fv, fa}, {uv, ua});
}

template <class T> void check_adam() {
  auto var = values<T>(6, -1, 1), m = values<T>(7, -0.1, 0.1), v = values<T>(8, 0, 0.1);
  const auto grad = values<T>(9, -1, 1);
  const double step = 0.001 * 0.3, b1 = 0.9, b2 = 0.999, eps = 1e-7;
  const T omb1 = T(1 - b1), omb2 = T(1 - b2);
  auto fv = var, fm = m, fs = v, uv = var, um = m, us = v;
  for (std::size_t i = 0; i < kCount; ++i) {
    optim::adam(fv[i], fm[i], fs[i], grad[i], T(step), omb1, omb2, T(eps));
    um[i] = um[i] + rounded((grad[i] - um[i]) * omb1);
    us[i] = us[i] + rounded((rounded(grad[i] * grad[i]) - us[i]) * omb2);
    uv[i] = uv[i] - rounded(T(step) * um[i]) / (std::sqrt(us[i]) + T(eps));
  }
  AdamArgs a{var.data(), m.data(), v.data(), grad.data(), static_cast<std::int64_t>(kCount), step, b1, b2, eps};
  registry().optimizer.adam.get(DeviceType::CPU, dtype_v<T>)(a);
  require_parity<T>({var, m, v}, {fv, fm, fs}, {uv, um, us});
}

template <class T, bool Centered, bool WithMomentum> void check_rmsprop() {
  auto var = values<T>(10, -1, 1), rms = values<T>(11, 0.5, 1), mom = values<T>(12, -0.1, 0.1);
  auto mg = values<T>(13, -0.1, 0.1);
  const auto grad = values<T>(14, -1, 1);
  const double lr = 0.002, rho = 0.9, mu = 0.5, eps = 1e-7;
  const T omr = T(1 - rho);
  auto fv = var, fr = rms, fo = mom, fg = mg, uv = var, ur = rms, uo = mom, ug = mg;
  for (std::size_t i = 0; i < kCount; ++i) {
    optim::rmsprop<Centered, WithMomentum>(fv[i], fr[i], fo[i], fg[i], grad[i], T(lr), T(rho), omr, T(mu), T(eps));
    ur[i] = rounded(T(rho) * ur[i]) + rounded(rounded(omr * grad[i]) * grad[i]);
    T denom = ur[i];
    if (Centered) {
      ug[i] = rounded(T(rho) * ug[i]) + rounded(omr * grad[i]);
      denom = ur[i] - rounded(ug[i] * ug[i]);
    }
    if (WithMomentum) {
      uo[i] = rounded(T(mu) * uo[i]) + rounded(T(lr) * grad[i]) / std::sqrt(denom + T(eps));
      uv[i] = uv[i] - uo[i];
    } else {
      uv[i] = uv[i] - rounded(T(lr) * grad[i]) / (std::sqrt(denom) + T(eps));
    }
  }
  RmspropArgs a{var.data(), rms.data(), WithMomentum ? mom.data() : nullptr, Centered ? mg.data() : nullptr,
                grad.data(), static_cast<std::int64_t>(kCount), lr, rho, mu, eps};
  registry().optimizer.rmsprop.get(DeviceType::CPU, dtype_v<T>)(a);
  require_parity<T>({var, rms, mom, mg}, {fv, fr, WithMomentum ? fo : mom, Centered ? fg : mg},
                    {uv, ur, WithMomentum ? uo : mom, Centered ? ug : mg}, true);
}

template <class T> void check_moving_average() {
  auto shadow = values<T>(15, -1, 1);
  const auto value = values<T>(16, -1, 1);
  const double rate = 1 - 0.999;
  auto fused = shadow, unfused = shadow;
  for (std::size_t i = 0; i < kCount; ++i) {
    fused[i] = optim::moving_average(shadow[i], value[i], T(rate));
    unfused[i] = shadow[i] - rounded((shadow[i] - value[i]) * T(rate));
  }
  MovingAverageArgs a{shadow.data(), value.data(), static_cast<std::int64_t>(kCount), rate};
  registry().optimizer.moving_average.get(DeviceType::CPU, dtype_v<T>)(a);
  require_parity<T>({shadow}, {fused}, {unfused});
}

template <class T> void check_all() {
  check_sgd<T>();
  check_momentum<T, false>();
  check_momentum<T, true>();
  check_adam<T>();
  check_rmsprop<T, false, false>();
  check_rmsprop<T, true, false>();
  check_rmsprop<T, false, true>();
  check_rmsprop<T, true, true>();
  check_moving_average<T>();
}

}  // namespace

TEST_CASE("cuda optimizer math: bit for bit the CPU kernels' updates", "[cuda_host]") {
  SECTION("float32") { check_all<float>(); }
  SECTION("float64") { check_all<double>(); }
}
