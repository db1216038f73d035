// The copying ops of array_ops.hpp: argument checks, error messages and
// autograd recording, once for every device; the bytes move in the device's
// data-movement kernels (array_kernels.hpp), keyed by itemsize rather than
// dtype. Most ops are a single strided copy: the output (or a slice of it) is
// the destination and the input is read through a matching layout with
// broadcast (tile), negative (reverse) or offset (concat, pad) strides.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "array_kernels.hpp"
#include "autograd/grad_array.hpp"
#include "dispatch.hpp"
#include "dtype_dispatch.hpp"
#include "eager/array_ops.hpp"
#include "eager/autograd.hpp"
#include "trace_scope.hpp"

namespace eager {

namespace {

using detail::describe;

std::string to_list(const std::vector<std::int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// The device's kernel from one of the tables of array_kernels.hpp, or
// Unimplemented naming op, dtype and device; a CUDA kernel then runs on
// `device`.
template <class Kernel>
Kernel kernel_on(const detail::DeviceKernels<Kernel>& table, const char* op, Device device, DType dtype) {
  Kernel k = table.get(device.type());
  if (!k) detail::throw_no_kernel(op, device, dtype);
  if (device.is_cuda()) detail::t_cuda_device = device.index();
  return k;
}

const detail::ArrayKernels& kernels() { return detail::registry().array; }

// Tensor::empty with a guard against num_elements * itemsize overflowing size_t.
Tensor alloc_output(const char* op, const Shape& shape, DType dtype, Device device) {
  const std::int64_t n = shape.num_elements();
  if (n > std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(itemsize(dtype)))
    throw InvalidArgument(std::string(op) + ": output shape " + shape.to_string() + " of " +
                          std::string(dtype_name(dtype)) + " is too large to address");
  return Tensor::empty(shape, dtype, device);
}

// One element of `dtype` holding `value`, as raw bytes. Values the dtype
// cannot represent are refused rather than wrapped.
struct ElementBytes {
  unsigned char bytes[8] = {};
};
ElementBytes element_bytes(const char* op, const char* what, Scalar value, DType dtype) {
  ElementBytes out;
  detail::visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v{};
    if constexpr (std::is_same_v<T, bool>) {
      v = value.to_double() != 0;
    } else if constexpr (std::is_integral_v<T>) {
      const bool floating = value.kind() == Scalar::Kind::Floating;
      const double d = value.to_double();
      const std::int64_t i = value.to_int64();
      // max() + 1.0 is a power of two, exact in double even for int64.
      const double lo = static_cast<double>(std::numeric_limits<T>::min());
      const double hi = static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
      const bool fits = floating ? d >= lo && d < hi && d == std::trunc(d) : detail::integer_fits(i, dtype);
      if (!fits)
        throw InvalidArgument(std::string(op) + ": " + what + " " + (floating ? std::to_string(d) : std::to_string(i)) +
                              " is not representable in " + std::string(dtype_name(dtype)));
      v = floating ? static_cast<T>(d) : static_cast<T>(i);
    } else {
      v = static_cast<T>(value.to_double());
    }
    std::memcpy(out.bytes, &v, sizeof(T));
  });
  return out;
}

char* bytes_of(Tensor& t) { return static_cast<char*>(t.raw_mutable_data()); }

// Copies `shape` elements of `dtype` from src (read at src_strides) to dst
// (written at dst_strides) on `device`; the pointers address multi-index 0.
void strided_copy(const char* op, Device device, DType dtype, const Shape& shape, const void* src,
                  const Strides& src_strides, void* dst, const Strides& dst_strides) {
  if (shape.num_elements() == 0) return;
  const detail::CopyArgs args{shape, src_strides, dst_strides, src, dst, itemsize(dtype)};
  kernel_on(kernels().copy, op, device, dtype)(args);
}

// Writes the elements of `src` into dst, which has src's shape at the given strides.
void copy_into(const char* op, const Tensor& src, char* dst, const Strides& dst_strides) {
  strided_copy(op, src.device(), src.dtype(), src.shape(), src.raw_data(), src.strides(), dst, dst_strides);
}

// values[] must be non-empty, defined, on one device and of one dtype;
// messages name the offending index.
void check_list(const char* op, const std::vector<Tensor>& values) {
  if (values.empty()) throw InvalidArgument(std::string(op) + ": needs at least one tensor");
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!values[i].defined())
      throw InvalidArgument(std::string(op) + ": tensor " + std::to_string(i) + " is undefined");
    if (!(values[i].device() == values[0].device()))
      throw InvalidArgument(std::string(op) + ": tensor " + std::to_string(i) + " is " + describe(values[i]) +
                            " but tensor 0 is " + describe(values[0]) + "; move them to one device first");
    if (values[i].dtype() != values[0].dtype())
      throw InvalidArgument(std::string(op) + ": tensor " + std::to_string(i) + " has dtype " +
                            std::string(dtype_name(values[i].dtype())) + " but tensor 0 has dtype " +
                            std::string(dtype_name(values[0].dtype())));
  }
}

