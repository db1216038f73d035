// CUDA matmul: cuBLAS for float32 and float64 (one strided batched GEMM per
// call, broadcast operands with batch stride 0), the tiled kernel of
// matmul_int.cu for the integer dtypes.
//
// eager's matrices are row-major and cuBLAS's column-major. A row-major
// [r, c] matrix read column-major is its transpose, so C = op(A) op(B) is
// computed as C^T = op(B)^T op(A)^T: cuBLAS gets B before A, n before m, and
// each operand's own transpose flag; the leading dimensions are the stored
// row lengths.
//
// float32 runs with CUBLAS_COMPUTE_32F (true float32 products, as on the
// CPU) unless eager::cuda::set_allow_tf32(true) was called, then with
// CUBLAS_COMPUTE_32F_FAST_TF32. The compute type is passed per call rather
// than set on the handle, so threads sharing a device's handle never race on
// its math mode; the handle itself stays in CUBLAS_DEFAULT_MATH, which never
// uses TF32 for CUBLAS_COMPUTE_32F.
#include <cublas_v2.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "cuda/cuda_common.hpp"
#include "cuda/matmul_int.hpp"
#include "eager/error.hpp"
#include "tensor/registry.hpp"

namespace eager::detail::cuda {

namespace {

std::string describe_product(const MatmulArgs& a, const char* dtype) {
  const auto dims = [](std::int64_t r, std::int64_t c) {
    std::string s = "(";
    s += std::to_string(r);
    s += ", ";
    s += std::to_string(c);
    return s + ")";
  };
  const char* stored_transposed = " stored transposed";
  return std::string(dtype) + " batch " + std::to_string(a.batch) + " of " + dims(a.m, a.k) +
         (a.transpose_a ? stored_transposed : "") + " @ " + dims(a.k, a.n) + (a.transpose_b ? stored_transposed : "") +
         " on /device:GPU:" + std::to_string(current_device());
}

[[noreturn]] void throw_cublas(cublasStatus_t status, const std::string& call, const std::string& what) {
  const std::string message = "matmul: " + call + " failed with " + cublasGetStatusName(status) + " (" +
                              cublasGetStatusString(status) + ") for " + what;
  if (status == CUBLAS_STATUS_ALLOC_FAILED) throw ResourceExhausted(message);
  if (status == CUBLAS_STATUS_NOT_INITIALIZED || status == CUBLAS_STATUS_ARCH_MISMATCH) throw Unavailable(message);
  throw Internal(message);
}

// One cuBLAS handle per device, bound to the device's stream, created on
// first use. Handles live until the process ends: destroying them from a
// static destructor could run after the CUDA runtime has shut down.
class Handles {
 public:
  cublasHandle_t get(int device) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (static_cast<std::size_t>(device) >= handles_.size()) handles_.resize(static_cast<std::size_t>(device) + 1);
    cublasHandle_t& handle = handles_[static_cast<std::size_t>(device)];
    if (handle == nullptr) {
      const std::string where = "/device:GPU:" + std::to_string(device);
      cublasHandle_t made = nullptr;
      // cublasCreate binds the handle to the current device, which
      // current_device() has made `device`.
      if (const cublasStatus_t s = cublasCreate(&made); s != CUBLAS_STATUS_SUCCESS)
        throw_cublas(s, "cublasCreate", where);
      if (const cublasStatus_t s = cublasSetStream(made, stream_for(device)); s != CUBLAS_STATUS_SUCCESS) {
        cublasDestroy(made);
        throw_cublas(s, "cublasSetStream", where);
      }
      handle = made;
    }
    return handle;
  }

 private:
  std::mutex mutex_;
  std::vector<cublasHandle_t> handles_;
};

cublasHandle_t handle_for(int device) {
  static Handles* const handles = new Handles;  // never destroyed, see Handles
  return handles->get(device);
}

template <class T> void blas_matmul(const MatmulArgs& a) {
  constexpr bool kFloat = std::is_same_v<T, float>;
  const char* dtype = kFloat ? "float32" : "float64";
  constexpr std::int64_t kMaxDim = std::numeric_limits<int>::max();
  // cuBLAS's 32-bit interface; the dispatcher refuses larger dimensions too.
  if (a.m > kMaxDim || a.n > kMaxDim || a.k > kMaxDim)
    throw InvalidArgument("matmul: matrix dimensions above 2^31 - 1 are not supported on the GPU, got " +
                          describe_product(a, dtype));
  const int device = current_device();
  cublasHandle_t handle = handle_for(device);
  const int m = static_cast<int>(a.m), n = static_cast<int>(a.n), k = static_cast<int>(a.k);
  const int lda = a.transpose_a ? m : k, ldb = a.transpose_b ? k : n;
  const cublasOperation_t op_a = a.transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = a.transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cudaDataType_t type = kFloat ? CUDA_R_32F : CUDA_R_64F;
  const cublasComputeType_t compute =
      kFloat ? (allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F) : CUBLAS_COMPUTE_64F;
  const T alpha = 1, beta = 0;
  const T* A = static_cast<const T*>(a.a);
  const T* B = static_cast<const T*>(a.b);
  T* C = static_cast<T*>(a.out);
  const std::int64_t stride_c = a.m * a.n;
  // cuBLAS counts batches in an int: larger batches go in pieces.
  for (std::int64_t first = 0; first < a.batch;) {
    const int count = static_cast<int>(std::min<std::int64_t>(a.batch - first, std::numeric_limits<int>::max()));
    const cublasStatus_t status = cublasGemmStridedBatchedEx(
        handle, op_b, op_a, n, m, k, &alpha, B + first * a.batch_stride_b, type, ldb, a.batch_stride_b,
        A + first * a.batch_stride_a, type, lda, a.batch_stride_a, &beta, C + first * stride_c, type, n, stride_c,
        count, compute, CUBLAS_GEMM_DEFAULT);
    if (status != CUBLAS_STATUS_SUCCESS) throw_cublas(status, "cublasGemmStridedBatchedEx", describe_product(a, dtype));
    first += count;
  }
}

}  // namespace

}  // namespace eager::detail::cuda

namespace eager::detail {

void register_cuda_matmul_kernels(Registry& r) {
  r.matmul.at(DeviceType::CUDA, DType::Float32) = &cuda::blas_matmul<float>;
  r.matmul.at(DeviceType::CUDA, DType::Float64) = &cuda::blas_matmul<double>;
  cuda::register_int_matmul_kernels(r);
}

}  // namespace eager::detail
