// Dispatch of matmul: shape checks, dtype promotion, batch broadcasting and
// choosing operand layouts so that contiguous matrices and transposed views of
// them reach the kernel without a copy.
#include <cstdint>
#include <limits>
#include <string>

#include "autograd/grad_array.hpp"
#include "autograd/gradients.hpp"
#include "dispatch.hpp"
#include "eager/creation.hpp"
#include "eager/linalg.hpp"
#include "eager/math.hpp"
#include "trace_scope.hpp"

namespace eager {

namespace detail {
namespace {

// One operand as the kernel reads it: `batch` matrices of rows x cols stored
// row-major `batch_stride` elements apart (0: the same matrix for every
// batch), transposed by the kernel when `transpose` is set.
struct MatmulOperand {
  Tensor keep_alive;
  const void* data = nullptr;
  bool transpose = false;
  std::int64_t batch_stride = 0;
};

// Whether the batch axes of `t` (all but the last two) are laid out densely,
// one matrix of `matrix_size` elements after the other.
bool dense_batches(const Tensor& t, std::int64_t matrix_size) {
  std::int64_t expected = matrix_size;
  for (int d = t.rank() - 3; d >= 0; --d) {
    if (t.shape()[d] != 1 && t.strides()[d] != expected) return false;
    expected *= t.shape()[d];
  }
  return true;
}

// `x` has shape [..., rows, cols] and is multiplied as op(x) with op
// transposing when `transpose`; `out_batch` is the broadcast batch shape.
MatmulOperand prepare_operand(const Tensor& x, bool transpose, const Shape& out_batch) {
  const int rank = x.rank();
  const std::int64_t rows = x.shape()[rank - 2], cols = x.shape()[rank - 1];
  std::int64_t batch = 1;
  for (int d = 0; d < rank - 2; ++d) batch *= x.shape()[d];
  const std::int64_t out_count = out_batch.num_elements();

  Tensor src = x;
  if (batch != out_count && batch != 1) {
    // Partial broadcasting (e.g. [2, 1] against [1, 3]) has no single batch
    // stride: materialise the broadcast batches.
    Shape shape = out_batch;
    Strides strides = Shape::filled(out_batch.rank(), 0);
    const int lead = out_batch.rank() - (rank - 2);
    for (int d = 0; d < rank - 2; ++d)
      if (x.shape()[d] != 1) strides[lead + d] = x.strides()[d];
    shape.push_back(rows);
    shape.push_back(cols);
    strides.push_back(x.strides()[rank - 2]);
    strides.push_back(x.strides()[rank - 1]);
    src = make_view(x, shape, strides, x.storage_offset()).contiguous();
    batch = out_count;
  }

  MatmulOperand op;
  const std::int64_t matrix_size = rows * cols;
  const Strides& st = src.strides();
  const int r = src.rank();
  const bool transposed_view = (cols == 1 || st[r - 1] == rows) && (rows == 1 || st[r - 2] == 1);
  if (!src.is_contiguous() && transposed_view && dense_batches(src, matrix_size)) {
    op.keep_alive = src;
    op.transpose = !transpose;
  } else {
    op.keep_alive = autograd::untracked_contiguous(src);
    op.transpose = transpose;
  }
  op.data = op.keep_alive.raw_data();
  op.batch_stride = batch == 1 ? 0 : matrix_size;
  return op;
}

}  // namespace
}  // namespace detail

Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  const char* op = "matmul";
  const detail::TraceScope trace(op, {&a, &b});
  const Device device = detail::common_device(op, {&a, &b});
  const auto shapes = [&] { return detail::describe(a) + " and " + detail::describe(b); };
  if (a.rank() < 2 || b.rank() < 2)
    throw InvalidArgument(std::string(op) + ": both operands need rank >= 2, got " + shapes());
  const DType dtype = promote_types(a.dtype(), b.dtype());
  if (dtype == DType::Bool)
    throw InvalidArgument(std::string(op) + ": not defined for bool tensors; cast to a number first");
  const auto kernel = detail::kernel_for(detail::registry().matmul, op, device, dtype);

  const int ra = a.rank(), rb = b.rank();
  const std::int64_t m = transpose_a ? a.shape()[ra - 1] : a.shape()[ra - 2];
  const std::int64_t ka = transpose_a ? a.shape()[ra - 2] : a.shape()[ra - 1];
  const std::int64_t kb = transpose_b ? b.shape()[rb - 1] : b.shape()[rb - 2];
  const std::int64_t n = transpose_b ? b.shape()[rb - 2] : b.shape()[rb - 1];
  if (ka != kb)
    throw InvalidArgument(std::string(op) + ": inner dimensions differ (" + std::to_string(ka) + " vs " +
                          std::to_string(kb) + ") for " + shapes() + (transpose_a ? " with transpose_a" : "") +
                          (transpose_b ? " with transpose_b" : ""));
  constexpr std::int64_t kMaxDim = std::numeric_limits<std::int32_t>::max();
  if (m > kMaxDim || n > kMaxDim || ka > kMaxDim)
    throw InvalidArgument(std::string(op) + ": matrix dimensions above 2^31 - 1 are not supported, got " + shapes());

  const Shape batch_a(a.shape().dims().first(static_cast<std::size_t>(ra - 2)));
  const Shape batch_b(b.shape().dims().first(static_cast<std::size_t>(rb - 2)));
  Shape out_shape = detail::broadcast_shapes(op, batch_a, batch_b);
  const Shape out_batch = out_shape;
  out_shape.push_back(m);
  out_shape.push_back(n);
  // Empty products are recorded too, so that gradients of the right (empty
  // or zero) shapes reach the operands.
  if (ka == 0 || out_shape.num_elements() == 0) {
    Tensor out = zeros(out_shape, dtype, device);
    autograd::record_matmul(a, b, transpose_a, transpose_b, out);
    return out;
  }
  Tensor out = Tensor::empty(out_shape, dtype, device);

  const Tensor ac = a.dtype() == dtype ? a : cast(a, dtype);
  const Tensor bc = b.dtype() == dtype ? b : cast(b, dtype);
  const detail::MatmulOperand pa = detail::prepare_operand(ac, transpose_a, out_batch);
  const detail::MatmulOperand pb = detail::prepare_operand(bc, transpose_b, out_batch);
  detail::MatmulArgs args;
  args.a = pa.data;
  args.b = pb.data;
  args.out = out.raw_mutable_data();
  args.batch = out_batch.num_elements();
  args.m = m;
  args.n = n;
  args.k = ka;
  args.transpose_a = pa.transpose;
  args.transpose_b = pb.transpose;
  args.batch_stride_a = pa.batch_stride;
  args.batch_stride_b = pb.batch_stride;
  kernel(args);
  autograd::record_matmul(a, b, transpose_a, transpose_b, out);
  return out;
}

}  // namespace eager
