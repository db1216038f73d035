#pragma once
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11) and the samplers built on it, written once for the CPU kernels
// and, when nvcc compiles this header, for CUDA kernels (EAGER_HD). Keeping
// every bit-level step here is what lets both devices produce the same values
// for the same seeds.
//
// Layout of the 128-bit counter, fixed so that an element's value depends
// only on (key, element index):
//   word 0, 1   a 64-bit index: the Philox block for the block samplers
//               (block b gives elements [b * per_block, (b + 1) * per_block)),
//               the element itself for the per-element rejection samplers
//   word 2      the attempt number of a rejection sampler (0 for the rest)
//   word 3      a sub-stream tag (kBoostStream for gamma's alpha < 1 boost)
// The key is derived from the seed pair by one Philox call (derive_key), so
// both 64-bit seeds reach every output bit.
//
// Every multiply-add is written as std::fma: compilers contract a * b + c
// into an FMA or not depending on flags and target (nvcc does by default),
// and either choice silently changes the last bit. The transcendental calls
// (log, sqrt, sin, cos, exp) are the only remaining source of cross-device
// differences, at the last ulp of the float64 intermediates.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "functors.hpp"

namespace eager::detail::philox {

struct Key {
  std::uint32_t k0, k1;
};
struct Block {
  std::uint32_t w[4];
};

inline constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;

EAGER_HD inline Block single_round(Block c, Key k) {
  const std::uint64_t p0 = static_cast<std::uint64_t>(kMul0) * c.w[0];
  const std::uint64_t p1 = static_cast<std::uint64_t>(kMul1) * c.w[2];
  const auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
  const auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
  return Block{{hi1 ^ c.w[1] ^ k.k0, lo1, hi0 ^ c.w[3] ^ k.k1, lo0}};
}

// Ten rounds with the Weyl key schedule between them, as Random123's
// philox4x32_R(10, ctr, key).
EAGER_HD inline Block philox4x32_10(Block c, Key k) {
  c = single_round(c, k);
  for (int r = 1; r < 10; ++r) {
    k.k0 += kWeyl0;
    k.k1 += kWeyl1;
    c = single_round(c, k);
  }
  return c;
}

enum KeyDomain : std::uint32_t {
  kExplicitSeeds = 0,    // an explicit (global, op) pair, and the stateless ops
  kCounterSeeds = 1,     // op seeds drawn from the set_seed counter
  kGeneratorSeeds = 2,   // Generator(seed), call n
  kEntropySeeds = 3,     // unseeded ops
};
inline constexpr std::uint32_t kBoostStream = 1;

EAGER_HD inline Key derive_key(std::uint64_t global_seed, std::uint64_t op_seed, std::uint32_t domain) {
  const Block b = philox4x32_10(
      Block{{static_cast<std::uint32_t>(op_seed), static_cast<std::uint32_t>(op_seed >> 32), domain, 0}},
      Key{static_cast<std::uint32_t>(global_seed), static_cast<std::uint32_t>(global_seed >> 32)});
  return Key{b.w[0], b.w[1]};
}

EAGER_HD inline Block draw(Key key, std::uint64_t index, std::uint32_t attempt = 0, std::uint32_t stream = 0) {
  return philox4x32_10(
      Block{{static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32), attempt, stream}}, key);
}

// ---- bits to floating point ---------------------------------------------------

// [0, 1) on the float grid of 2^-23: 23 random mantissa bits under exponent 0
// give [1, 2), minus 1 (TensorFlow's Uint32ToFloat, with the high bits).
EAGER_HD inline float uint32_to_float(std::uint32_t x) {
  const std::uint32_t bits = (x >> 9) | 0x3f800000u;
#if defined(__CUDA_ARCH__)
  return __uint_as_float(bits) - 1.0f;
#else
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f - 1.0f;
#endif
}

// [0, 1) on the double grid of 2^-52, from the high 52 bits of hi:lo.
EAGER_HD inline double uint64_to_double(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t x = (static_cast<std::uint64_t>(hi) << 32) | lo;
  const std::uint64_t bits = (x >> 12) | 0x3ff0000000000000ull;
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(bits)) - 1.0;
#else
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d - 1.0;
#endif
}

