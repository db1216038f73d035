#include "image/resize_kernels.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__SSE4_1__) || defined(__AVX__)
#include <immintrin.h>
#endif

#include "tensor/thread_pool.hpp"

namespace eager::image::detail {
namespace {

using std::int64_t;

// Four float lanes as the compiler's generic vector type (SSE on x86, NEON
// on ARM): one RGB or RGBA pixel per register in the horizontal pass.
using Float4 = float __attribute__((vector_size(16)));

template <class In> Float4 load4(const In* p) {
  if constexpr (std::is_same_v<In, float>) {
    Float4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
  } else if constexpr (std::is_same_v<In, std::uint8_t>) {
#if defined(__SSE4_1__)
    // GCC lowers __builtin_convertvector from 4 bytes lane by lane; these
    // are one widening load and one conversion.
    std::int32_t bits;
    std::memcpy(&bits, p, sizeof bits);
    return reinterpret_cast<Float4>(_mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(bits))));
#else
    return Float4{static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2]),
                  static_cast<float>(p[3])};
#endif
  } else {
    return Float4{static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2]),
                  static_cast<float>(p[3])};
  }
}

// sum_k w[k] p[k * kC .. k * kC + 3], with two accumulators so that long
// spans are not serialised on the latency of one chain of additions.
template <int kC, class In> Float4 taps4(const In* p, const float* w, int64_t span) {
  Float4 even = {0, 0, 0, 0}, odd = {0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 1 < span; k += 2) {
    even += w[k] * load4(p + k * kC);
    odd += w[k + 1] * load4(p + (k + 1) * kC);
  }
  if (k < span) even += w[k] * load4(p + k * kC);
  return even + odd;
}

// One output pixel of the horizontal pass, channel by channel.
template <int kC, int kSpan, class In, class Acc>
void horizontal_pixel(const In* p, const float* w, int64_t span, int64_t channels, Acc* dst) {
  const int64_t C = kC > 0 ? kC : channels;
  if constexpr (kSpan > 0) span = kSpan;
  for (int64_t c = 0; c < C; ++c) {
    Acc acc = 0;
    for (int64_t k = 0; k < span; ++k) acc += static_cast<Acc>(w[k]) * static_cast<Acc>(p[k * C + c]);
    dst[c] = acc;
  }
}

// One output row of the horizontal pass: dst[x, c] = sum_k w[x][k]
// src[start[x] - first_col + k, c], where src holds src_cols pixels. kC and
// kSpan > 0 fix the channel count and span at compile time so that the tap
// loops unroll. Float RGB(A) keeps a pixel in one 4-lane register: it loads
// 4 values (RGB: one past the pixel, so outputs that read the source row's
// last pixel are done channel by channel) and stores 4 (RGB: the extra lane
// is overwritten by the next pixel; the last pixel is stored channel by
// channel).
template <int kC, int kSpan, class In, class Acc>
void horizontal_row(const In* src, int64_t first_col, int64_t src_cols, Acc* dst, const AxisWeights& cols,
                    int64_t channels) {
  const int64_t C = kC > 0 ? kC : channels;
  const int64_t span = kSpan > 0 ? kSpan : cols.span;
  const int64_t* start = cols.start.data();
  const float* weights = cols.weights.data();
  const int64_t out = cols.out_size;
  for (int64_t x = 0; x < out; ++x, dst += C) {
    const int64_t first = start[x] - first_col;
    const In* p = src + first * C;
    const float* w = weights + x * span;
    if constexpr (std::is_same_v<Acc, float> && (kC == 3 || kC == 4)) {
      if (kC == 4 || first + span < src_cols) {
        const Float4 acc = taps4<kC>(p, w, span);
        if (kC == 4 || x + 1 < out)
          std::memcpy(dst, &acc, sizeof acc);
        else
          for (int c = 0; c < kC; ++c) dst[c] = acc[c];
        continue;
      }
    }
    horizontal_pixel<kC, kSpan>(p, w, span, C, dst);
  }
}

template <int kC, class In, class Acc>
void horizontal_span(const In* src, int64_t first_col, int64_t src_cols, Acc* dst, const AxisWeights& cols,
                     int64_t channels) {
  switch (cols.span) {
    case 1: return horizontal_row<kC, 1>(src, first_col, src_cols, dst, cols, channels);
    case 2: return horizontal_row<kC, 2>(src, first_col, src_cols, dst, cols, channels);
    case 4: return horizontal_row<kC, 4>(src, first_col, src_cols, dst, cols, channels);
    default: return horizontal_row<kC, 0>(src, first_col, src_cols, dst, cols, channels);
  }
}

