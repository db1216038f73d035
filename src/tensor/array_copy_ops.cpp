// The copying ops of array_ops.hpp. They only move bytes, so one CPU
// implementation keyed by itemsize serves every dtype instead of a kernel
// table per dtype. Most of them are a single strided copy: the output (or a
// slice of it) is described as a view and the input as a matching view with
// broadcast (tile), negative (reverse) or offset (concat, pad) strides.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "autograd/grad_array.hpp"
#include "dispatch.hpp"
#include "dtype_dispatch.hpp"
#include "eager/array_ops.hpp"
#include "eager/autograd.hpp"
#include "thread_pool.hpp"
#include "trace_scope.hpp"

namespace eager {

namespace {

using detail::describe;

// Work per parallel_for chunk, in bytes: below this, waking threads costs
// more than the copy.
constexpr std::int64_t kGrainBytes = 64 * 1024;

// A coalesced rank is at most 63: every remaining dimension is >= 2 and the
// element count fits in int64.
constexpr int kMaxLoopRank = 64;

// Block edge of transposing copies. Power-of-two strides map the strided
// side's rows to few cache sets, so 16 beat 32 in measurements.
constexpr std::int64_t kTile = 16;

std::string to_list(const std::vector<std::int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

void check_cpu(const char* op, Device device) {
  if (!device.is_cpu())
    throw Unimplemented(std::string(op) + ": not implemented on " + device.name() +
                        "; only the CPU has a kernel for this op");
}

// Tensor::empty with a guard against num_elements * itemsize overflowing size_t.
Tensor alloc_output(const char* op, const Shape& shape, DType dtype) {
  const std::int64_t n = shape.num_elements();
  if (n > std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(itemsize(dtype)))
    throw InvalidArgument(std::string(op) + ": output shape " + shape.to_string() + " of " +
                          std::string(dtype_name(dtype)) + " is too large to address");
  return Tensor::empty(shape, dtype, Device::cpu());
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

// Calls fn(Word{}) with the unsigned integer type as wide as one element, so
// byte-moving loops compile to plain loads and stores for every dtype.
template <class Fn> void visit_itemsize(std::size_t size, Fn&& fn) {
  switch (size) {
    case 1: fn(std::uint8_t{}); break;
    case 2: fn(std::uint16_t{}); break;
    case 4: fn(std::uint32_t{}); break;
    default: fn(std::uint64_t{}); break;
  }
}

template <class W> void fill_words(char* dst, std::int64_t n, const ElementBytes& value) {
  W w;
  std::memcpy(&w, value.bytes, sizeof(W));
  std::fill(reinterpret_cast<W*>(dst), reinterpret_cast<W*>(dst) + n, w);
}

void parallel_fill(char* dst, std::int64_t n, const ElementBytes& value, std::size_t size) {
  visit_itemsize(size, [&](auto word) {
    using W = decltype(word);
    detail::parallel_for(n, kGrainBytes / static_cast<std::int64_t>(size), [&](std::int64_t b, std::int64_t e) {
      fill_words<W>(dst + b * static_cast<std::int64_t>(size), e - b, value);
    });
  });
}

// A copy of `dims` elements between two strided layouts (strides in bytes),
// outermost first, after dropping size-1 dimensions and merging dimensions
// that are contiguous in both layouts.
struct CopyLoop {
  int rank = 0;
  std::int64_t dims[kMaxLoopRank], src[kMaxLoopRank], dst[kMaxLoopRank];
};

CopyLoop plan_copy(const Shape& shape, const Strides& src, const Strides& dst, std::int64_t size) {
  CopyLoop loop;
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape[d] == 1) continue;
    const int last = loop.rank - 1;
    if (last >= 0 && loop.src[last] == src[d] * size * shape[d] && loop.dst[last] == dst[d] * size * shape[d]) {
      loop.dims[last] *= shape[d];
      loop.src[last] = src[d] * size;
      loop.dst[last] = dst[d] * size;
    } else {
      loop.dims[loop.rank] = shape[d];
      loop.src[loop.rank] = src[d] * size;
      loop.dst[loop.rank] = dst[d] * size;
      ++loop.rank;
    }
  }
  if (loop.rank == 0) {
    loop.dims[0] = 1;
    loop.src[0] = loop.dst[0] = size;
    loop.rank = 1;
  }
  return loop;
}

template <class W> void copy_row(const char* s, char* d, std::int64_t n, std::int64_t ss, std::int64_t ds) {
  if (ss == 0) {
    W w;
    std::memcpy(&w, s, sizeof(W));
    for (std::int64_t i = 0; i < n; ++i) std::memcpy(d + i * ds, &w, sizeof(W));
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) {
    W w;
    std::memcpy(&w, s + i * ss, sizeof(W));
    std::memcpy(d + i * ds, &w, sizeof(W));
  }
}

// The copy loop's dimension other than the innermost that is contiguous in
// the source, when the innermost one is strided there and contiguous in the
// destination (a transpose); -1 otherwise.
int transposed_dim(const CopyLoop& loop, std::int64_t size) {
  const int last = loop.rank - 1;
  if (last < 1 || loop.src[last] == size || loop.dst[last] != size || loop.dims[last] < kTile / 4) return -1;
  for (int d = 0; d < last; ++d)
    if (loop.src[d] == size) return d;
  return -1;
}

// A transposing copy in kTile x kTile blocks of (dimension j, innermost), so
// the cache lines of both sides are used whole instead of one element per
// line on the strided side.
void copy_tiled(const CopyLoop& loop, int j, const char* src, char* dst, std::int64_t size) {
  const int last = loop.rank - 1;
  int batch_dims[kMaxLoopRank];
  int num_batch = 0;
  std::int64_t batch = 1;
  for (int d = 0; d < last; ++d) {
    if (d == j) continue;
    batch_dims[num_batch++] = d;
    batch *= loop.dims[d];
  }
  const std::int64_t nj = loop.dims[j], nl = loop.dims[last], j_tiles = (nj + kTile - 1) / kTile;
  const std::int64_t sj = loop.src[j], dj = loop.dst[j], sl = loop.src[last], dl = loop.dst[last];
  visit_itemsize(static_cast<std::size_t>(size), [&](auto word) {
    using W = decltype(word);
    const std::int64_t grain = std::max<std::int64_t>(1, kGrainBytes / (kTile * nl * size));
    detail::parallel_for(batch * j_tiles, grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t item = begin; item < end; ++item) {
        std::int64_t rest = item / j_tiles, so = 0, dof = 0;
        for (int k = num_batch - 1; k >= 0; --k) {
          const int d = batch_dims[k];
          so += rest % loop.dims[d] * loop.src[d];
          dof += rest % loop.dims[d] * loop.dst[d];
          rest /= loop.dims[d];
        }
        const std::int64_t j0 = item % j_tiles * kTile, j1 = std::min(nj, j0 + kTile);
        for (std::int64_t l0 = 0; l0 < nl; l0 += kTile) {
          const std::int64_t l1 = std::min(nl, l0 + kTile);
          for (std::int64_t jj = j0; jj < j1; ++jj)
            copy_row<W>(src + so + jj * sj + l0 * sl, dst + dof + jj * dj + l0 * dl, l1 - l0, sl, dl);
        }
      }
    });
  });
}

