// The colour kernels on the GPU. Each element runs the CPU kernels' own
// formulas (image/color_math.hpp) with every product rounded on its own, so
// the results are the CPU's bit for bit:
//   - adjust_hue, adjust_saturation, rgb_to_hsv, hsv_to_rgb on uint8
//     (hue/saturation only), float32 and float64 pixels;
//   - uint8 <-> float conversions (convert_image_dtype's one-pass forms) and
//     the 256-entry uint8 table behind brightness and gamma.
// adjust_contrast accumulates its per-image, per-channel means in double as
// the CPU does, in another order (a tree per block of pixels, then the
// blocks in order), so a float64 mean may differ in its last bit; float32
// means round to the CPU's except where the double sums straddle a float32
// rounding boundary.
#include <cstdint>

#include "cuda/cuda_common.hpp"
#include "image/color_math.hpp"
#include "image/image_kernels.hpp"

namespace eager::image::detail {
namespace {

namespace cuda = eager::detail::cuda;
using std::int64_t;

__device__ inline int64_t first_index() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ inline int64_t grid_stride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// Pixels are interleaved RGB triples; T is the type the formulas run in.
template <class In, class T, class PixelFn>
__global__ void pixel_kernel(const In* src, In* dst, int64_t pixels, PixelFn fn) {
  for (int64_t p = first_index(); p < pixels; p += grid_stride()) {
    T r = pixel::load_value<In, T>(src[3 * p]);
    T g = pixel::load_value<In, T>(src[3 * p + 1]);
    T b = pixel::load_value<In, T>(src[3 * p + 2]);
    fn(r, g, b);
    dst[3 * p] = pixel::store_value<In, T>(r);
    dst[3 * p + 1] = pixel::store_value<In, T>(g);
    dst[3 * p + 2] = pixel::store_value<In, T>(b);
  }
}

template <class In, class T, class PixelFn>
void launch_pixels(const Tensor& in, Tensor& out, PixelFn fn, const char* op) {
  const int64_t pixels = in.num_elements() / 3;
  pixel_kernel<In, T><<<cuda::grid_size(pixels), cuda::kBlockSize, 0, cuda::current_stream()>>>(
      static_cast<const In*>(in.raw_data()), static_cast<In*>(out.raw_mutable_data()), pixels, fn);
  cuda::check_launch(op);
}

template <class In, class T> void pixel_op_typed(PixelOp op, const Tensor& in, Tensor& out, double param) {
  switch (op) {
    case PixelOp::AdjustHue:
      return launch_pixels<In, T>(in, out, pixel::RotateHue<T>::from_delta(param), "image::adjust_hue");
    case PixelOp::AdjustSaturation:
      return launch_pixels<In, T>(in, out, pixel::ScaleSaturation<T>{static_cast<T>(param)},
                                  "image::adjust_saturation");
    case PixelOp::RgbToHsv: return launch_pixels<In, T>(in, out, pixel::ToHsv<T>{}, "image::rgb_to_hsv");
    case PixelOp::HsvToRgb: return launch_pixels<In, T>(in, out, pixel::FromHsv<T>{}, "image::hsv_to_rgb");
  }
}

void cuda_pixel_op(PixelOp op, const Tensor& in, Tensor& out, double param) {
  switch (in.dtype()) {
    case DType::UInt8: return pixel_op_typed<std::uint8_t, float>(op, in, out, param);
    case DType::Float32: return pixel_op_typed<float, float>(op, in, out, param);
    default: return pixel_op_typed<double, double>(op, in, out, param);
  }
}

// ---- adjust_contrast ----------------------------------------------------------

// Pixels of one channel summed per block of work.
constexpr int64_t kChunkPixels = 8192;

// Block `job` of the grid-stride loop sums, in double, chunk (job % chunks)
// of channel c of image b, (b, c) = job / chunks: strided per thread, then a
// tree in shared memory. kBlockSize is a power of two.
template <class T>
__global__ void contrast_partial_sums(const T* src, int64_t hw, int64_t channels, int64_t chunks, int64_t jobs,
                                      double* partial) {
  __shared__ double sums[cuda::kBlockSize];
  for (int64_t job = blockIdx.x; job < jobs; job += gridDim.x) {
    const int64_t pair = job / chunks, chunk = job % chunks;
    const T* image = src + (pair / channels) * hw * channels + pair % channels;
    const int64_t first = chunk * kChunkPixels;
    const int64_t last = first + kChunkPixels < hw ? first + kChunkPixels : hw;
    double acc = 0;
    for (int64_t p = first + threadIdx.x; p < last; p += blockDim.x) acc += static_cast<double>(image[p * channels]);
    sums[threadIdx.x] = acc;
    __syncthreads();
    for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
      if (threadIdx.x < half) sums[threadIdx.x] += sums[threadIdx.x + half];
      __syncthreads();
    }
    if (threadIdx.x == 0) partial[job] = sums[0];
    __syncthreads();  // sums[0] is read before the next job overwrites it
  }
}

// mean[pair] = T(sum of the pair's chunks, in order, / hw), as the CPU
// divides its double sum and rounds once.
template <class T>
__global__ void contrast_means(const double* partial, int64_t chunks, int64_t pairs, int64_t hw, T* means) {
  for (int64_t pair = first_index(); pair < pairs; pair += grid_stride()) {
    double sum = 0;
    for (int64_t k = 0; k < chunks; ++k) sum += partial[pair * chunks + k];
    means[pair] = static_cast<T>(sum / static_cast<double>(hw));
  }
}

template <class T>
__global__ void contrast_apply(const T* src, T* dst, int64_t n, int64_t image_size, int64_t channels, const T* means,
                               T factor) {
  for (int64_t e = first_index(); e < n; e += grid_stride())
    dst[e] = pixel::contrast(src[e], means[(e / image_size) * channels + e % channels], factor);
}

template <class T> void contrast_typed(const Tensor& in, Tensor& out, double factor) {
  const Shape& s = in.shape();
  const int64_t h = s[s.rank() - 3], w = s[s.rank() - 2], c = s[s.rank() - 1];
  const int64_t hw = h * w, n = in.num_elements();
  const int64_t pairs = n / hw;  // images * channels
  const int64_t chunks = (hw + kChunkPixels - 1) / kChunkPixels;
  const T* src = static_cast<const T*>(in.raw_data());
  const cuda::Scratch partial(static_cast<std::size_t>(pairs * chunks) * sizeof(double));
  const cuda::Scratch means(static_cast<std::size_t>(pairs) * sizeof(T));
  const cudaStream_t stream = cuda::current_stream();
  contrast_partial_sums<T><<<cuda::grid_size(pairs * chunks * cuda::kBlockSize), cuda::kBlockSize, 0, stream>>>(
      src, hw, c, chunks, pairs * chunks, partial.as<double>());
  cuda::check_launch("image::adjust_contrast (sums)");
  contrast_means<T><<<cuda::grid_size(pairs), cuda::kBlockSize, 0, stream>>>(partial.as<double>(), chunks, pairs, hw,
                                                                            means.as<T>());
  cuda::check_launch("image::adjust_contrast (means)");
  contrast_apply<T><<<cuda::grid_size(n), cuda::kBlockSize, 0, stream>>>(
      src, static_cast<T*>(out.raw_mutable_data()), n, hw * c, c, means.as<T>(), static_cast<T>(factor));
  cuda::check_launch("image::adjust_contrast");
}

void cuda_adjust_contrast(const Tensor& in, Tensor& out, double factor) {
  if (in.dtype() == DType::Float32)
    contrast_typed<float>(in, out, factor);
  else
    contrast_typed<double>(in, out, factor);
}

// ---- uint8 tables and conversions -------------------------------------------------

struct Table {
  std::uint8_t values[256];
};

// The table goes to shared memory: lookups at scattered indices in the
// parameter (constant) bank would serialise within a warp.
__global__ void lut_kernel(const std::uint8_t* src, std::uint8_t* dst, int64_t n, Table table) {
  __shared__ std::uint8_t shared[256];
  for (unsigned i = threadIdx.x; i < 256; i += blockDim.x) shared[i] = table.values[i];
  __syncthreads();
  for (int64_t e = first_index(); e < n; e += grid_stride()) dst[e] = shared[src[e]];
}

void cuda_apply_lut(const Tensor& in, Tensor& out, const std::uint8_t (&lut)[256]) {
  Table table;
  for (int v = 0; v < 256; ++v) table.values[v] = lut[v];
  const int64_t n = in.num_elements();
  lut_kernel<<<cuda::grid_size(n), cuda::kBlockSize, 0, cuda::current_stream()>>>(
      static_cast<const std::uint8_t*>(in.raw_data()), static_cast<std::uint8_t*>(out.raw_mutable_data()), n, table);
  cuda::check_launch("image uint8 table");
}

template <class T> __global__ void uint8_to_float_kernel(const std::uint8_t* src, T* dst, int64_t n) {
  for (int64_t e = first_index(); e < n; e += grid_stride()) dst[e] = pixel::unit_from_uint8<T>(src[e]);
}

template <class T> __global__ void float_to_uint8_kernel(const T* src, std::uint8_t* dst, int64_t n) {
  for (int64_t e = first_index(); e < n; e += grid_stride()) dst[e] = pixel::uint8_from_unit(src[e]);
}

void cuda_uint8_to_float(const Tensor& in, Tensor& out) {
  const int64_t n = in.num_elements();
  const auto* src = static_cast<const std::uint8_t*>(in.raw_data());
  if (out.dtype() == DType::Float32)
    uint8_to_float_kernel<float><<<cuda::grid_size(n), cuda::kBlockSize, 0, cuda::current_stream()>>>(
        src, static_cast<float*>(out.raw_mutable_data()), n);
  else
    uint8_to_float_kernel<double><<<cuda::grid_size(n), cuda::kBlockSize, 0, cuda::current_stream()>>>(
        src, static_cast<double*>(out.raw_mutable_data()), n);
  cuda::check_launch("image::convert_image_dtype (uint8 to float)");
}

void cuda_float_to_uint8(const Tensor& in, Tensor& out) {
  const int64_t n = in.num_elements();
  auto* dst = static_cast<std::uint8_t*>(out.raw_mutable_data());
  if (in.dtype() == DType::Float32)
    float_to_uint8_kernel<float><<<cuda::grid_size(n), cuda::kBlockSize, 0, cuda::current_stream()>>>(
        static_cast<const float*>(in.raw_data()), dst, n);
  else
    float_to_uint8_kernel<double><<<cuda::grid_size(n), cuda::kBlockSize, 0, cuda::current_stream()>>>(
        static_cast<const double*>(in.raw_data()), dst, n);
  cuda::check_launch("image::convert_image_dtype (float to uint8)");
}

}  // namespace

void register_cuda_color_kernels(ImageKernels& k) {
  k.pixel_op = &cuda_pixel_op;
  k.adjust_contrast = &cuda_adjust_contrast;
  k.apply_lut = &cuda_apply_lut;
  k.uint8_to_float = &cuda_uint8_to_float;
  k.float_to_uint8 = &cuda_float_to_uint8;
}

}  // namespace eager::image::detail
