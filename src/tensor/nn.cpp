// Dispatch of eager::nn: argument checks and moving the class axis last for
// the fused kernels. sigmoid_cross_entropy_with_logits and l2_loss are
// composites of public ops: they have no row structure to fuse. Both are
// still recorded as one op each (see their comments).
#include "eager/nn.hpp"

#include <span>
#include <string>
#include <type_traits>

#include "autograd/grad_array.hpp"
#include "autograd/gradients.hpp"
#include "dispatch.hpp"
#include "dtype_dispatch.hpp"
#include "eager/autograd.hpp"
#include "eager/reduce.hpp"
#include "trace_scope.hpp"

#ifdef EAGER_WITH_CUDA
#include "cuda/nn_labels.hpp"
#endif

namespace eager {

namespace detail {
namespace {

void check_float(const char* op, const char* what, const Tensor& t) {
  if (!is_floating(t.dtype()))
    throw InvalidArgument(std::string(op) + ": " + what + " must be float32 or float64, got " + describe(t) +
                          "; cast it first");
}

void check_logits(const char* op, const Tensor& logits) {
  check_float(op, "logits", logits);
  if (logits.rank() == 0)
    throw InvalidArgument(std::string(op) + ": logits must have rank >= 1, got " + describe(logits));
}

void check_same_shape(const char* op, const Tensor& labels, const Tensor& logits) {
  if (!(labels.shape() == logits.shape()))
    throw InvalidArgument(std::string(op) + ": labels and logits must have the same shape, got labels " +
                          describe(labels) + " and logits " + describe(logits));
}

// A view of t with `axis` moved to the end.
Tensor move_axis_last(const Tensor& t, int axis) {
  Shape shape = t.shape();
  Strides strides = t.strides();
  const std::int64_t size = shape[axis], stride = strides[axis];
  shape.erase(axis);
  strides.erase(axis);
  shape.push_back(size);
  strides.push_back(stride);
  return make_view(t, shape, strides, t.storage_offset());
}

// The inverse of move_axis_last, as a contiguous tensor.
Tensor move_last_axis_to(const Tensor& t, int axis) {
  Shape shape = t.shape();
  Strides strides = t.strides();
  const int last = shape.rank() - 1;
  const std::int64_t size = shape[last], stride = strides[last];
  shape.erase(last);
  strides.erase(last);
  shape.insert(axis, size);
  strides.insert(axis, stride);
  return make_view(t, shape, strides, t.storage_offset()).contiguous();
}

// logits with the class axis last and contiguous: the layout the kernels read.
Tensor rows_layout(const Tensor& t, int axis) {
  return autograd::untracked_contiguous(axis == t.rank() - 1 ? t : move_axis_last(t, axis));
}

using RecordSoftmax = void (*)(const Tensor& logits, int axis, const Tensor& out);

Tensor run_softmax(const char* op, const KernelTable<SoftmaxKernel>& table, RecordSoftmax record, const Tensor& logits,
                   int axis) {
  const detail::TraceScope trace(op, {&logits});
  const Device device = common_device(op, {&logits});
  check_logits(op, logits);
  const int ax = normalize_axis(op, axis, logits.rank());
  const auto kernel = kernel_for(table, op, device, logits.dtype());
  const Tensor in = rows_layout(logits, ax);
  Tensor out = Tensor::empty(in.shape(), in.dtype(), device);
  if (out.num_elements() > 0) {
    const std::int64_t classes = in.shape()[in.rank() - 1];
    kernel(SoftmaxArgs{in.raw_data(), out.raw_mutable_data(), out.num_elements() / classes, classes});
  }
  if (ax != logits.rank() - 1) out = move_last_axis_to(out, ax);
  record(logits, ax, out);
  return out;
}

// The first label outside [0, classes) and its position (-1: none).
struct BadLabel {
  std::int64_t position = -1;
  std::int64_t value = 0;
};

// `labels` is contiguous and on the CPU.
BadLabel find_bad_label_on_host(const Tensor& labels, std::int64_t classes) {
  return visit_dtype(labels.dtype(), [&](auto tag) {
    using L = typename decltype(tag)::type;
    BadLabel bad;
    if constexpr (std::is_same_v<L, std::int32_t> || std::is_same_v<L, std::int64_t>) {
      const L* p = labels.data<L>();
      const std::int64_t n = labels.num_elements();
      for (std::int64_t i = 0; i < n; ++i) {
        if (p[i] < 0 || p[i] >= classes) {
          bad.position = i;
          bad.value = p[i];
          break;
        }
      }
    }
    return bad;
  });
}

// Labels on a GPU are checked there: only the verdict is copied back.
BadLabel find_bad_label(const Tensor& labels, std::int64_t classes) {
#ifdef EAGER_WITH_CUDA
  if (labels.device().is_cuda()) {
    const cuda::BadLabel found =
        cuda::find_bad_label(labels.raw_data(), labels.dtype() == DType::Int64, labels.num_elements(), classes);
    return {found.position, found.value};
  }
#endif
  return find_bad_label_on_host(labels, classes);
}

// TensorFlow's CPU kernel refuses out-of-range labels; checking before the
// kernel runs keeps the kernels free of error paths. `labels` is contiguous.
void check_labels(const char* op, const Tensor& labels, std::int64_t classes) {
  const BadLabel bad = find_bad_label(labels, classes);
  if (bad.position >= 0)
    throw InvalidArgument(std::string(op) + ": received a label value of " + std::to_string(bad.value) +
                          " at position " + std::to_string(bad.position) + ", outside the valid range [0, " +
                          std::to_string(classes) + ")");
}

}  // namespace
}  // namespace detail

namespace nn {

Tensor softmax(const Tensor& logits, int axis) {
  return detail::run_softmax("softmax", detail::registry().nn.softmax, autograd::record_softmax, logits, axis);
}

Tensor log_softmax(const Tensor& logits, int axis) {
  return detail::run_softmax("log_softmax", detail::registry().nn.log_softmax, autograd::record_log_softmax,
                             logits, axis);
}

Tensor sparse_softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits) {
  const char* op = "sparse_softmax_cross_entropy_with_logits";
  const detail::TraceScope trace(op, {&labels, &logits});
  const Device device = detail::common_device(op, {&labels, &logits});
  detail::check_logits(op, logits);
  if (labels.dtype() != DType::Int32 && labels.dtype() != DType::Int64)
    throw InvalidArgument(std::string(op) + ": labels must be int32 or int64 class indices, got " +
                          detail::describe(labels));
  const int rank = logits.rank();
  const Shape batch_shape(std::span<const std::int64_t>(logits.shape().data(), static_cast<std::size_t>(rank - 1)));
  if (!(labels.shape() == batch_shape))
    throw InvalidArgument(std::string(op) + ": labels must have the shape of logits without the last dimension " +
                          batch_shape.to_string() + ", got labels " + detail::describe(labels) + " and logits " +
                          detail::describe(logits));
  const auto kernel = detail::kernel_for(detail::registry().nn.sparse_xent, op, device, logits.dtype());
  Tensor loss = Tensor::empty(batch_shape, logits.dtype(), device);
  const std::int64_t rows = loss.num_elements();
  if (rows > 0) {
    const std::int64_t classes = logits.shape()[rank - 1];
    const Tensor y = autograd::untracked_contiguous(labels);
    detail::check_labels(op, y, classes);
    const Tensor x = autograd::untracked_contiguous(logits);
    kernel(detail::SparseXentArgs{x.raw_data(), y.raw_data(), y.dtype() == DType::Int64, loss.raw_mutable_data(),
                                  rows, classes});
  }
  autograd::record_sparse_softmax_cross_entropy(labels, logits, loss);
  return loss;
}

Tensor softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits, int axis) {
  const char* op = "softmax_cross_entropy_with_logits";
  const detail::TraceScope trace(op, {&labels, &logits});
  const Device device = detail::common_device(op, {&labels, &logits});
  detail::check_logits(op, logits);
  detail::check_same_shape(op, labels, logits);
  const int ax = detail::normalize_axis(op, axis, logits.rank());
  const auto kernel = detail::kernel_for(detail::registry().nn.xent, op, device, logits.dtype());
  const Tensor x = detail::rows_layout(logits, ax);
  const Tensor p = detail::rows_layout(cast(labels, logits.dtype()), ax);
  Shape loss_shape = logits.shape();
  loss_shape.erase(ax);
  Tensor loss = Tensor::empty(loss_shape, logits.dtype(), device);
  const std::int64_t rows = loss.num_elements();
  if (rows > 0) kernel(detail::XentArgs{x.raw_data(), p.raw_data(), loss.raw_mutable_data(), rows, logits.shape()[ax]});
  autograd::record_softmax_cross_entropy(labels, logits, ax, loss);
  return loss;
}