// Copies the elements of `src` (any layout) to `dst`, which has src's shape
// and the given strides. The innermost dimension is a memcpy when both sides
// are contiguous there, transposes go in tiles; rows of the outer dimensions
// run in parallel.
void copy_into(const Tensor& src, char* dst, const Strides& dst_strides) {
  if (src.num_elements() == 0) return;
  const std::int64_t size = static_cast<std::int64_t>(itemsize(src.dtype()));
  const CopyLoop loop = plan_copy(src.shape(), src.strides(), dst_strides, size);
  const char* src_base = static_cast<const char*>(src.raw_data());
  if (const int j = transposed_dim(loop, size); j >= 0) return copy_tiled(loop, j, src_base, dst, size);
  const int outer_rank = loop.rank - 1;
  const std::int64_t inner = loop.dims[outer_rank], ss = loop.src[outer_rank], ds = loop.dst[outer_rank];
  const bool memcpy_rows = ss == size && ds == size;
  const std::int64_t rows = src.num_elements() / inner;
  const std::int64_t grain = std::max<std::int64_t>(1, kGrainBytes / (inner * size));
  visit_itemsize(static_cast<std::size_t>(size), [&](auto word) {
    using W = decltype(word);
    detail::parallel_for(rows, grain, [&](std::int64_t begin, std::int64_t end) {
      std::int64_t index[kMaxLoopRank];
      std::int64_t so = 0, dof = 0, rest = begin;
      for (int d = outer_rank - 1; d >= 0; --d) {
        index[d] = rest % loop.dims[d];
        rest /= loop.dims[d];
        so += index[d] * loop.src[d];
        dof += index[d] * loop.dst[d];
      }
      for (std::int64_t r = begin; r < end; ++r) {
        if (memcpy_rows) std::memcpy(dst + dof, src_base + so, static_cast<std::size_t>(inner * size));
        else copy_row<W>(src_base + so, dst + dof, inner, ss, ds);
        for (int d = outer_rank - 1; d >= 0; --d) {
          so += loop.src[d];
          dof += loop.dst[d];
          if (++index[d] < loop.dims[d]) break;
          so -= loop.dims[d] * loop.src[d];
          dof -= loop.dims[d] * loop.dst[d];
          index[d] = 0;
        }
      }
    });
  });
}

