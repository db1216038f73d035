// The view ops of array_ops.hpp: they compute a new shape, strides and offset
// over the input's storage and copy nothing, so they work on every device.
#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "autograd/grad_array.hpp"
#include "autograd/gradients.hpp"
#include "dispatch.hpp"
#include "eager/array_ops.hpp"
#include "trace_scope.hpp"

namespace eager {

namespace {

using detail::describe;

std::string to_list(const std::vector<std::int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

void check_defined(const char* op, const Tensor& x) { detail::common_device(op, {&x}); }

// Unlike detail::normalize_axis (which lets reductions treat a scalar as
// having one axis), these ops have no axis to act on in a 0-d tensor.
int axis_of(const char* op, int axis, int rank) {
  if (rank == 0)
    throw InvalidArgument(std::string(op) + ": expects a tensor of rank >= 1, got a scalar (0-d) tensor");
  return detail::normalize_axis(op, axis, rank);
}

// Python slice semantics for one axis: the start index and the number of
// elements taken with `step` (never 0) from [begin, end), clamped to [0, dim).
struct AxisRange {
  std::int64_t start = 0, length = 0;
};
AxisRange python_range(std::int64_t dim, std::int64_t begin, std::int64_t end, std::int64_t step, bool begin_masked,
                       bool end_masked) {
  auto wrap = [dim](std::int64_t i) { return i < 0 ? i + dim : i; };
  std::int64_t b, e;
  if (step > 0) {
    b = begin_masked ? 0 : std::clamp<std::int64_t>(wrap(begin), 0, dim);
    e = end_masked ? dim : std::clamp<std::int64_t>(wrap(end), 0, dim);
  } else {
    b = begin_masked ? dim - 1 : std::clamp<std::int64_t>(wrap(begin), -1, dim - 1);
    e = end_masked ? -1 : std::clamp<std::int64_t>(wrap(end), -1, dim - 1);
  }
  const std::int64_t span = step > 0 ? e - b : b - e;
  if (span <= 0) return {0, 0};
  // |step| in unsigned arithmetic: -INT64_MIN does not fit in int64.
  const std::uint64_t magnitude = step > 0 ? static_cast<std::uint64_t>(step) : 0 - static_cast<std::uint64_t>(step);
  return {b, static_cast<std::int64_t>(1 + static_cast<std::uint64_t>(span - 1) / magnitude)};
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  const char* op = "reshape";
  const detail::TraceScope trace(op, {&x});
  check_defined(op, x);
  int inferred = -1;
  std::int64_t known = 1;
  bool known_overflows = false;
  for (int i = 0; i < shape.rank(); ++i) {
    const std::int64_t d = shape[i];
    if (d == -1) {
      if (inferred >= 0)
        throw InvalidArgument(std::string(op) + ": only one dimension of " + shape.to_string() + " may be -1");
      inferred = i;
    } else if (d < 0) {
      throw InvalidArgument(std::string(op) + ": target shape " + shape.to_string() + " has a negative dimension");
    } else if (d == 0 || known == 0) {
      known = 0;
    } else if (known > std::numeric_limits<std::int64_t>::max() / d) {
      known_overflows = true;
    } else {
      known *= d;
    }
  }
  const std::int64_t n = x.num_elements();
  Shape target = shape;
  if (inferred >= 0) {
    if (known == 0)
      throw InvalidArgument(std::string(op) + ": cannot infer the -1 dimension of " + shape.to_string() +
                            " when another dimension is 0");
    if (known_overflows || n % known != 0)
      throw InvalidArgument(std::string(op) + ": cannot reshape " + describe(x) + " (" + std::to_string(n) +
                            " elements) to " + shape.to_string());
    target[inferred] = n / known;
  } else if (known_overflows || known != n) {
    throw InvalidArgument(std::string(op) + ": cannot reshape " + describe(x) + " (" + std::to_string(n) +
                          " elements) to " + shape.to_string());
  }
  const Tensor base = autograd::untracked_contiguous(x);
  Tensor out = detail::make_view(base, target, detail::contiguous_strides(target), base.storage_offset());
  autograd::record_reshape(x, out);
  return out;
}

Tensor transpose(const Tensor& x, std::optional<std::vector<int>> perm) {
  const char* op = "transpose";
  const detail::TraceScope trace(op, {&x});
  check_defined(op, x);
  const int rank = x.rank();
  std::vector<int> p;
  if (perm) {
    if (static_cast<int>(perm->size()) != rank)
      throw InvalidArgument(std::string(op) + ": perm has " + std::to_string(perm->size()) +
                            " entries but the tensor " + describe(x) + " has rank " + std::to_string(rank));
    std::vector<bool> seen(static_cast<std::size_t>(rank), false);
    for (int a : *perm) {
      const int axis = detail::normalize_axis(op, a, rank);
      if (seen[axis])
        throw InvalidArgument(std::string(op) + ": perm is not a permutation (axis " + std::to_string(axis) +
                              " appears twice)");
      seen[axis] = true;
      p.push_back(axis);
    }
  } else {
    for (int i = rank - 1; i >= 0; --i) p.push_back(i);
  }
  Shape shape = x.shape();
  Strides strides = x.strides();
  for (int i = 0; i < rank; ++i) {
    shape[i] = x.shape()[p[i]];
    strides[i] = x.strides()[p[i]];
  }
  Tensor out = detail::make_view(x, shape, strides, x.storage_offset());
  autograd::record_transpose(x, p, out);
  return out;
}

Tensor expand_dims(const Tensor& x, int axis) {
  const char* op = "expand_dims";
  const detail::TraceScope trace(op, {&x});
  check_defined(op, x);
  const int rank = x.rank();
  if (axis < -rank - 1 || axis > rank)
    throw OutOfRange(std::string(op) + ": axis " + std::to_string(axis) + " is out of range [" +
                     std::to_string(-rank - 1) + ", " + std::to_string(rank) + "] for " + describe(x));
  if (axis < 0) axis += rank + 1;
  Shape shape = x.shape();
  Strides strides = x.strides();
  // Any stride is valid for a size-1 axis; this one keeps contiguous inputs contiguous.
  const std::int64_t stride = axis < rank ? x.strides()[axis] * std::max<std::int64_t>(x.shape()[axis], 1) : 1;
  shape.insert(axis, 1);
  strides.insert(axis, stride);
  Tensor out = detail::make_view(x, shape, strides, x.storage_offset());
  autograd::record_expand_dims(x, out);
  return out;
}

Tensor squeeze(const Tensor& x, const std::vector<int>& axes) {
  const char* op = "squeeze";
  const detail::TraceScope trace(op, {&x});
  check_defined(op, x);
  const int rank = x.rank();
  std::vector<bool> drop(static_cast<std::size_t>(rank), false);
  if (axes.empty()) {
    for (int i = 0; i < rank; ++i) drop[i] = x.shape()[i] == 1;
  }
  for (int a : axes) {
    const int axis = detail::normalize_axis(op, a, rank);
    if (rank == 0 || x.shape()[axis] != 1)
      throw InvalidArgument(std::string(op) + ": cannot squeeze axis " + std::to_string(a) + " of " + describe(x) +
                            " because its size is not 1");
    drop[axis] = true;
  }
  Shape shape;
  Strides strides;
  for (int i = 0; i < rank; ++i) {
    if (drop[i]) continue;
    shape.push_back(x.shape()[i]);
    strides.push_back(x.strides()[i]);
  }
  Tensor out = detail::make_view(x, shape, strides, x.storage_offset());
  autograd::record_squeeze(x, out);
  return out;
}

Tensor slice(const Tensor& x, const std::vector<std::int64_t>& begin, const std::vector<std::int64_t>& size) {
  const char* op = "slice";
  const detail::TraceScope trace(op, {&x});
  check_defined(op, x);
  const int rank = x.rank();
  if (static_cast<int>(begin.size()) != rank || static_cast<int>(size.size()) != rank)
    throw InvalidArgument(std::string(op) + ": begin " + to_list(begin) + " and size " + to_list(size) +
                          " must both have one entry per dimension of " + describe(x));
  Shape shape = x.shape();
  std::int64_t offset = x.storage_offset();
  for (int i = 0; i < rank; ++i) {
    const std::int64_t dim = x.shape()[i], b = begin[i];
    const std::int64_t s = size[i] == -1 ? dim - b : size[i];
    if (b < 0 || b > dim || s < 0 || s > dim - b)
      throw InvalidArgument(std::string(op) + ": begin " + to_list(begin) + " and size " + to_list(size) +
                            " do not fit in " + describe(x) + " (dimension " + std::to_string(i) + ")");
    shape[i] = s;
    if (s > 0) offset += b * x.strides()[i];
  }
  Tensor out = detail::make_view(x, shape, x.strides(), offset);
  autograd::record_slice(x, begin, out);
  return out;
}

Tensor strided_slice(const Tensor& x, const std::vector<std::int64_t>& begin, const std::vector<std::int64_t>& end,
                     const std::vector<std::int64_t>& strides, std::int64_t begin_mask, std::int64_t end_mask,
                     std::int64_t shrink_axis_mask) {
  const char* op = "strided_slice";
  const detail::TraceScope trace(op, {&x});
  check_defined(op, x);
  const int rank = x.rank();
  const std::size_t n = begin.size();
  if (end.size() != n || (!strides.empty() && strides.size() != n))
    throw InvalidArgument(std::string(op) + ": begin " + to_list(begin) + ", end " + to_list(end) + " and strides " +
                          to_list(strides) + " must have the same length");
  if (static_cast<int>(n) > rank)
    throw InvalidArgument(std::string(op) + ": " + std::to_string(n) + " slice entries for " + describe(x) +
                          " of rank " + std::to_string(rank));
  const std::int64_t valid_bits = n >= 63 ? std::numeric_limits<std::int64_t>::max() : (std::int64_t{1} << n) - 1;
  for (std::int64_t mask : {begin_mask, end_mask, shrink_axis_mask})
    if (mask < 0 || (mask & ~valid_bits) != 0)
      throw InvalidArgument(std::string(op) + ": mask " + std::to_string(mask) + " has bits beyond the " +
                            std::to_string(n) + " slice entries");
  Shape shape;
  Strides out_strides;
  autograd::StridedSliceLayout layout;  // where the elements came from, for the gradient
  std::int64_t offset = x.storage_offset();
  for (int i = 0; i < rank; ++i) {
    const std::int64_t dim = x.shape()[i], stride = x.strides()[i];
    if (i >= static_cast<int>(n)) {
      shape.push_back(dim);
      out_strides.push_back(stride);
      layout.start.push_back(0);
      layout.step.push_back(1);
      layout.length.push_back(dim);
      continue;
    }
    const std::int64_t step = strides.empty() ? 1 : strides[i];
    if (step == 0) throw InvalidArgument(std::string(op) + ": stride " + std::to_string(i) + " is 0");
    if (shrink_axis_mask >> i & 1) {
      if (step < 0)
        throw InvalidArgument(std::string(op) + ": axis " + std::to_string(i) +
                              " is shrunk to one index and needs a positive stride");
      const std::int64_t index = begin[i] < 0 ? begin[i] + dim : begin[i];
      if (index < 0 || index >= dim)
        throw OutOfRange(std::string(op) + ": index " + std::to_string(begin[i]) + " is out of range for axis " +
                         std::to_string(i) + " of " + describe(x));
      offset += index * stride;
      layout.start.push_back(index);
      layout.step.push_back(1);
      layout.length.push_back(1);
      continue;
    }
    const AxisRange r = python_range(dim, begin[i], end[i], step, begin_mask >> i & 1, end_mask >> i & 1);
    shape.push_back(r.length);
    // With fewer than two elements the step never applies, and step * stride could overflow.
    out_strides.push_back(r.length > 1 ? step * stride : stride);
    if (r.length > 0) offset += r.start * stride;
    layout.start.push_back(r.start);
    layout.step.push_back(r.length > 1 ? step : 1);
    layout.length.push_back(r.length);
  }
  Tensor out = detail::make_view(x, shape, out_strides, offset);
  autograd::record_strided_slice(x, std::move(layout), out);
  return out;
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  const char* op = "broadcast_to";
  const detail::TraceScope trace(op, {&x});
  check_defined(op, x);
  const int rank = shape.rank(), in_rank = x.rank();
  auto incompatible = [&] {
    return InvalidArgument(std::string(op) + ": cannot broadcast " + describe(x) + " to shape " + shape.to_string());
  };
  if (in_rank > rank) throw incompatible();
  Strides strides = Shape::filled(rank, 0);
  for (int i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      throw InvalidArgument(std::string(op) + ": target shape " + shape.to_string() + " has a negative dimension");
    const int j = i - (rank - in_rank);
    if (j < 0) continue;
    if (x.shape()[j] == shape[i]) strides[i] = x.strides()[j];
    else if (x.shape()[j] != 1) throw incompatible();
  }
  Tensor out = detail::make_view(x, shape, strides, x.storage_offset());
  autograd::record_broadcast_to(x, out);
  return out;
}

std::vector<Tensor> split(const Tensor& x, std::int64_t num, int axis) {
  const char* op = "split";
  check_defined(op, x);
  const int a = axis_of(op, axis, x.rank());
  const std::int64_t dim = x.shape()[a];
  if (num <= 0) throw InvalidArgument(std::string(op) + ": num must be >= 1, got " + std::to_string(num));
  if (dim % num != 0)
    throw InvalidArgument(std::string(op) + ": dimension " + std::to_string(a) + " of " + describe(x) +
                          " is not divisible into " + std::to_string(num) + " equal parts");
  return split(x, std::vector<std::int64_t>(static_cast<std::size_t>(num), dim / num), axis);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, int axis) {
  const char* op = "split";
  const detail::TraceScope trace(op, {&x});
  check_defined(op, x);
  const int a = axis_of(op, axis, x.rank());
  const std::int64_t dim = x.shape()[a];
  if (sizes.empty()) throw InvalidArgument(std::string(op) + ": sizes must not be empty");
  std::vector<std::int64_t> parts = sizes;
  int inferred = -1;
  std::int64_t total = 0;
  auto mismatch = [&] {
    return InvalidArgument(std::string(op) + ": sizes " + to_list(sizes) + " do not add up to dimension " +
                           std::to_string(a) + " of " + describe(x));
  };
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == -1) {
      if (inferred >= 0) throw InvalidArgument(std::string(op) + ": sizes " + to_list(sizes) + " has more than one -1");
      inferred = static_cast<int>(i);
    } else if (parts[i] < 0) {
      throw InvalidArgument(std::string(op) + ": sizes " + to_list(sizes) + " has a negative entry");
    } else {
      if (parts[i] > dim - total) throw mismatch();
      total += parts[i];
    }
  }
  if (inferred >= 0) parts[inferred] = dim - total;
  else if (total != dim) throw mismatch();
  std::vector<Tensor> out;
  out.reserve(parts.size());
  Shape shape = x.shape();
  std::int64_t start = 0;
  for (std::int64_t s : parts) {
    shape[a] = s;
    out.push_back(detail::make_view(x, shape, x.strides(), x.storage_offset() + (s > 0 ? start * x.strides()[a] : 0)));
    start += s;
  }
  autograd::record_split(x, a, out);
  return out;
}

std::vector<Tensor> unstack(const Tensor& x, int axis) {
  const char* op = "unstack";
  const detail::TraceScope trace(op, {&x});
  check_defined(op, x);
  const int a = axis_of(op, axis, x.rank());
  Shape shape = x.shape();
  Strides strides = x.strides();
  shape.erase(a);
  strides.erase(a);
  std::vector<Tensor> out;
  out.reserve(static_cast<std::size_t>(x.shape()[a]));
  for (std::int64_t i = 0; i < x.shape()[a]; ++i)
    out.push_back(detail::make_view(x, shape, strides, x.storage_offset() + i * x.strides()[a]));
  autograd::record_unstack(x, a, out);
  return out;
}

}  // namespace eager