// (0, 1): never 0, so its logarithm is finite.
EAGER_HD inline double open_unit(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t x = (static_cast<std::uint64_t>(hi) << 32) | lo;
  return (static_cast<double>(x >> 12) + 0.5) * 0x1p-52;
}

inline constexpr double kTwoPi = 6.283185307179586476925286766559;

// Box–Muller: u1 in (0, 1] sets the radius, u2 in [0, 1) the angle. Both
// results in float64 whatever the output dtype, so that float32 outputs are
// one rounding of a float64 value on either device.
EAGER_HD inline void box_muller(double u1, double u2, double& z0, double& z1) {
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = kTwoPi * u2;
  z0 = r * std::sin(theta);
  z1 = r * std::cos(theta);
}

// ---- integers -------------------------------------------------------------------

// The full 128-bit product from 32-bit halves: one portable path for every
// compiler and device (as fast here as __int128).
EAGER_HD inline void mul_64x64(std::uint64_t a, std::uint64_t b, std::uint64_t& hi, std::uint64_t& lo) {
  const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
  const std::uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  const std::uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  lo = (mid << 32) | (ll & 0xffffffffu);
  hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

// Uniform integers in [0, range), range >= 1, exactly unbiased: Lemire's
// multiply-shift ("Fast random integer generation in an interval", 2019),
// rejecting 64-bit candidates whose low product falls below
// threshold = 2^64 mod range.
EAGER_HD inline std::uint64_t below_threshold(std::uint64_t range) { return (0 - range) % range; }

EAGER_HD inline bool lemire(std::uint32_t hi_word, std::uint32_t lo_word, std::uint64_t range, std::uint64_t threshold,
                            std::uint64_t& out) {
  std::uint64_t lo;
  mul_64x64((static_cast<std::uint64_t>(hi_word) << 32) | lo_word, range, out, lo);
  return lo >= threshold;
}

// Candidates from the index's own counter row, two per Philox block, from
// attempt `first_attempt` on: redraws never touch another element's bits.
EAGER_HD inline std::uint64_t draw_below(Key key, std::uint64_t index, std::uint64_t range, std::uint64_t threshold,
                                         std::uint32_t first_attempt) {
  std::uint64_t out = 0;
  for (std::uint32_t attempt = first_attempt;; ++attempt) {
    const Block b = draw(key, index, attempt);
    if (lemire(b.w[0], b.w[1], range, threshold, out) || lemire(b.w[2], b.w[3], range, threshold, out)) return out;
  }
}

EAGER_HD inline std::uint64_t uniform_below(Key key, std::uint64_t index, std::uint64_t range) {
  return draw_below(key, index, range, below_threshold(range), 0);
}

// ---- samplers ---------------------------------------------------------------------
// Block samplers fill `per_block` consecutive outputs from one Philox block;
// element samplers (per_block = 1) own the whole counter row of their index.

template <class T> struct UniformReal {
  static constexpr int per_block = sizeof(T) == 4 ? 4 : 2;
  T lo, range, below_hi;  // below_hi: the largest T under maxval
  EAGER_HD void operator()(Key key, std::uint64_t block, T* out) const {
    const Block b = draw(key, block);
    for (int j = 0; j < per_block; ++j) {
      T u;
      if constexpr (sizeof(T) == 4) u = uint32_to_float(b.w[j]);
      else u = uint64_to_double(b.w[2 * j], b.w[2 * j + 1]);
      const T v = std::fma(u, range, lo);
      out[j] = v > below_hi ? below_hi : v;
    }
  }
};

// Two elements per block (words 0-1 and 2-3); a rejected candidate is
// redrawn from the element's own row at attempts >= 1, which no block draw
// (attempt 0) uses.
template <class T> struct UniformInt {
  static constexpr int per_block = 2;
  std::int64_t lo;
  std::uint64_t range, threshold;
  EAGER_HD void operator()(Key key, std::uint64_t block, T* out) const {
    const Block b = draw(key, block);
    for (int j = 0; j < 2; ++j) {
      std::uint64_t v;
      if (!lemire(b.w[2 * j], b.w[2 * j + 1], range, threshold, v))
        v = draw_below(key, 2 * block + static_cast<std::uint64_t>(j), range, threshold, 1);
      out[j] = static_cast<T>(static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + v));
    }
  }
};

