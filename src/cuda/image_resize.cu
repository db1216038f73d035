// resize on the GPU: the weight tables are computed on the host by the CPU's
// own code (resize_weights.cpp, TF's float32 numbers), uploaded in one copy,
// and applied by two one-axis passes (resize_math.hpp: the arithmetic, the
// pass order and its rounding are documented there). Gradients use the same
// kernels with the transposed tables, so every method is differentiable on
// the GPU as on the CPU.
#include <cstdint>
#include <cstring>
#include <vector>

#include "cuda/cuda_common.hpp"
#include "tensor/device_runtime.hpp"
#include "image/image_kernels.hpp"
#include "image/resize_math.hpp"

namespace eager::image::detail {
namespace {

namespace cuda = eager::detail::cuda;
using std::int64_t;

// start and weights of both axes in one block of device memory:
// [rows.start][cols.start][rows.weights][cols.weights], int64 first so that
// every part stays aligned.
class DeviceTables {
 public:
  explicit DeviceTables(const SeparableMap& map)
      : rows_start_bytes_(map.rows.start.size() * sizeof(int64_t)),
        cols_start_bytes_(map.cols.start.size() * sizeof(int64_t)),
        rows_weight_bytes_(map.rows.weights.size() * sizeof(float)),
        cols_weight_bytes_(map.cols.weights.size() * sizeof(float)),
        memory_(rows_start_bytes_ + cols_start_bytes_ + rows_weight_bytes_ + cols_weight_bytes_) {
    std::vector<unsigned char> host(rows_start_bytes_ + cols_start_bytes_ + rows_weight_bytes_ + cols_weight_bytes_);
    unsigned char* p = host.data();
    std::memcpy(p, map.rows.start.data(), rows_start_bytes_);
    std::memcpy(p += rows_start_bytes_, map.cols.start.data(), cols_start_bytes_);
    std::memcpy(p += cols_start_bytes_, map.rows.weights.data(), rows_weight_bytes_);
    std::memcpy(p += rows_weight_bytes_, map.cols.weights.data(), cols_weight_bytes_);
    // The runtime's transfer returns once `host` is consumed (into pinned
    // staging), and is ordered before the kernels queued after it.
    eager::detail::cuda_runtime()->copy_host_to_device(memory_.get(), cuda::current_device(), host.data(),
                                                       host.size());
  }

  const int64_t* rows_start() const { return reinterpret_cast<const int64_t*>(base()); }
  const int64_t* cols_start() const { return reinterpret_cast<const int64_t*>(base() + rows_start_bytes_); }
  const float* rows_weights() const {
    return reinterpret_cast<const float*>(base() + rows_start_bytes_ + cols_start_bytes_);
  }
  const float* cols_weights() const {
    return reinterpret_cast<const float*>(base() + rows_start_bytes_ + cols_start_bytes_ + rows_weight_bytes_);
  }

 private:
  const unsigned char* base() const { return memory_.as<unsigned char>(); }

  std::size_t rows_start_bytes_, cols_start_bytes_, rows_weight_bytes_, cols_weight_bytes_;
  cuda::Scratch memory_;
};

template <class Acc, class Src> __global__ void axis_pass_kernel(AxisPass pass, const Src* src, Acc* dst, int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < n; e += stride)
    dst[e] = axis_pass_value<Acc>(pass, src, e);
}

template <class T>
__global__ void nearest_kernel(const T* src, T* dst, int64_t n, int64_t height, int64_t width, int64_t channels,
                               int64_t out_rows, int64_t out_cols, const int64_t* row_start, const int64_t* col_start) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < n; e += stride)
    dst[e] = src[nearest_source(e, height, width, channels, out_rows, out_cols, row_start, col_start)];
}

template <class Acc, class Src> void launch_pass(const AxisPass& pass, const Src* src, Acc* dst, const char* what) {
  const int64_t n = pass.out_elements();
  axis_pass_kernel<Acc, Src><<<cuda::grid_size(n), cuda::kBlockSize, 0, cuda::current_stream()>>>(pass, src, dst, n);
  cuda::check_launch(what);
}


template <class Acc, class In> void run_two_passes(const Tensor& images, const SeparableMap& map, Tensor& out) {
  const Geometry d = geometry_of(images);
  TwoPassPlan plan = plan_two_passes(d.batch, d.height, d.width, d.channels, map.rows.out_size, map.rows.span,
                                     map.cols.out_size, map.cols.span);
  const DeviceTables tables(map);
  plan.rows.start = tables.rows_start();
  plan.rows.weights = tables.rows_weights();
  plan.cols.start = tables.cols_start();
  plan.cols.weights = tables.cols_weights();
  const cuda::Scratch intermediate(static_cast<std::size_t>(plan.intermediate) * sizeof(Acc));
  const In* in = static_cast<const In*>(images.raw_data());
  launch_pass(plan.first(), in, intermediate.as<Acc>(), "image::resize (first pass)");
  launch_pass(plan.second(), static_cast<const Acc*>(intermediate.as<Acc>()), static_cast<Acc*>(out.raw_mutable_data()),
              "image::resize (second pass)");
}

template <class Acc> void run_for_input(const Tensor& images, const SeparableMap& map, Tensor& out) {
  switch (images.dtype()) {
    case DType::UInt8: return run_two_passes<Acc, std::uint8_t>(images, map, out);
    case DType::Float32: return run_two_passes<Acc, float>(images, map, out);
    default: return run_two_passes<Acc, double>(images, map, out);
  }
}

Tensor cuda_apply_separable(const Tensor& images, const SeparableMap& map, DType out_dtype) {
  Tensor out = output_like(images, map, out_dtype);
  if (out.num_elements() == 0) return out;
  if (out_dtype == DType::Float64)
    run_for_input<double>(images, map, out);
  else
    run_for_input<float>(images, map, out);
  return out;
}

template <class T> void run_nearest(const Tensor& images, const SeparableMap& map, Tensor& out) {
  const Geometry d = geometry_of(images);
  const DeviceTables tables(map);
  const int64_t n = out.num_elements();
  nearest_kernel<T><<<cuda::grid_size(n), cuda::kBlockSize, 0, cuda::current_stream()>>>(
      static_cast<const T*>(images.raw_data()), static_cast<T*>(out.raw_mutable_data()), n, d.height, d.width,
      d.channels, map.rows.out_size, map.cols.out_size, tables.rows_start(), tables.cols_start());
  cuda::check_launch("image::resize (nearest)");
}

Tensor cuda_gather_nearest(const Tensor& images, const SeparableMap& map) {
  Tensor out = output_like(images, map, images.dtype());
  if (out.num_elements() == 0) return out;
  switch (images.dtype()) {
    case DType::UInt8: run_nearest<std::uint8_t>(images, map, out); break;
    case DType::Float32: run_nearest<float>(images, map, out); break;
    default: run_nearest<double>(images, map, out); break;
  }
  return out;
}

}  // namespace

void register_cuda_resize_kernels(ImageKernels& k) {
  k.apply_separable = &cuda_apply_separable;
  k.gather_nearest = &cuda_gather_nearest;
}

}  // namespace eager::image::detail