template <class In, class Acc>
void horizontal(const In* src, int64_t first_col, int64_t src_cols, Acc* dst, const AxisWeights& cols,
                int64_t channels) {
  switch (channels) {
    case 1: return horizontal_span<1>(src, first_col, src_cols, dst, cols, channels);
    case 3: return horizontal_span<3>(src, first_col, src_cols, dst, cols, channels);
    case 4: return horizontal_span<4>(src, first_col, src_cols, dst, cols, channels);
    default: return horizontal_span<0>(src, first_col, src_cols, dst, cols, channels);
  }
}

// The taps of w with a non-zero weight (the others are padding, or zero
// weights at the borders, and their rows need not be read).
void nonzero_taps(const float* w, int64_t span, std::vector<int64_t>& taps) {
  taps.clear();
  for (int64_t k = 0; k < span; ++k)
    if (w[k] != 0.0f) taps.push_back(k);
}

// Copies n floats around the cache (non-temporal stores) where the target
// has them: a large output is not read again soon, and skipping the
// read-for-ownership of its lines saves a third of the memory traffic.
template <class Acc> void stream_copy(const Acc* src, int64_t n, Acc* dst) {
  int64_t i = 0;
#if defined(__AVX__)
  if constexpr (std::is_same_v<Acc, float>) {
    for (; i < n && reinterpret_cast<std::uintptr_t>(dst + i) % 32 != 0; ++i) dst[i] = src[i];
    for (; i + 8 <= n; i += 8) _mm256_stream_ps(dst + i, _mm256_loadu_ps(src + i));
  }
#endif
  std::copy(src + i, src + n, dst + i);
}

// dst[i] = sum over taps k of w[k] rows[k][i], i < n: contiguous streams the
// compiler vectorises, two taps per pass, over L1-sized chunks. With
// `stream` the chunks are built in a local buffer and streamed to dst
// (callers fence before the result is read).
template <class In, class Acc>
void vertical(const In* const* rows, const float* w, const std::vector<int64_t>& taps, int64_t n, Acc* dst,
              bool stream = false) {
  constexpr int64_t kChunk = 2048 / sizeof(Acc);
  alignas(64) Acc scratch[kChunk];
  const auto used = static_cast<int64_t>(taps.size());
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    const int64_t len = std::min(kChunk, n - i0);
    Acc* __restrict d = stream ? scratch : dst + i0;
    int64_t t = 0;
    if (used % 2 == 1) {
      const Acc wa = w[taps[0]];
      const In* __restrict a = rows[taps[0]] + i0;
      for (int64_t j = 0; j < len; ++j) d[j] = wa * static_cast<Acc>(a[j]);
      t = 1;
    } else if (used == 0) {
      std::fill(d, d + len, Acc(0));
    }
    for (; t + 1 < used; t += 2) {
      const Acc wa = w[taps[t]], wb = w[taps[t + 1]];
      const In* __restrict a = rows[taps[t]] + i0;
      const In* __restrict b = rows[taps[t + 1]] + i0;
      if (t == 0)
        for (int64_t j = 0; j < len; ++j) d[j] = wa * static_cast<Acc>(a[j]) + wb * static_cast<Acc>(b[j]);
      else
        for (int64_t j = 0; j < len; ++j) d[j] += wa * static_cast<Acc>(a[j]) + wb * static_cast<Acc>(b[j]);
    }
    if (stream) stream_copy(scratch, len, dst + i0);
  }
}

// One output row computed directly from the input rows it reads (both passes
// at once): dst[x] = sum over taps t of wy[t] sum_k wx[x][k] rows[t][start[x] + k].
// The same 4-lane pixel registers as horizontal_row for float RGB(A).
template <int kC, int kSpan, class In, class Acc>
void direct_row(const In* const* rows, const float* wy, const std::vector<int64_t>& taps, const AxisWeights& cols,
                int64_t channels, int64_t width, Acc* dst) {
  const int64_t C = kC > 0 ? kC : channels;
  const int64_t span = kSpan > 0 ? kSpan : cols.span;
  const int64_t out = cols.out_size;
  for (int64_t x = 0; x < out; ++x, dst += C) {
    const int64_t first = cols.start[x];
    const float* wx = cols.weights_of(x);
    if constexpr (std::is_same_v<Acc, float> && (kC == 3 || kC == 4)) {
      if (kC == 4 || first + span < width) {
        Float4 acc = {0, 0, 0, 0};
        for (const int64_t t : taps) {
          const In* p = rows[t] + first * kC;
          acc += wy[t] * taps4<kC>(p, wx, span);
        }
        if (kC == 4 || x + 1 < out)
          std::memcpy(dst, &acc, sizeof acc);
        else
          for (int c = 0; c < kC; ++c) dst[c] = acc[c];
        continue;
      }
    }
    for (int64_t c = 0; c < C; ++c) {
      Acc acc = 0;
      for (const int64_t t : taps) {
        const In* p = rows[t] + first * C + c;
        Acc h = 0;
        for (int64_t k = 0; k < span; ++k) h += static_cast<Acc>(wx[k]) * static_cast<Acc>(p[k * C]);
        acc += static_cast<Acc>(wy[t]) * h;
      }
      dst[c] = acc;
    }
  }
}

