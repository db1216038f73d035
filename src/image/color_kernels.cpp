// TensorFlow's per-pixel colour kernels, rewritten without branches.
//
// TF's adjust_hue and adjust_saturation kernels are scalar loops with a
// switch on the hue sextant; on real images those branches mispredict often.
// Here every pixel runs the same straight-line code (color_math.hpp) on
// xsimd batches, the branches becoming selects, so the compiler keeps 8
// (AVX2 float) pixels in flight. Pixels are interleaved (RGBRGB...) in
// memory; blocks of kBlock pixels are split into three planes, computed, and
// interleaved back, which keeps the arithmetic on full vectors and the
// planes in L1.
//
// Contraction is off: TF's kernels round every product, and so does the
// CUDA build of the same formulas, so CPU and GPU give the same bits.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "image/color_kernels.hpp"

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "image/color_math.hpp"
#include "tensor/thread_pool.hpp"

namespace eager::image::detail {
namespace {

constexpr std::int64_t kBlock = 256;   // pixels per block: a multiple of every batch width
constexpr std::int64_t kGrain = 8192;  // pixels per task of the thread pool

// Runs fn(r, g, b, count) on planes of up to kBlock pixels; count is rounded
// up to a whole number of batches, the padding lanes being zeros.
template <class In, class T, class Fn>
void for_each_block(const In* src, In* dst, std::int64_t pixels, const Fn& fn) {
  constexpr std::int64_t width = static_cast<std::int64_t>(xsimd::batch<T>::size);
  eager::detail::parallel_for(pixels, kGrain, [&](std::int64_t begin, std::int64_t end) {
    alignas(64) T r[kBlock], g[kBlock], b[kBlock];
    for (std::int64_t start = begin; start < end; start += kBlock) {
      const std::int64_t n = std::min(kBlock, end - start);
      const std::int64_t padded = (n + width - 1) / width * width;
      const In* s = src + 3 * start;
      for (std::int64_t i = 0; i < n; ++i) {
        r[i] = pixel::load_value<In, T>(s[3 * i]);
        g[i] = pixel::load_value<In, T>(s[3 * i + 1]);
        b[i] = pixel::load_value<In, T>(s[3 * i + 2]);
      }
      for (std::int64_t i = n; i < padded; ++i) r[i] = g[i] = b[i] = T(0);
      fn(r, g, b, padded);
      In* d = dst + 3 * start;
      for (std::int64_t i = 0; i < n; ++i) {
        d[3 * i] = pixel::store_value<In, T>(r[i]);
        d[3 * i + 1] = pixel::store_value<In, T>(g[i]);
        d[3 * i + 2] = pixel::store_value<In, T>(b[i]);
      }
    }
  });
}

// Applies a per-pixel functor of color_math.hpp to the planes, one xsimd
// batch of pixels at a time, with the functor inlined (GCC would otherwise
// call the larger ones once per batch).
template <class T, class PixelFn> auto on_planes(PixelFn fn) {
  return [fn](T* r, T* g, T* b, std::int64_t n) __attribute__((flatten)) {
    using V = xsimd::batch<T>;
    for (std::int64_t i = 0; i < n; i += static_cast<std::int64_t>(V::size)) {
      V R = V::load_aligned(r + i), G = V::load_aligned(g + i), B = V::load_aligned(b + i);
      fn(R, G, B);
      R.store_aligned(r + i);
      G.store_aligned(g + i);
      B.store_aligned(b + i);
    }
  };
}

template <class In, class T> void run_typed(PixelOp op, const Tensor& in, Tensor& out, double param) {
  const In* src = in.data<In>();
  In* dst = out.mutable_data<In>();
  const std::int64_t pixels = in.num_elements() / 3;
  switch (op) {
    case PixelOp::AdjustHue:
      for_each_block<In, T>(src, dst, pixels, on_planes<T>(pixel::RotateHue<T>::from_delta(param)));
      break;
    case PixelOp::AdjustSaturation:
      for_each_block<In, T>(src, dst, pixels, on_planes<T>(pixel::ScaleSaturation<T>{static_cast<T>(param)}));
      break;
    case PixelOp::RgbToHsv:
      for_each_block<In, T>(src, dst, pixels, on_planes<T>(pixel::ToHsv<T>{}));
      break;
    case PixelOp::HsvToRgb:
      for_each_block<In, T>(src, dst, pixels, on_planes<T>(pixel::FromHsv<T>{}));
      break;
  }
}

// One image at a time: column sums over row blocks (contiguous adds in
// double, one partial row per block), folded into per-channel means; then
// every row at once as (x - mean_row) * factor + mean_row with the means
// tiled along a row, which vectorises however few channels there are.
template <class T>
void contrast_typed(const T* src, T* dst, std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c,
                    T factor) {
  const std::int64_t row = w * c;
  std::vector<T> mean_rows(static_cast<std::size_t>(batch * row));
  const std::int64_t blocks = std::min<std::int64_t>(h, 2 * eager::detail::ThreadPool::instance().num_threads());
  std::vector<double> partial(static_cast<std::size_t>(blocks * row));
  for (std::int64_t b = 0; b < batch; ++b) {
    const T* image = src + b * h * row;
    std::fill(partial.begin(), partial.end(), 0.0);
    eager::detail::parallel_for(blocks, 1, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t k = first; k < last; ++k) {
        double* sums = partial.data() + k * row;
        for (std::int64_t y = h * k / blocks; y < h * (k + 1) / blocks; ++y) {
          const T* line = image + y * row;
          for (std::int64_t j = 0; j < row; ++j) sums[j] += static_cast<double>(line[j]);
        }
      }
    });
    std::vector<double> channel(static_cast<std::size_t>(c), 0.0);
    for (std::int64_t k = 0; k < blocks; ++k)
      for (std::int64_t j = 0; j < row; ++j) channel[static_cast<std::size_t>(j % c)] += partial[k * row + j];
    T* mean_row = mean_rows.data() + b * row;
    for (std::int64_t j = 0; j < row; ++j)
      mean_row[j] = static_cast<T>(channel[static_cast<std::size_t>(j % c)] / static_cast<double>(h * w));
  }
  eager::detail::parallel_for(batch * h, std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(row, 1)),
                              [&](std::int64_t first, std::int64_t last) {
                                for (std::int64_t y = first; y < last; ++y) {
                                  const T* mean = mean_rows.data() + (y / h) * row;
                                  const T* x = src + y * row;
                                  T* o = dst + y * row;
                                  for (std::int64_t j = 0; j < row; ++j) o[j] = pixel::contrast(x[j], mean[j], factor);
                                }
                              });
}

}  // namespace