// float32: two Box–Muller pairs from 32-bit uniforms (as TensorFlow's
// NormalDistribution<float>); float64: one pair from 52-bit uniforms.
template <class T> struct Normal {
  static constexpr int per_block = sizeof(T) == 4 ? 4 : 2;
  double mean, stddev;
  EAGER_HD void operator()(Key key, std::uint64_t block, T* out) const {
    const Block b = draw(key, block);
    double z[4];
    if constexpr (sizeof(T) == 4) {
      box_muller(1.0 - uint32_to_float(b.w[0]), uint32_to_float(b.w[1]), z[0], z[1]);
      box_muller(1.0 - uint32_to_float(b.w[2]), uint32_to_float(b.w[3]), z[2], z[3]);
    } else {
      box_muller(1.0 - uint64_to_double(b.w[0], b.w[1]), uint64_to_double(b.w[2], b.w[3]), z[0], z[1]);
    }
    for (int j = 0; j < per_block; ++j) out[j] = static_cast<T>(std::fma(stddev, z[j], mean));
  }
};

// Each attempt gives a float64 Box–Muller pair; the first |z| <= 2 wins.
template <class T> struct TruncatedNormal {
  static constexpr int per_block = 1;
  double mean, stddev;
  EAGER_HD void operator()(Key key, std::uint64_t index, T* out) const {
    for (std::uint32_t attempt = 0;; ++attempt) {
      const Block b = draw(key, index, attempt);
      double z[2];
      box_muller(1.0 - uint64_to_double(b.w[0], b.w[1]), uint64_to_double(b.w[2], b.w[3]), z[0], z[1]);
      for (double v : z) {
        if (v >= -2.0 && v <= 2.0) {
          out[0] = static_cast<T>(std::fma(stddev, v, mean));
          return;
        }
      }
    }
  }
};

// Gamma(alpha, rate 1) by Marsaglia and Tsang ("A simple method for
// generating gamma variables", 2000). One Philox block per trial: words 0-1
// the normal (one Box–Muller branch), words 2-3 the acceptance uniform.
// alpha < 1 samples Gamma(alpha + 1) and multiplies by U^(1/alpha), U from
// the boost sub-stream (for a tiny alpha that factor can underflow to 0).
EAGER_HD inline double sample_gamma(Key key, std::uint64_t index, double alpha) {
  const bool boost = alpha < 1.0;
  const double d = (boost ? alpha + 1.0 : alpha) - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  double sample = 0;
  for (std::uint32_t attempt = 0;; ++attempt) {
    const Block b = draw(key, index, attempt);
    const double u1 = (static_cast<double>(b.w[0]) + 0.5) * 0x1p-32;
    const double u2 = static_cast<double>(b.w[1]) * 0x1p-32;
    const double x = std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
    const double t = std::fma(c, x, 1.0);
    if (t <= 0.0) continue;
    const double v = t * t * t;
    const double u = open_unit(b.w[2], b.w[3]);
    const double x2 = x * x;
    if (u < std::fma(-0.0331 * x2, x2, 1.0) || std::log(u) < std::fma(d, 1.0 - v + std::log(v), 0.5 * x2)) {
      sample = d * v;
      break;
    }
  }
  if (boost) {
    const Block b = draw(key, index, 0, kBoostStream);
    sample *= std::pow(open_unit(b.w[0], b.w[1]), 1.0 / alpha);
  }
  return sample;
}

// Output element i uses parameter i % num_params (the parameters are the
// trailing dimensions of the output).
template <class T> struct Gamma {
  static constexpr int per_block = 1;
  const double* alpha;
  const double* beta;
  std::int64_t num_params;
  EAGER_HD void operator()(Key key, std::uint64_t index, T* out) const {
    const auto p = static_cast<std::int64_t>(index % static_cast<std::uint64_t>(num_params));
    out[0] = static_cast<T>(sample_gamma(key, index, alpha[p]) / beta[p]);
  }
};

}  // namespace eager::detail::philox