template <int kC, class In, class Acc>
void direct_span(const In* const* rows, const float* wy, const std::vector<int64_t>& taps, const AxisWeights& cols,
                 int64_t channels, int64_t width, Acc* dst) {
  switch (cols.span) {
    case 1: return direct_row<kC, 1>(rows, wy, taps, cols, channels, width, dst);
    case 2: return direct_row<kC, 2>(rows, wy, taps, cols, channels, width, dst);
    default: return direct_row<kC, 0>(rows, wy, taps, cols, channels, width, dst);
  }
}

// Outputs at least this large are written with non-temporal stores.
constexpr int64_t kStreamingBytes = int64_t{1} << 20;

// The input columns [first, last) that any output column reads.
std::pair<int64_t, int64_t> input_column_range(const AxisWeights& cols) {
  int64_t first = cols.in_size, last = 0;
  for (int64_t x = 0; x < cols.out_size; ++x) {
    first = std::min(first, cols.start[x]);
    last = std::max(last, cols.start[x] + cols.span);
  }
  return {first, last};
}

// Vertical pass first: per output row, combine whole input rows (restricted
// to the columns the horizontal pass reads) into a temporary row, then
// filter it horizontally. Best when the rows are long and the vertical taps
// many (antialiased downscaling).
template <class In, class Acc>
void run_vertical_first(const In* in, Acc* out, const Geometry& g, const SeparableMap& m, int64_t grain) {
  const AxisWeights& R = m.rows;
  const AxisWeights& X = m.cols;
  const int64_t C = g.channels, Ho = R.out_size, Wo = X.out_size;
  const auto [c0, c1] = input_column_range(X);
  const int64_t n = (c1 - c0) * C;
  eager::detail::parallel_for(g.batch * Ho, grain, [&](int64_t begin, int64_t end) {
    std::vector<Acc> tmp(n);
    std::vector<int64_t> taps;
    if constexpr (std::is_same_v<In, Acc>) {
      std::vector<const In*> ptrs(R.span);
      for (int64_t r = begin; r < end; ++r) {
        const int64_t b = r / Ho, y = r % Ho;
        const In* image = in + b * g.height * g.width * C;
        const float* w = R.weights_of(y);
        for (int64_t k = 0; k < R.span; ++k) ptrs[k] = image + ((R.start[y] + k) * g.width + c0) * C;
        nonzero_taps(w, R.span, taps);
        vertical(ptrs.data(), w, taps, n, tmp.data());
        horizontal(tmp.data(), c0, c1 - c0, out + r * Wo * C, X, C);
      }
    } else {
      // Other input types are converted a row at a time into a ring of the
      // last span + 1 rows: consecutive output rows share most of their
      // input rows, and each is converted once instead of once per reader.
      const int64_t capacity = R.span + 1;
      std::vector<Acc> ring(capacity * n);
      std::vector<int64_t> held(capacity, -1);
      std::vector<const Acc*> ptrs(R.span, nullptr);
      for (int64_t r = begin; r < end; ++r) {
        const int64_t b = r / Ho, y = r % Ho;
        const float* w = R.weights_of(y);
        nonzero_taps(w, R.span, taps);
        for (const int64_t k : taps) {
          const int64_t row = b * g.height + R.start[y] + k;
          Acc* slot = ring.data() + (row % capacity) * n;
          if (held[row % capacity] != row) {
            const In* src = in + (row * g.width + c0) * C;
            for (int64_t j = 0; j < n; ++j) slot[j] = static_cast<Acc>(src[j]);
            held[row % capacity] = row;
          }
          ptrs[k] = slot;
        }
        vertical(ptrs.data(), w, taps, n, tmp.data());
        horizontal(tmp.data(), c0, c1 - c0, out + r * Wo * C, X, C);
      }
    }
  });
}