char* bytes_of(Tensor& t) { return static_cast<char*>(t.raw_mutable_data()); }

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

// Throws OutOfRange naming the first index of `ip` (the contiguous values
// of `indices`) outside [0, dim) and its position; `target` describes the
// indexed tensor.
template <class I>
void check_indices(const char* op, const I* ip, const Tensor& indices, std::int64_t dim, int a,
                   const std::string& target) {
  const std::int64_t count = indices.num_elements();
  // Branch-free first pass (it vectorises); the slow search runs only on error.
  bool any_bad = false;
  for (std::int64_t k = 0; k < count; ++k)
    any_bad |= static_cast<std::uint64_t>(static_cast<std::int64_t>(ip[k])) >= static_cast<std::uint64_t>(dim);
  for (std::int64_t k = 0; any_bad && k < count; ++k) {
    if (ip[k] >= 0 && ip[k] < dim) continue;
    std::vector<std::int64_t> pos(static_cast<std::size_t>(indices.rank()));
    std::int64_t rest = k;
    for (int d = indices.rank() - 1; d >= 0; --d) {
      pos[d] = rest % indices.shape()[d];
      rest /= indices.shape()[d];
    }
    throw OutOfRange(std::string(op) + ": indices" + (pos.empty() ? "" : to_list(pos)) + " = " +
                     std::to_string(ip[k]) + " is not in [0, " + std::to_string(dim) + ") for axis " +
                     std::to_string(a) + " of " + target);
  }
}

// gather after the argument checks, templated on the index type so int32
// indices are read in place. Every index is checked before anything is copied.
template <class I>
Tensor gather_impl(const Tensor& x, const Tensor& indices, int a, const Shape& shape) {
  const char* op = "gather";
  const Tensor idx = indices.contiguous();
  const I* ip = idx.data<I>();
  const std::int64_t count = idx.num_elements(), dim = x.shape()[a];
  check_indices(op, ip, indices, dim, a, describe(x));
  Tensor out = alloc_output(op, shape, x.dtype());
  if (out.num_elements() == 0) return out;

  const Tensor src = autograd::untracked_contiguous(x);
  const std::int64_t size = static_cast<std::int64_t>(itemsize(x.dtype()));
  std::int64_t inner = 1;
  for (int d = a + 1; d < x.rank(); ++d) inner *= x.shape()[d];
  const std::int64_t row = inner * size;
  const std::int64_t rows = out.num_elements() / inner;
  const char* const sp = static_cast<const char*>(src.raw_data());
  char* const dst = bytes_of(out);
  visit_itemsize(static_cast<std::size_t>(size), [&](auto word) {
    using W = decltype(word);
    detail::parallel_for(rows, std::max<std::int64_t>(1, kGrainBytes / row), [=](std::int64_t b, std::int64_t e) {
      std::int64_t o = b / count, n = b % count;
      // One-element rows (gathering from a vector) are word copies; typed
      // pointers also tell the compiler the stores alias nothing else.
      const W* const from_words = reinterpret_cast<const W*>(sp);
      W* const to_words = reinterpret_cast<W*>(dst);
      for (std::int64_t r = b; r < e; ++r) {
        const std::int64_t source_row = o * dim + static_cast<std::int64_t>(ip[n]);
        if (inner == 1) to_words[r] = from_words[source_row];
        else std::memcpy(dst + r * row, sp + source_row * row, static_cast<std::size_t>(row));
        if (++n == count) {
          n = 0;
          ++o;
        }
      }
    });
  });
  return out;
}