// The values of integer `indices` as contiguous int32 or int64, the two
// index types the kernels read; other integer dtypes are widened to int64.
Tensor index_values(const Tensor& indices) {
  if (indices.dtype() == DType::Int32 || indices.dtype() == DType::Int64) return indices.contiguous();
  return indices.cast(DType::Int64).contiguous();
}

detail::IndexList index_list(const Tensor& idx) {
  return detail::IndexList{idx.raw_data(), idx.dtype() == DType::Int64, idx.num_elements()};
}

// Throws OutOfRange naming the first index of `idx` (index_values of a
// tensor of `shape`) outside [0, dim) and its position; `target` describes
// the indexed tensor.
void check_indices(const char* op, const Tensor& idx, const Shape& shape, std::int64_t dim, int a,
                   const std::string& target) {
  const std::int64_t k = kernel_on(kernels().find_bad_index, op, idx.device(), idx.dtype())(index_list(idx), dim);
  if (k < 0) return;
  // Only on error: the offending value, copied from wherever idx lives.
  const std::int64_t value =
      detail::make_view(idx, Shape{}, Strides{}, idx.storage_offset() + k).cpu().item<std::int64_t>();
  std::vector<std::int64_t> pos(static_cast<std::size_t>(shape.rank()));
  std::int64_t rest = k;
  for (int d = shape.rank() - 1; d >= 0; --d) {
    pos[d] = rest % shape[d];
    rest /= shape[d];
  }
  throw OutOfRange(std::string(op) + ": indices" + (pos.empty() ? "" : to_list(pos)) + " = " +
                   std::to_string(value) + " is not in [0, " + std::to_string(dim) + ") for axis " +
                   std::to_string(a) + " of " + target);
}

}  // namespace

Tensor concat(const std::vector<Tensor>& values, int axis) {
  const char* op = "concat";
  const detail::TraceScope trace(op, values);
  check_list(op, values);
  const Tensor& first = values[0];
  const int rank = first.rank();
  if (rank == 0) throw InvalidArgument(std::string(op) + ": cannot concatenate scalars (0-d tensors); use stack");
  const int a = detail::normalize_axis(op, axis, rank);
  Shape shape = first.shape();
  shape[a] = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Tensor& v = values[i];
    if (v.rank() != rank)
      throw InvalidArgument(std::string(op) + ": tensor " + std::to_string(i) + " is " + describe(v) + " of rank " +
                            std::to_string(v.rank()) + " but tensor 0 is " + describe(first) + " of rank " +
                            std::to_string(rank));
    for (int d = 0; d < rank; ++d)
      if (d != a && v.shape()[d] != first.shape()[d])
        throw InvalidArgument(std::string(op) + ": tensor " + std::to_string(i) + " is " + describe(v) +
                              " but tensor 0 is " + describe(first) + "; dimension " + std::to_string(d) +
                              " differs (" + std::to_string(v.shape()[d]) + " vs " +
                              std::to_string(first.shape()[d]) + ") and only axis " + std::to_string(a) +
                              " may differ");
    if (v.shape()[a] > std::numeric_limits<std::int64_t>::max() - shape[a])
      throw InvalidArgument(std::string(op) + ": the concatenated axis " + std::to_string(a) + " overflows int64");
    shape[a] += v.shape()[a];
  }
  Tensor out = alloc_output(op, shape, first.dtype(), first.device());
  const std::int64_t step = out.strides()[a] * static_cast<std::int64_t>(itemsize(out.dtype()));
  std::int64_t start = 0;
  for (const Tensor& v : values) {
    copy_into(op, v, bytes_of(out) + start * step, out.strides());
    start += v.shape()[a];
  }
  autograd::record_concat(values, a, out);
  return out;
}

