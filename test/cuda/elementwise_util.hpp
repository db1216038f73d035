#pragma once
// Helpers of the GPU elementwise tests: element-by-element comparison of a
// GPU result with the CPU's (bit-exact, or within a number of ulps for the
// ops built on transcendental functions), inputs with edge values, and the
// layouts that send an elementwise op down each kernel path.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "cuda_host/elementwise_values.hpp"
#include "cuda_test_util.hpp"

namespace eager::test {

inline const std::vector<DType> kEveryDType = {DType::Bool,  DType::UInt8,   DType::Int32,
                                               DType::Int64, DType::Float32, DType::Float64};

// Ulps allowed between the GPU and the CPU for float ops built on exp, log,
// sin, cos, tanh and pow: CUDA's libm is within 1-4 ulp of the exact result,
// glibc and xsimd (the CPU's vector loop) within about 1-2.
inline constexpr std::int64_t kTranscendentalUlps = 16;

// Position of x on a line where adjacent floats are 1 apart and -0 == +0.
template <class T, class Bits> std::int64_t ordered(T x) {
  Bits bits;
  std::memcpy(&bits, &x, sizeof(T));
  const Bits magnitude = bits & std::numeric_limits<Bits>::max();
  return bits < 0 ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
}

// Equal bits, or both NaN; with ulps > 0, within that many ulps, and any
// two results below the smallest normal number count as equal (the CPU's
// vector exp may flush what CUDA returns as a denormal).
template <class T> bool close_enough(T gpu_value, T cpu_value, std::int64_t ulps) {
  if (std::isnan(gpu_value) || std::isnan(cpu_value)) return std::isnan(gpu_value) && std::isnan(cpu_value);
  if (ulps == 0) return std::memcmp(&gpu_value, &cpu_value, sizeof(T)) == 0;
  constexpr T tiny = std::numeric_limits<T>::min();
  if (std::abs(gpu_value) < tiny && std::abs(cpu_value) < tiny) return true;
  using Bits = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  const std::int64_t distance = ordered<T, Bits>(gpu_value) - ordered<T, Bits>(cpu_value);
  return distance <= ulps && distance >= -ulps;
}

// The GPU result equals the CPU's element by element (same dtype and shape):
// bit for bit (NaN payloads aside), or within `ulps` for float results.
inline void require_same_elements(const Tensor& on_gpu, const Tensor& on_cpu, std::int64_t ulps = 0) {
  REQUIRE(on_gpu.device() == gpu());
  REQUIRE(on_gpu.dtype() == on_cpu.dtype());
  REQUIRE(on_gpu.shape() == on_cpu.shape());
  const Tensor a = on_gpu.cpu().contiguous(), b = on_cpu.contiguous();
  const std::int64_t n = a.num_elements();
  const std::size_t size = itemsize(a.dtype());
  const auto* pa = static_cast<const unsigned char*>(a.raw_data());
  const auto* pb = static_cast<const unsigned char*>(b.raw_data());
  for (std::int64_t i = 0; i < n; ++i) {
    bool same;
    if (a.dtype() == DType::Float32) same = close_enough(a.data<float>()[i], b.data<float>()[i], ulps);
    else if (a.dtype() == DType::Float64) same = close_enough(a.data<double>()[i], b.data<double>()[i], ulps);
    else same = std::memcmp(pa + i * size, pb + i * size, size) == 0;
    if (!same) {
      const Tensor ga = a.reshape(Shape{n})[i].cast(DType::Float64), gb = b.reshape(Shape{n})[i].cast(DType::Float64);
      FAIL("element " << i << " of " << dtype_name(a.dtype()) << a.shape().to_string() << ": GPU "
                      << ga.item<double>() << ", CPU " << gb.item<double>() << " (allowed ulps " << ulps << ")");
    }
  }
}

// A 1-D CPU tensor of `dtype`: its edge values, then seeded values in
// [lo, hi), `size` elements in all. `moderate` drops edge values beyond
// +-1000 (transcendental functions of huge arguments are a libm contest,
// not a kernel check).
inline Tensor test_values(DType dtype, std::int64_t size, unsigned seed, bool moderate = false, double lo = -10,
                          double hi = 10) {
  const auto edges = [&]<class T>(T*) {
    std::vector<T> kept;
    for (T v : edge_values<T>())
      if (!moderate || !(std::abs(static_cast<double>(v)) > 1000) || std::isinf(static_cast<double>(v)))
        kept.push_back(v);
    return constant(kept, Shape{static_cast<std::int64_t>(kept.size())});
  };
  Tensor edge;
  switch (dtype) {
    case DType::Bool: edge = edges(static_cast<bool*>(nullptr)); break;
    case DType::UInt8: edge = edges(static_cast<std::uint8_t*>(nullptr)); break;
    case DType::Int32: edge = edges(static_cast<std::int32_t*>(nullptr)); break;
    case DType::Int64: edge = edges(static_cast<std::int64_t*>(nullptr)); break;
    case DType::Float32: edge = edges(static_cast<float*>(nullptr)); break;
    case DType::Float64: edge = edges(static_cast<double*>(nullptr)); break;
  }
  const double low = dtype == DType::UInt8 ? 0 : lo, high = dtype == DType::UInt8 ? 256 : hi;
  return concat({edge, random_tensor(Shape{size - edge.num_elements()}, dtype, seed, low, high)}, 0);
}

// The same elements of a 1-D `base` on `device` as each kernel path sees them.
enum class Layout { Flat, Misaligned, Reversed, Transposed };
inline const std::vector<Layout> kLayouts = {Layout::Flat, Layout::Misaligned, Layout::Reversed, Layout::Transposed};
inline const char* layout_name(Layout layout) {
  switch (layout) {
    case Layout::Flat: return "flat";
    case Layout::Misaligned: return "misaligned slice";
    case Layout::Reversed: return "reversed";
    case Layout::Transposed: return "transposed";
  }
  return "";
}

// Flat: the whole tensor (vector kernel). Misaligned: all but the first
// and last element, one element past a 16-byte boundary (strided kernel,
// 1-D). Reversed: negative stride. Transposed: [cols, rows] of a
// [rows, cols] reshape; base's size must be rows * cols.
inline Tensor in_layout(const Tensor& base, Layout layout, std::int64_t rows = 1) {
  const std::int64_t n = base.num_elements();
  switch (layout) {
    case Layout::Flat: return base;
    case Layout::Misaligned: return slice(base, {1}, {n - 2});
    case Layout::Reversed: return strided_slice(base, {0}, {0}, {-1}, 1, 1);
    case Layout::Transposed: return transpose(reshape(base, Shape{rows, n / rows}));
  }
  return base;
}

// The elements of t as a view whose last axis has stride 2, so that the
// CPU runs its scalar loop (glibc's libm) rather than its vector loop
// (xsimd): the reference for the transcendental ops. xsimd's float32 exp
// overflows to inf from 88.38 on (glibc and CUDA: finite up to 88.72) and
// its float64 log misreads denormal inputs (log(4.9e-324) = -746.5, not
// -744.4), so the vector loop is no reference there.
inline Tensor scalar_loop_view(const Tensor& t) {
  const int rank = t.rank();
  const Tensor pairs = stack({t, t}, rank);
  std::vector<std::int64_t> begin(static_cast<std::size_t>(rank + 1), 0), end, strides(begin.size(), 1);
  for (int d = 0; d < rank; ++d) end.push_back(t.shape()[d]);
  end.push_back(1);
  return strided_slice(pairs, begin, end, strides, 0, 0, std::int64_t{1} << rank);
}

// The message of the exception fn throws; "" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace eager::test