void adjust_contrast(const Tensor& in, Tensor& out, double factor) {
  const Shape& s = in.shape();
  const std::int64_t h = s[s.rank() - 3], w = s[s.rank() - 2], c = s[s.rank() - 1];
  const std::int64_t batch = in.num_elements() / (h * w * c);
  if (in.dtype() == DType::Float32) {
    contrast_typed(in.data<float>(), out.mutable_data<float>(), batch, h, w, c, static_cast<float>(factor));
  } else {
    contrast_typed(in.data<double>(), out.mutable_data<double>(), batch, h, w, c, factor);
  }
}

void run_pixel_op(PixelOp op, const Tensor& in, Tensor& out, double param) {
  switch (in.dtype()) {
    case DType::UInt8: run_typed<std::uint8_t, float>(op, in, out, param); break;
    case DType::Float32: run_typed<float, float>(op, in, out, param); break;
    case DType::Float64: run_typed<double, double>(op, in, out, param); break;
    default: break;  // the dispatchers admit only these
  }
}

// The byte loops below work on local copies of the pointers and the table: a
// uint8 store may alias anything, so through the lambda's captures the
// compiler would reload them on every element.
void apply_lut(const Tensor& in, Tensor& out, const std::uint8_t (&lut)[256]) {
  const std::uint8_t* const src_base = in.data<std::uint8_t>();
  std::uint8_t* const dst_base = out.mutable_data<std::uint8_t>();
  eager::detail::parallel_for(in.num_elements(), 1 << 16, [&](std::int64_t begin, std::int64_t end) {
    std::uint8_t table[256];
    std::copy(lut, lut + 256, table);
    const std::uint8_t* src = src_base;
    std::uint8_t* dst = dst_base;
    for (std::int64_t i = begin; i < end; ++i) dst[i] = table[src[i]];
  });
}

void uint8_to_float(const Tensor& in, Tensor& out) {
  const std::uint8_t* src = in.data<std::uint8_t>();
  const auto run = [&](auto* dst) {
    using T = std::remove_pointer_t<decltype(dst)>;
    eager::detail::parallel_for(in.num_elements(), 1 << 16, [&, dst](std::int64_t begin, std::int64_t end) {
      T table[256];
      for (int v = 0; v < 256; ++v) table[v] = pixel::unit_from_uint8<T>(static_cast<std::uint8_t>(v));
      const std::uint8_t* s = src;
      T* d = dst;
      for (std::int64_t i = begin; i < end; ++i) d[i] = table[s[i]];
    });
  };
  if (out.dtype() == DType::Float32) {
    run(out.mutable_data<float>());
  } else {
    run(out.mutable_data<double>());
  }
}

void float_to_uint8(const Tensor& in, Tensor& out) {
  std::uint8_t* const dst_base = out.mutable_data<std::uint8_t>();
  const auto run = [&](const auto* src_base) {
    eager::detail::parallel_for(in.num_elements(), 1 << 15, [&](std::int64_t begin, std::int64_t end) {
      const auto* src = src_base;
      std::uint8_t* dst = dst_base;
      for (std::int64_t i = begin; i < end; ++i) dst[i] = pixel::uint8_from_unit(src[i]);
    });
  };
  if (in.dtype() == DType::Float32) {
    run(in.data<float>());
  } else {
    run(in.data<double>());
  }
}

}  // namespace eager::image::detail