Tensor stack(const std::vector<Tensor>& values, int axis) {
  const char* op = "stack";
  const detail::TraceScope trace(op, values);
  check_list(op, values);
  const Tensor& first = values[0];
  for (std::size_t i = 1; i < values.size(); ++i)
    if (!(values[i].shape() == first.shape()))
      throw InvalidArgument(std::string(op) + ": tensor " + std::to_string(i) + " is " + describe(values[i]) +
                            " but tensor 0 is " + describe(first) + "; all shapes must be equal");
  const int rank = first.rank();
  if (axis < -rank - 1 || axis > rank)
    throw OutOfRange(std::string(op) + ": axis " + std::to_string(axis) + " is out of range [" +
                     std::to_string(-rank - 1) + ", " + std::to_string(rank) + "] for tensors " + describe(first));
  if (axis < 0) axis += rank + 1;
  Tensor out;
  {
    // Recorded below as one stack, not as its expand_dims and concat steps.
    NoGradient as_one_op;
    std::vector<Tensor> expanded;
    expanded.reserve(values.size());
    for (const Tensor& v : values) expanded.push_back(expand_dims(v, axis));
    out = concat(expanded, axis);
  }
  autograd::record_stack(values, axis, out);
  return out;
}

Tensor gather(const Tensor& x, const Tensor& indices, int axis) {
  const char* op = "gather";
  const detail::TraceScope trace(op, {&x, &indices});
  const Device device = detail::common_device(op, {&x, &indices});
  if (indices.dtype() != DType::Int32 && indices.dtype() != DType::Int64)
    throw InvalidArgument(std::string(op) + ": indices must be int32 or int64, got " + describe(indices));
  if (x.rank() == 0) throw InvalidArgument(std::string(op) + ": params must be at least 1-D, got " + describe(x));
  const int a = detail::normalize_axis(op, axis, x.rank());
  Shape shape;
  for (int d = 0; d < a; ++d) shape.push_back(x.shape()[d]);
  for (auto d : indices.shape().dims()) shape.push_back(d);
  for (int d = a + 1; d < x.rank(); ++d) shape.push_back(x.shape()[d]);
  // Every index is checked before anything is copied.
  const Tensor idx = index_values(indices);
  const std::int64_t dim = x.shape()[a];
  check_indices(op, idx, indices.shape(), dim, a, describe(x));
  Tensor out = alloc_output(op, shape, x.dtype(), device);
  if (out.num_elements() > 0) {
    const Tensor src = autograd::untracked_contiguous(x);
    detail::GatherArgs args;
    args.src = src.raw_data();
    args.out = out.raw_mutable_data();
    args.indices = index_list(idx);
    args.dim = dim;
    for (int d = 0; d < a; ++d) args.outer *= x.shape()[d];
    for (int d = a + 1; d < x.rank(); ++d) args.inner *= x.shape()[d];
    args.itemsize = itemsize(x.dtype());
    kernel_on(kernels().gather, op, device, x.dtype())(args);
  }
  autograd::record_gather(x, indices, a, out);
  return out;
}