Tensor sigmoid_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits) {
  const char* op = "sigmoid_cross_entropy_with_logits";
  const detail::TraceScope trace(op, {&labels, &logits});
  detail::common_device(op, {&labels, &logits});
  detail::check_float(op, "logits", logits);
  detail::check_same_shape(op, labels, logits);
  Tensor loss;
  {
    // Recorded as one op: differentiating the pieces of the stable form would
    // give -z instead of 1/2 - z at x = 0, where relu and abs have kinks.
    NoGradient unrecorded;
    const Tensor z = cast(labels, logits.dtype());
    loss = relu(logits) - logits * z + log1p(exp(-abs(logits)));
  }
  autograd::record_sigmoid_cross_entropy(labels, logits, loss);
  return loss;
}

Tensor l2_loss(const Tensor& t) {
  const detail::TraceScope trace("l2_loss", {&t});
  detail::common_device("l2_loss", {&t});
  detail::check_float("l2_loss", "t", t);
  Tensor loss;
  {
    // Recorded as one op: its gradient g * t is one pass over t, where the
    // pieces' rules would make three (2t, the broadcast g, their product).
    NoGradient unrecorded;
    loss = reduce_sum(square(t)) * 0.5;
  }
  autograd::record_l2_loss(t, loss);
  return loss;
}

}  // namespace nn
}  // namespace eager
