// Dispatch of reductions, argmax/argmin and cumsum: axis checks, dtype rules,
// and bringing any set of reduced axes to the [outer, reduce, inner] form the
// kernels read.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "autograd/grad_array.hpp"
#include "autograd/gradients.hpp"
#include "dispatch.hpp"
#include "eager/autograd.hpp"
#include "eager/creation.hpp"
#include "eager/math.hpp"
#include "eager/reduce.hpp"
#include "trace_scope.hpp"

namespace eager {

namespace detail {
namespace {

const char* reduce_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "reduce_sum";
    case ReduceOp::Prod: return "reduce_prod";
    case ReduceOp::Max: return "reduce_max";
    case ReduceOp::Min: return "reduce_min";
    case ReduceOp::All: return "reduce_all";
    case ReduceOp::Any: return "reduce_any";
    case ReduceOp::ArgMax: return "argmax";
    case ReduceOp::ArgMin: return "argmin";
    case ReduceOp::Count: break;
  }
  return "reduce";
}

// Which axes of a rank-`rank` tensor are reduced; an empty list means all.
// A 0-d tensor accepts axis 0 (or -1), as TensorFlow's reductions do, and
// has nothing to mark.
std::vector<bool> reduced_axes(const char* op, const std::vector<int>& axes, int rank) {
  std::vector<bool> reduced(static_cast<std::size_t>(rank), axes.empty());
  std::vector<bool> seen(static_cast<std::size_t>(std::max(rank, 1)), false);
  for (int a : axes) {
    const auto axis = static_cast<std::size_t>(normalize_axis(op, a, rank));
    if (seen[axis]) throw InvalidArgument(std::string(op) + ": axis " + std::to_string(a) + " is listed more than once");
    seen[axis] = true;
    if (rank > 0) reduced[axis] = true;
  }
  return reduced;
}

// argmax/argmin and cumsum work along an existing axis, so unlike the
// reductions they refuse 0-d tensors (as TensorFlow does).
int existing_axis(const char* op, int axis, const Tensor& x) {
  if (x.rank() == 0)
    throw OutOfRange(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for 0-d " + describe(x));
  return normalize_axis(op, axis, x.rank());
}

Shape reduced_shape(const Shape& in, const std::vector<bool>& reduced, bool keepdims) {
  Shape out;
  for (int d = 0; d < in.rank(); ++d) {
    if (!reduced[static_cast<std::size_t>(d)]) out.push_back(in[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

// A contiguous tensor and the [outer, reduce, inner] split of its elements.
struct ReduceLayout {
  Tensor in;
  std::int64_t outer = 1, reduce = 1, inner = 1;
};

// Reduced axes that are adjacent (ignoring axes of size 1, which can sit
// anywhere) are read in place; otherwise the reduced axes are moved last by
// one transposing copy.
ReduceLayout reduce_layout(const Tensor& x, const std::vector<bool>& reduced) {
  const Shape& shape = x.shape();
  const int rank = shape.rank();
  int first = -1, last = -1;
  for (int d = 0; d < rank; ++d) {
    if (reduced[static_cast<std::size_t>(d)] && shape[d] != 1) {
      if (first < 0) first = d;
      last = d;
    }
  }
  bool adjacent = true;
  for (int d = first + 1; first >= 0 && d < last; ++d)
    if (!reduced[static_cast<std::size_t>(d)] && shape[d] != 1) adjacent = false;

  ReduceLayout layout;
  if (adjacent) {
    layout.in = autograd::untracked_contiguous(x);
    for (int d = 0; d < rank; ++d) {
      if (first >= 0 && d >= first && d <= last) {
        if (reduced[static_cast<std::size_t>(d)]) layout.reduce *= shape[d];
      } else if (first < 0 || d < first) {
        layout.outer *= shape[d];
      } else {
        layout.inner *= shape[d];
      }
    }
    return layout;
  }
  Shape perm_shape;
  Strides perm_strides;
  for (int pass = 0; pass < 2; ++pass) {
    for (int d = 0; d < rank; ++d) {
      if (reduced[static_cast<std::size_t>(d)] != (pass == 1)) continue;
      perm_shape.push_back(shape[d]);
      perm_strides.push_back(x.strides()[d]);
      (pass == 0 ? layout.outer : layout.reduce) *= shape[d];
    }
  }
  layout.in = make_view(x, perm_shape, perm_strides, x.storage_offset()).contiguous();
  return layout;
}

void run_kernel(ReduceKernel kernel, const ReduceLayout& layout, Tensor& out) {
  ReduceArgs args;
  args.in = layout.in.raw_data();
  args.out = out.raw_mutable_data();
  args.outer = layout.outer;
  args.reduce = layout.reduce;
  args.inner = layout.inner;
  kernel(args);
}

void check_reduce_dtype(ReduceOp op, DType dtype) {
  const char* name = reduce_name(op);
  const bool is_bool = dtype == DType::Bool;
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Prod:
      if (is_bool)
        throw InvalidArgument(std::string(name) + ": not defined for bool tensors; cast to a number first");
      break;
    case ReduceOp::Max:
    case ReduceOp::Min:
      if (is_bool)
        throw InvalidArgument(std::string(name) + ": not defined for bool tensors; use " +
                              (op == ReduceOp::Max ? "reduce_any" : "reduce_all") + " or cast to a number first");
      break;
    case ReduceOp::All:
    case ReduceOp::Any:
      if (!is_bool)
        throw InvalidArgument(std::string(name) + ": expects a bool tensor, got " + std::string(dtype_name(dtype)));
      break;
    case ReduceOp::ArgMax:
    case ReduceOp::ArgMin:
    case ReduceOp::Count: break;
  }
}

Tensor run_reduce(ReduceOp op, const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  const char* name = reduce_name(op);
  const detail::TraceScope trace(name, {&x});
  const Device device = common_device(name, {&x});
  check_reduce_dtype(op, x.dtype());
  const auto kernel = kernel_for(registry().reduce[static_cast<int>(op)], name, device, x.dtype());
  const std::vector<bool> reduced = reduced_axes(name, axes, x.rank());
  Tensor out = Tensor::empty(reduced_shape(x.shape(), reduced, keepdims), x.dtype(), device);
  if (out.num_elements() > 0) run_kernel(kernel, reduce_layout(x, reduced), out);
  autograd::record_reduce(op, x, axes, out);
  return out;
}

Tensor run_arg_reduce(ReduceOp op, const Tensor& x, int axis, DType output_type) {
  const char* name = reduce_name(op);
  const detail::TraceScope trace(name, {&x});
  const Device device = common_device(name, {&x});
  if (output_type != DType::Int32 && output_type != DType::Int64)
    throw InvalidArgument(std::string(name) + ": output_type must be int32 or int64, got " +
                          std::string(dtype_name(output_type)));
  const auto kernel = kernel_for(registry().reduce[static_cast<int>(op)], name, device, x.dtype());
  const int rank = x.rank();
  const int a = existing_axis(name, axis, x);
  const std::int64_t length = x.shape()[a];
  if (length == 0)
    throw InvalidArgument(std::string(name) + ": axis " + std::to_string(axis) + " is empty in " + describe(x));
  if (output_type == DType::Int32 && length > std::numeric_limits<std::int32_t>::max())
    throw InvalidArgument(std::string(name) + ": axis of length " + std::to_string(length) +
                          " does not fit output_type int32");
  std::vector<bool> reduced(static_cast<std::size_t>(rank), false);
  reduced[static_cast<std::size_t>(a)] = true;
  Tensor out = Tensor::empty(reduced_shape(x.shape(), reduced, false), DType::Int64, device);
  if (out.num_elements() == 0) return output_type == DType::Int64 ? out : cast(out, output_type);
  run_kernel(kernel, reduce_layout(x, reduced), out);
  return output_type == DType::Int64 ? out : cast(out, output_type);
}

std::int64_t reduced_count(const Tensor& x, const std::vector<int>& axes, const char* op) {
  const std::vector<bool> reduced = reduced_axes(op, axes, x.rank());
  std::int64_t count = 1;
  for (int d = 0; d < x.rank(); ++d)
    if (reduced[static_cast<std::size_t>(d)]) count *= x.shape()[d];
  return count;
}

}  // namespace
}  // namespace detail

using detail::ReduceOp;

Tensor reduce_sum(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return detail::run_reduce(ReduceOp::Sum, x, axes, keepdims);
}
Tensor reduce_prod(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return detail::run_reduce(ReduceOp::Prod, x, axes, keepdims);
}
Tensor reduce_max(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return detail::run_reduce(ReduceOp::Max, x, axes, keepdims);
}
Tensor reduce_min(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return detail::run_reduce(ReduceOp::Min, x, axes, keepdims);
}
Tensor reduce_all(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return detail::run_reduce(ReduceOp::All, x, axes, keepdims);
}
Tensor reduce_any(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return detail::run_reduce(ReduceOp::Any, x, axes, keepdims);
}

Tensor reduce_mean(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  const char* op = "reduce_mean";
  const detail::TraceScope trace(op, {&x});
  detail::common_device(op, {&x});
  if (x.dtype() == DType::Bool)
    throw InvalidArgument(std::string(op) + ": not defined for bool tensors; cast to a number first");
  const std::int64_t count = detail::reduced_count(x, axes, op);
  if (is_floating(x.dtype())) return divide(reduce_sum(x, axes, keepdims), scalar(count, x.dtype(), x.device()));
  // Integers: summed in int64 so that small dtypes do not overflow, then
  // divided truncating toward zero as TensorFlow's integer mean does.
  const Tensor sum = reduce_sum(cast(x, DType::Int64), axes, keepdims);
  if (sum.num_elements() == 0) return cast(sum, x.dtype());
  if (count == 0)
    throw InvalidArgument(std::string(op) + ": the mean of an empty axis is undefined for integer " +
                          detail::describe(x));
  const Tensor n = scalar(count, DType::Int64, x.device());
  const Tensor truncated = where(greater_equal(sum, 0), floordiv(sum, n), negative(floordiv(negative(sum), n)));
  return cast(truncated, x.dtype());
}

Tensor reduce_logsumexp(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  const char* op = "reduce_logsumexp";
  const detail::TraceScope trace(op, {&x});
  detail::common_device(op, {&x});
  if (x.dtype() == DType::Bool)
    throw InvalidArgument(std::string(op) + ": not defined for bool tensors; cast to a number first");
  const std::vector<bool> reduced = detail::reduced_axes(op, axes, x.rank());
  Tensor result;
  {
    // Recorded as one op with its own rule: the composite's gradient would
    // route through the maximum and its tie handling for nothing.
    NoGradient unrecorded;
    const Tensor xf = is_floating(x.dtype()) ? x : cast(x, DType::Float32);
    const Tensor m = reduce_max(xf, axes, true);
    // An infinite (or NaN) maximum would turn x - max into NaN for a slice of
    // all -inf; shifting such slices by 0 gives exp's own answer instead.
    const Tensor inf = scalar(std::numeric_limits<double>::infinity(), xf.dtype(), x.device());
    const Tensor shift = where(less(abs(m), inf), m, zeros_like(m));
    result = add(log(reduce_sum(exp(subtract(xf, shift)), axes, true)), shift);
    if (!keepdims) {
      const Shape out_shape = detail::reduced_shape(x.shape(), reduced, false);
      result = detail::make_view(result, out_shape, detail::contiguous_strides(out_shape), result.storage_offset());
    }
  }
  autograd::record_reduce_logsumexp(x, axes, result);
  return result;
}

Tensor argmax(const Tensor& x, int axis, DType output_type) {
  return detail::run_arg_reduce(ReduceOp::ArgMax, x, axis, output_type);
}
Tensor argmin(const Tensor& x, int axis, DType output_type) {
  return detail::run_arg_reduce(ReduceOp::ArgMin, x, axis, output_type);
}

Tensor cumsum(const Tensor& x, int axis, bool exclusive, bool reverse) {
  const char* op = "cumsum";
  const detail::TraceScope trace(op, {&x});
  const Device device = detail::common_device(op, {&x});
  if (x.dtype() == DType::Bool)
    throw InvalidArgument(std::string(op) + ": not defined for bool tensors; cast to a number first");
  const auto kernel = detail::kernel_for(detail::registry().cumsum, op, device, x.dtype());
  const int a = detail::existing_axis(op, axis, x);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), device);
  if (out.num_elements() > 0) {
    const Tensor in = autograd::untracked_contiguous(x);
    detail::ScanArgs args;
    args.in = in.raw_data();
    args.out = out.raw_mutable_data();
    for (int d = 0; d < x.rank(); ++d) (d < a ? args.outer : d == a ? args.length : args.inner) *= x.shape()[d];
    args.exclusive = exclusive;
    args.reverse = reverse;
    kernel(args);
  }
  autograd::record_cumsum(x, axis, exclusive, reverse, out);
  return out;
}

}  // namespace eager