Tensor autograd::gather_gradient(const Tensor& updates, const Tensor& indices, int axis, const Shape& shape) {
  const char* op = "gather gradient";
  // TensorFlow's name for this sum: densifying a gather's gradient runs it.
  const detail::TraceScope trace("unsorted_segment_sum", {&updates, &indices});
  const Device device = detail::common_device(op, {&updates, &indices});
  if (!is_floating(updates.dtype()) || !is_integral(indices.dtype()))
    throw InvalidArgument(std::string(op) + ": needs floating updates and integer indices, got " + describe(updates) +
                          " and " + describe(indices));
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= shape[d];
  for (int d = axis + 1; d < shape.rank(); ++d) inner *= shape[d];
  const std::int64_t dim = shape[axis], count = indices.num_elements();
  if (updates.num_elements() != outer * count * inner)
    throw InvalidArgument(std::string(op) + ": updates " + describe(updates) + " do not match " +
                          std::to_string(count) + " indices into axis " + std::to_string(axis) + " of shape " +
                          shape.to_string());
  // The indices may have changed since the gather (a variable's value), so
  // they are checked again before anything is written.
  const Tensor idx = index_values(indices);
  check_indices(op, idx, indices.shape(), dim, axis, "shape " + shape.to_string());
  Tensor out = alloc_output(op, shape, updates.dtype(), device);
  detail::fill_bytes(op, out, ElementBytes{}.bytes);
  if (updates.num_elements() > 0) {
    const Tensor src = autograd::untracked_contiguous(updates);
    detail::ScatterAddArgs args;
    args.updates = src.raw_data();
    args.out = out.raw_mutable_data();
    args.indices = index_list(idx);
    args.outer = outer;
    args.dim = dim;
    args.inner = inner;
    args.float64 = out.dtype() == DType::Float64;
    kernel_on(kernels().scatter_add, op, device, out.dtype())(args);
  }
  autograd::record_gather_gradient(updates, indices, axis, out);
  return out;
}

Tensor one_hot(const Tensor& indices, std::int64_t depth, Scalar on_value, Scalar off_value,
               std::optional<DType> dtype) {
  const char* op = "one_hot";
  const detail::TraceScope trace(op, {&indices});
  const Device device = detail::common_device(op, {&indices});
  if (!is_integral(indices.dtype()))
    throw InvalidArgument(std::string(op) + ": indices must be an integer tensor, got " + describe(indices));
  if (depth < 0) throw InvalidArgument(std::string(op) + ": depth must be >= 0, got " + std::to_string(depth));
  const DType out_dtype = dtype.value_or(DType::Float32);
  const ElementBytes on = element_bytes(op, "on_value", on_value, out_dtype);
  const ElementBytes off = element_bytes(op, "off_value", off_value, out_dtype);
  Shape shape = indices.shape();
  shape.push_back(depth);
  Tensor out = alloc_output(op, shape, out_dtype, device);
  if (out.num_elements() == 0) return out;
  const Tensor idx = index_values(indices);
  detail::OneHotArgs args;
  args.out = out.raw_mutable_data();
  args.indices = index_list(idx);
  args.depth = depth;
  args.itemsize = itemsize(out_dtype);
  std::memcpy(args.on, on.bytes, sizeof args.on);
  std::memcpy(args.off, off.bytes, sizeof args.off);
  kernel_on(kernels().one_hot, op, device, out_dtype)(args);
  return out;
}

Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& paddings,
           Scalar constant_value) {
  const char* op = "pad";
  const detail::TraceScope trace(op, {&x});
  const Device device = detail::common_device(op, {&x});
  const int rank = x.rank();
  if (static_cast<int>(paddings.size()) != rank)
    throw InvalidArgument(std::string(op) + ": " + std::to_string(paddings.size()) +
                          " padding pairs for " + describe(x) + "; need one per dimension (" +
                          std::to_string(rank) + ")");
  Shape shape = x.shape();
  for (int d = 0; d < rank; ++d) {
    const auto [before, after] = paddings[d];
    if (before < 0 || after < 0)
      throw InvalidArgument(std::string(op) + ": paddings for dimension " + std::to_string(d) + " are (" +
                            std::to_string(before) + ", " + std::to_string(after) + "); they must be >= 0");
    if (before > std::numeric_limits<std::int64_t>::max() - shape[d] - after)
      throw InvalidArgument(std::string(op) + ": padded dimension " + std::to_string(d) + " overflows int64");
    shape[d] += before + after;
  }
  const ElementBytes value = element_bytes(op, "constant_value", constant_value, x.dtype());
  Tensor out = alloc_output(op, shape, x.dtype(), device);
  if (out.num_elements() > 0) {
    const std::int64_t size = static_cast<std::int64_t>(itemsize(x.dtype()));
    if (x.num_elements() != out.num_elements()) detail::fill_bytes(op, out, value.bytes);
    std::int64_t offset = 0;
    for (int d = 0; d < rank; ++d) offset += paddings[d].first * out.strides()[d];
    copy_into(op, x, bytes_of(out) + offset * size, out.strides());
  }
  autograd::record_pad(x, paddings, out);
  return out;
}