// Horizontal pass first: per block of output rows, filter each input row
// that the block reads with a non-zero weight once, then combine those rows
// vertically. Best when few input rows are read (downscaling without
// antialias) or the output is wide.
template <class In, class Acc>
void run_horizontal_first(const In* in, Acc* out, const Geometry& g, const SeparableMap& m, int64_t grain) {
  constexpr int64_t kBlockRows = 32;
  const AxisWeights& R = m.rows;
  const AxisWeights& X = m.cols;
  const int64_t C = g.channels, Ho = R.out_size, Wo = X.out_size, row = Wo * C;
  const bool stream = g.batch * Ho * row * static_cast<int64_t>(sizeof(Acc)) >= kStreamingBytes;
  eager::detail::parallel_for(g.batch * Ho, grain, [&](int64_t begin, int64_t end) {
    std::vector<Acc> filtered;
    std::vector<int64_t> slot;
    std::vector<const Acc*> ptrs(R.span);
    std::vector<int64_t> taps;
    for (int64_t r0 = begin; r0 < end;) {
      const int64_t b = r0 / Ho, y0 = r0 % Ho;
      const int64_t y1 = std::min({Ho, y0 + (end - r0), y0 + kBlockRows});
      int64_t lo = g.height, hi = 0;
      for (int64_t y = y0; y < y1; ++y) {
        lo = std::min(lo, R.start[y]);
        hi = std::max(hi, R.start[y] + R.span);
      }
      slot.assign(hi - lo, -1);
      int64_t slots = 0;
      for (int64_t y = y0; y < y1; ++y) {
        const float* w = R.weights_of(y);
        for (int64_t k = 0; k < R.span; ++k)
          if (w[k] != 0.0f && slot[R.start[y] + k - lo] < 0) slot[R.start[y] + k - lo] = slots++;
      }
      filtered.resize(std::max<int64_t>(slots, 1) * row);
      const In* image = in + b * g.height * g.width * C;
      for (int64_t i = 0; i < hi - lo; ++i)
        if (slot[i] >= 0)
          horizontal(image + (lo + i) * g.width * C, 0, g.width, filtered.data() + slot[i] * row, X, C);
      for (int64_t y = y0; y < y1; ++y) {
        for (int64_t k = 0; k < R.span; ++k) {
          const int64_t s = slot[R.start[y] + k - lo];
          ptrs[k] = filtered.data() + std::max<int64_t>(s, 0) * row;
        }
        nonzero_taps(R.weights_of(y), R.span, taps);
        vertical(ptrs.data(), R.weights_of(y), taps, row, out + (b * Ho + y) * row, stream);
      }
      r0 += y1 - y0;
    }
    // Non-temporal stores are weakly ordered: fence before anyone reads out.
    if (stream) std::atomic_thread_fence(std::memory_order_seq_cst);
  });
}

// Both passes at once, output pixel by output pixel: no intermediate rows,
// and the input rows of an output row are read side by side, which keeps
// more memory reads in flight. Best with few taps on both axes when most
// input rows are skipped (downscaling without antialias).
template <class In, class Acc>
void run_direct(const In* in, Acc* out, const Geometry& g, const SeparableMap& m, int64_t grain) {
  const AxisWeights& R = m.rows;
  const AxisWeights& X = m.cols;
  const int64_t C = g.channels, Ho = R.out_size, Wo = X.out_size;
  eager::detail::parallel_for(g.batch * Ho, grain, [&](int64_t begin, int64_t end) {
    std::vector<const In*> ptrs(R.span);
    std::vector<int64_t> taps;
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / Ho, y = r % Ho;
      const In* image = in + b * g.height * g.width * C;
      const float* w = R.weights_of(y);
      for (int64_t k = 0; k < R.span; ++k) ptrs[k] = image + (R.start[y] + k) * g.width * C;
      nonzero_taps(w, R.span, taps);
      Acc* dst = out + r * Wo * C;
      switch (C) {
        case 3: direct_span<3>(ptrs.data(), w, taps, X, C, g.width, dst); break;
        case 4: direct_span<4>(ptrs.data(), w, taps, X, C, g.width, dst); break;
        default: direct_span<0>(ptrs.data(), w, taps, X, C, g.width, dst); break;
      }
    }
  });
}

// Input rows read with a non-zero weight (per image).
int64_t rows_read(const AxisWeights& rows) {
  std::vector<char> used(rows.in_size, 0);
  for (int64_t y = 0; y < rows.out_size; ++y) {
    const float* w = rows.weights_of(y);
    for (int64_t k = 0; k < rows.span; ++k)
      if (w[k] != 0.0f) used[rows.start[y] + k] = 1;
  }
  return std::count(used.begin(), used.end(), 1);
}

