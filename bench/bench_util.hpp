#pragma once
// Timing and output helpers shared by eager_bench and the LibTorch peer, so
// that both measure and report in exactly the same way.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

template <class Fn>
void warm_up(Fn&& fn, int calls) {
  for (int i = 0; i < calls; ++i) fn();
}

// Median seconds per call of fn over `samples` samples. Small ops are timed in
// batches of `batch` calls because one call is shorter than the clock's
// resolution and overhead; the median discards the samples hit by the other
// tenants of this machine.
template <class Fn>
double time_median(Fn&& fn, int samples, int batch = 1) {
  std::vector<double> per_call;
  per_call.reserve(static_cast<std::size_t>(samples));
  for (int s = 0; s < samples; ++s) {
    const auto start = Clock::now();
    for (int i = 0; i < batch; ++i) fn();
    per_call.push_back(seconds_since(start) / batch);
  }
  return median(std::move(per_call));
}

// One JSON object per line: {"name": ..., "value": ..., "unit": ..., extras}.
class Line {
 public:
  Line(const std::string& name, double value, const std::string& unit, const std::string& impl) {
    text_ = "{\"name\": \"" + name + "\", \"value\": " + number(value) + ", \"unit\": \"" + unit +
            "\", \"impl\": \"" + impl + "\"";
  }
  Line& field(const std::string& key, const std::string& value) {
    text_ += ", \"" + key + "\": \"" + escape(value) + "\"";
    return *this;
  }
  Line& field(const std::string& key, double value) {
    text_ += ", \"" + key + "\": " + number(value);
    return *this;
  }
  Line& flag(const std::string& key, bool value) {
    text_ += ", \"" + key + "\": " + (value ? "true" : "false");
    return *this;
  }
  ~Line() {
    std::printf("%s}\n", text_.c_str());
    std::fflush(stdout);
  }
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

 private:
  // Error messages carry quotes and newlines into the JSON strings.
  static std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out += buf;
      } else {
        out += c;
      }
    }
    return out;
  }
  static std::string number(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
  }
  std::string text_;
};

inline double gbps(double bytes, double seconds) { return bytes / seconds / 1e9; }
inline double gflops(double flops, double seconds) { return flops / seconds / 1e9; }

// Deterministic values in [-1, 1) without pulling in <random> state per caller.
inline std::vector<float> pseudo_random(std::int64_t n, std::uint32_t seed) {
  std::vector<float> v(static_cast<std::size_t>(n));
  std::uint32_t s = seed * 2654435761u + 1u;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) / static_cast<float>(1u << 23) - 1.0f;
  }
  return v;
}

}  // namespace bench