Tensor tile(const Tensor& x, const std::vector<std::int64_t>& multiples) {
  const char* op = "tile";
  const detail::TraceScope trace(op, {&x});
  const Device device = detail::common_device(op, {&x});
  const int rank = x.rank();
  if (static_cast<int>(multiples.size()) != rank)
    throw InvalidArgument(std::string(op) + ": multiples " + to_list(multiples) +
                          " must have one entry per dimension of " + describe(x));
  Shape shape = x.shape();
  for (int d = 0; d < rank; ++d) {
    const std::int64_t m = multiples[d];
    if (m < 0) throw InvalidArgument(std::string(op) + ": multiples " + to_list(multiples) + " has a negative entry");
    if (m > 0 && shape[d] > std::numeric_limits<std::int64_t>::max() / m)
      throw InvalidArgument(std::string(op) + ": tiled dimension " + std::to_string(d) + " overflows int64");
    shape[d] *= m;
  }
  Tensor out = alloc_output(op, shape, x.dtype(), device);
  // The output read as [m0, d0, m1, d1, ...] is x broadcast along every m axis.
  Shape split_shape;
  Strides src_strides, dst_strides;
  for (int d = 0; d < rank; ++d) {
    split_shape.push_back(multiples[d]);
    split_shape.push_back(x.shape()[d]);
    src_strides.push_back(0);
    src_strides.push_back(x.strides()[d]);
  }
  dst_strides = detail::contiguous_strides(split_shape);
  strided_copy(op, device, x.dtype(), split_shape, x.raw_data(), src_strides, bytes_of(out), dst_strides);
  autograd::record_tile(x, multiples, out);
  return out;
}

Tensor reverse(const Tensor& x, const std::vector<int>& axes) {
  const char* op = "reverse";
  const detail::TraceScope trace(op, {&x});
  const Device device = detail::common_device(op, {&x});
  const int rank = x.rank();
  std::vector<bool> flip(static_cast<std::size_t>(rank), false);
  for (int a : axes) {
    if (rank == 0)
      throw OutOfRange(std::string(op) + ": axis " + std::to_string(a) + " is out of range for a scalar (0-d) tensor");
    const int axis = detail::normalize_axis(op, a, rank);
    if (flip[axis])
      throw InvalidArgument(std::string(op) + ": axis " + std::to_string(axis) + " is given more than once");
    flip[axis] = true;
  }
  // x read backwards along the flipped axes: from its last element there,
  // with negated strides.
  Strides strides = x.strides();
  std::int64_t offset = 0;
  for (int d = 0; d < rank; ++d) {
    if (!flip[d] || x.shape()[d] == 0) continue;
    offset += (x.shape()[d] - 1) * strides[d];
    strides[d] = -strides[d];
  }
  Tensor out = alloc_output(op, x.shape(), x.dtype(), device);
  if (out.num_elements() > 0) {
    const std::int64_t size = static_cast<std::int64_t>(itemsize(x.dtype()));
    const char* first = static_cast<const char*>(x.raw_data()) + offset * size;
    strided_copy(op, device, x.dtype(), x.shape(), first, strides, bytes_of(out), out.strides());
  }
  autograd::record_reverse(x, axes, out);
  return out;
}

namespace detail {

void fill_bytes(const char* op, Tensor& out, const unsigned char* value) {
  if (out.num_elements() == 0) return;
  FillArgs args;
  args.dst = out.raw_mutable_data();
  args.num_elements = out.num_elements();
  args.itemsize = itemsize(out.dtype());
  std::memcpy(args.value, value, args.itemsize);
  kernel_on(kernels().fill, op, out.device(), out.dtype())(args);
}

}  // namespace detail

}  // namespace eager