template <class In, class Acc>
void run_separable(const In* in, Acc* out, const Geometry& g, const SeparableMap& m, PassOrder order) {
  const AxisWeights& R = m.rows;
  const AxisWeights& X = m.cols;
  const int64_t C = g.channels, Ho = R.out_size, Wo = X.out_size;
  const auto [c0, c1] = input_column_range(X);
  // Work per image in multiply-adds; a horizontal tap (a strided gather)
  // costs about twice a vertical one (a contiguous, vectorised stream).
  const double vertical_first = double(Ho) * double((c1 - c0) * C * R.span) + 2.0 * double(Ho * Wo * C * X.span);
  const double horizontal_first = 2.0 * double(rows_read(R)) * double(Wo * C * X.span) + double(Ho * Wo * C * R.span);
  const double direct = 2.0 * double(Ho * Wo * C * X.span) * double(R.span);
  const double best = std::min({vertical_first, horizontal_first, direct});
  const double per_row = best / double(std::max<int64_t>(Ho, 1));
  const int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(65536.0 / std::max(per_row, 1.0)));
  if (order == PassOrder::Auto)
    order = direct == best           ? PassOrder::Direct
            : vertical_first == best ? PassOrder::VerticalFirst
                                     : PassOrder::HorizontalFirst;
  switch (order) {
    case PassOrder::Direct: return run_direct(in, out, g, m, grain);
    case PassOrder::VerticalFirst: return run_vertical_first(in, out, g, m, grain);
    default: return run_horizontal_first(in, out, g, m, grain);
  }
}

template <class T>
void run_gather(const T* in, T* out, const Geometry& g, const SeparableMap& m) {
  const AxisWeights& R = m.rows;
  const AxisWeights& X = m.cols;
  const int64_t C = g.channels, Ho = R.out_size, Wo = X.out_size;
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(Wo * C, 1));
  eager::detail::parallel_for(g.batch * Ho, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / Ho, y = r % Ho;
      const T* src = in + (b * g.height + R.start[y]) * g.width * C;
      T* dst = out + r * Wo * C;
      if (C == 3) {
        for (int64_t x = 0; x < Wo; ++x, dst += 3) {
          const T* p = src + X.start[x] * 3;
          dst[0] = p[0];
          dst[1] = p[1];
          dst[2] = p[2];
        }
      } else {
        for (int64_t x = 0; x < Wo; ++x, dst += C) std::copy(src + X.start[x] * C, src + (X.start[x] + 1) * C, dst);
      }
    }
  });
}

template <class Acc>
void dispatch_input(const Tensor& images, Tensor& out, const Geometry& g, const SeparableMap& map, PassOrder order) {
  Acc* o = out.mutable_data<Acc>();
  switch (images.dtype()) {
    case DType::UInt8: return run_separable(images.data<std::uint8_t>(), o, g, map, order);
    case DType::Float32: return run_separable(images.data<float>(), o, g, map, order);
    default: return run_separable(images.data<double>(), o, g, map, order);
  }
}

}  // namespace

SeparableMap transpose(const SeparableMap& map) { return {transpose(map.rows), transpose(map.cols)}; }

Tensor apply_separable(const Tensor& images, const SeparableMap& map, DType out_dtype, PassOrder order) {
  Tensor out = output_like(images, map, out_dtype);
  if (out.num_elements() == 0) return out;
  const Geometry g = geometry_of(images);
  if (out_dtype == DType::Float64)
    dispatch_input<double>(images, out, g, map, order);
  else
    dispatch_input<float>(images, out, g, map, order);
  return out;
}

Tensor gather_nearest(const Tensor& images, const SeparableMap& map) {
  Tensor out = output_like(images, map, images.dtype());
  if (out.num_elements() == 0) return out;
  const Geometry g = geometry_of(images);
  switch (images.dtype()) {
    case DType::UInt8: run_gather(images.data<std::uint8_t>(), out.mutable_data<std::uint8_t>(), g, map); break;
    case DType::Float32: run_gather(images.data<float>(), out.mutable_data<float>(), g, map); break;
    default: run_gather(images.data<double>(), out.mutable_data<double>(), g, map); break;
  }
  return out;
}

Geometry geometry_of(const Tensor& images) {
  const Shape& s = images.shape();
  if (s.rank() == 3) return {1, s[0], s[1], s[2]};
  return {s[0], s[1], s[2], s[3]};
}

Tensor output_like(const Tensor& images, const SeparableMap& map, DType dtype) {
  Shape shape = images.shape();
  const int h = shape.rank() - 3;
  shape[h] = map.rows.out_size;
  shape[h + 1] = map.cols.out_size;
  return Tensor::empty(shape, dtype, images.device());
}

}  // namespace eager::image::detail