// out[p, idx[n], q] += updates[p, n, q] for out of shape [outer, dim, inner],
// zero-filled by the caller. Blocks of columns run in parallel and each walks
// n in order, so no two threads touch one element and the sums are the same
// on every run.
template <class T>
void scatter_add_rows(const T* updates, const std::int64_t* idx, T* out, std::int64_t outer, std::int64_t count,
                      std::int64_t dim, std::int64_t inner) {
  constexpr std::int64_t kColumns = 256;
  const std::int64_t blocks = (inner + kColumns - 1) / kColumns;
  const std::int64_t block_bytes = count * std::min(inner, kColumns) * static_cast<std::int64_t>(sizeof(T));
  detail::parallel_for(outer * blocks, std::max<std::int64_t>(1, kGrainBytes / block_bytes),
                       [=](std::int64_t b, std::int64_t e) {
                         for (std::int64_t item = b; item < e; ++item) {
                           const std::int64_t p = item / blocks, q0 = item % blocks * kColumns;
                           const std::int64_t q1 = std::min(inner, q0 + kColumns);
                           const T* from = updates + p * count * inner;
                           T* to = out + p * dim * inner;
                           for (std::int64_t n = 0; n < count; ++n) {
                             const T* row = from + n * inner;
                             T* target = to + idx[n] * inner;
                             for (std::int64_t q = q0; q < q1; ++q) target[q] += row[q];
                           }
                         }
                       });
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
  check_cpu(op, first.device());
  Tensor out = alloc_output(op, shape, first.dtype());
  const std::int64_t step = out.strides()[a] * static_cast<std::int64_t>(itemsize(out.dtype()));
  std::int64_t start = 0;
  for (const Tensor& v : values) {
    copy_into(v, bytes_of(out) + start * step, out.strides());
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
  check_cpu(op, device);
  Shape shape;
  for (int d = 0; d < a; ++d) shape.push_back(x.shape()[d]);
  for (auto d : indices.shape().dims()) shape.push_back(d);
  for (int d = a + 1; d < x.rank(); ++d) shape.push_back(x.shape()[d]);

  Tensor out = indices.dtype() == DType::Int32 ? gather_impl<std::int32_t>(x, indices, a, shape)
                                               : gather_impl<std::int64_t>(x, indices, a, shape);
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
  check_cpu(op, device);
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
  const Tensor idx = indices.cast(DType::Int64).contiguous();
  check_indices(op, idx.data<std::int64_t>(), indices, dim, axis, "shape " + shape.to_string());
  Tensor out = alloc_output(op, shape, updates.dtype());
  if (out.num_elements() > 0) parallel_fill(bytes_of(out), out.num_elements(), ElementBytes{}, itemsize(out.dtype()));
  if (updates.num_elements() > 0) {
    const Tensor src = autograd::untracked_contiguous(updates);
    const std::int64_t* ip = idx.data<std::int64_t>();
    if (out.dtype() == DType::Float32)
      scatter_add_rows(src.data<float>(), ip, out.mutable_data<float>(), outer, count, dim, inner);
    else
      scatter_add_rows(src.data<double>(), ip, out.mutable_data<double>(), outer, count, dim, inner);
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
  check_cpu(op, device);
  Shape shape = indices.shape();
  shape.push_back(depth);
  Tensor out = alloc_output(op, shape, out_dtype);
  if (out.num_elements() == 0) return out;
  const Tensor idx = indices.cast(DType::Int64).contiguous();
  const std::int64_t* ip = idx.data<std::int64_t>();
  const std::int64_t size = static_cast<std::int64_t>(itemsize(out_dtype));
  char* dst = bytes_of(out);
  visit_itemsize(static_cast<std::size_t>(size), [&](auto word) {
    using W = decltype(word);
    W on_word;
    std::memcpy(&on_word, on.bytes, sizeof(W));
    detail::parallel_for(idx.num_elements(), std::max<std::int64_t>(1, kGrainBytes / (depth * size)),
                         [&](std::int64_t b, std::int64_t e) {
                           for (std::int64_t i = b; i < e; ++i) {
                             char* row = dst + i * depth * size;
                             fill_words<W>(row, depth, off);
                             if (ip[i] >= 0 && ip[i] < depth) std::memcpy(row + ip[i] * size, &on_word, sizeof(W));
                           }
                         });
  });
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
  check_cpu(op, device);
  Tensor out = alloc_output(op, shape, x.dtype());
  if (out.num_elements() > 0) {
    const std::int64_t size = static_cast<std::int64_t>(itemsize(x.dtype()));
    if (x.num_elements() != out.num_elements())
      parallel_fill(bytes_of(out), out.num_elements(), value, static_cast<std::size_t>(size));
    std::int64_t offset = 0;
    for (int d = 0; d < rank; ++d) offset += paddings[d].first * out.strides()[d];
    copy_into(x, bytes_of(out) + offset * size, out.strides());
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
  check_cpu(op, device);
  Tensor out = alloc_output(op, shape, x.dtype());
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
  copy_into(detail::make_view(x, split_shape, src_strides, x.storage_offset()), bytes_of(out), dst_strides);
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
  check_cpu(op, device);
  Strides strides = x.strides();
  std::int64_t offset = x.storage_offset();
  for (int d = 0; d < rank; ++d) {
    if (!flip[d] || x.shape()[d] == 0) continue;
    offset += (x.shape()[d] - 1) * strides[d];
    strides[d] = -strides[d];
  }
  Tensor out = alloc_output(op, x.shape(), x.dtype());
  copy_into(detail::make_view(x, x.shape(), strides, offset), bytes_of(out), out.strides());
  autograd::record_reverse(x, axes, out);
  return out;
}

}  // namespace eager
