#include "eager/tensor.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <ostream>

#include "autograd/grad_array.hpp"
#include "caching_allocator.hpp"
#include "device_runtime.hpp"
#include "dispatch.hpp"
#include "eager/array_ops.hpp"
#include "eager/math.hpp"
#include "eager/memory.hpp"
#include "trace_scope.hpp"

namespace eager {

namespace detail {

Storage::~Storage() {
  if (device_.is_cpu()) CpuAllocator::instance().deallocate(data_, nbytes_);
  else cuda_runtime_checked(device_).deallocate(data_, nbytes_, device_.index());
}

std::shared_ptr<Storage> Storage::allocate(std::size_t nbytes, Device device) {
  std::size_t capacity = 0;
  void* p = device.is_cpu() ? CpuAllocator::instance().allocate(nbytes, &capacity)
                            : cuda_runtime_checked(device).allocate(nbytes, device.index(), &capacity);
  return std::make_shared<Storage>(p, capacity, device);
}

std::string describe(const Tensor& t) {
  if (!t.defined()) return "<undefined tensor>";
  std::string s(dtype_name(t.dtype()));
  s += t.shape().to_string();
  if (!t.device().is_cpu()) s += " on " + t.device().name();
  return s;
}

Device common_device(const char* op, std::initializer_list<const Tensor*> tensors) {
  const Tensor* first = nullptr;
  for (const Tensor* t : tensors) {
    if (!t->defined()) throw InvalidArgument(std::string(op) + ": an argument is an undefined (default-constructed) tensor");
    if (!first) first = t;
    else if (!(t->device() == first->device()))
      throw InvalidArgument(std::string(op) + ": arguments are on different devices (" + first->device().name() +
                            " and " + t->device().name() + "); move them with .to(device) first");
  }
  return first ? first->device() : default_device();
}

int normalize_axis(const char* op, int axis, int rank) {
  const int lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 1 : rank;
  if (axis < lo || axis >= hi)
    throw OutOfRange(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                     std::to_string(rank));
  return axis < 0 ? axis + std::max(rank, 1) : axis;
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  const int rank = std::max(a.rank(), b.rank());
  Shape out = Shape::filled(rank, 1);
  for (int i = 0; i < rank; ++i) {
    const int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
    const std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw InvalidArgument(std::string(op) + ": shapes " + a.to_string() + " and " + b.to_string() +
                            " are not broadcast-compatible (dimension " + std::to_string(i) + ": " +
                            std::to_string(da) + " vs " + std::to_string(db) + ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Strides contiguous_strides(const Shape& shape) {
  Strides s = Shape::filled(shape.rank(), 1);
  for (int i = shape.rank() - 2; i >= 0; --i) s[i] = s[i + 1] * std::max<std::int64_t>(shape[i + 1], 1);
  return s;
}

ElementwiseArgs make_elementwise_args(const Shape& out_shape, std::initializer_list<const Tensor*> inputs,
                                      void* out) {
  ElementwiseArgs args;
  args.out = out;
  args.num_elements = out_shape.num_elements();
  const int rank = out_shape.rank();
  const int n = static_cast<int>(inputs.size());
  // The common case, worth its own path for small ops: every input is
  // contiguous and either full-size or a single broadcast element.
  bool flat = true;
  for (const Tensor* t : inputs) {
    const auto& impl = t->impl();
    flat = flat && impl.contiguous && (impl.num_elements == 1 || impl.shape == out_shape);
  }
  if (flat) {
    args.shape = Shape{args.num_elements};
    int k = 0;
    for (const Tensor* t : inputs) {
      const auto& impl = t->impl();
      args.in_strides[k] = Shape{impl.num_elements == 1 ? 0 : 1};
      args.in[k++] = impl.data();
    }
    return args;
  }
  // Broadcast strides per input, aligned to the output rank.
  Strides strides[kMaxElementwiseInputs];
  int k = 0;
  for (const Tensor* t : inputs) {
    const auto& impl = t->impl();
    strides[k] = Shape::filled(rank, 0);
    const int offset = rank - impl.shape.rank();
    for (int d = 0; d < impl.shape.rank(); ++d)
      strides[k][offset + d] = impl.shape[d] == 1 ? 0 : impl.strides[d];
    args.in[k] = impl.data();
    ++k;
  }
  // Merge dimension d into the previous kept one when, for every operand,
  // stepping the previous one equals stepping d through its whole extent.
  // Size-1 output dims simply vanish.
  Shape& dims = args.shape;
  for (int d = 0; d < rank; ++d) {
    if (out_shape[d] == 1) continue;
    const int last = dims.rank() - 1;
    bool can_merge = last >= 0;
    for (int i = 0; i < n && can_merge; ++i)
      can_merge = args.in_strides[i][last] == strides[i][d] * out_shape[d];
    if (can_merge) {
      dims[last] *= out_shape[d];
      for (int i = 0; i < n; ++i) args.in_strides[i][last] = strides[i][d];
    } else {
      dims.push_back(out_shape[d]);
      for (int i = 0; i < n; ++i) args.in_strides[i].push_back(strides[i][d]);
    }
  }
  if (dims.rank() == 0 && rank > 0) {
    // Every dimension is 1: a single element.
    dims.push_back(out_shape.num_elements() == 0 ? 0 : 1);
    for (int i = 0; i < n; ++i) args.in_strides[i].push_back(0);
  }
  return args;
}

void throw_no_kernel(const char* op, Device device, DType dtype) {
  throw Unimplemented(std::string(op) + ": no kernel for dtype " + std::string(dtype_name(dtype)) + " on " +
                      device.name());
}

std::uint64_t next_tensor_id() {
  // Threads take ids in blocks so that creating a tensor costs no atomic
  // operation in the common case.
  constexpr std::uint64_t block = 4096;
  static std::atomic<std::uint64_t> next_block{1};
  thread_local std::uint64_t next = 0, end = 0;
  if (next == end) {
    next = next_block.fetch_add(block, std::memory_order_relaxed);
    end = next + block;
  }
  return next++;
}

void copy_into(Tensor& dst, const Tensor& src, const char* op) {
  const detail::TraceScope trace("assign", {&dst, &src});
  const Device device = common_device(op, {&dst, &src});
  if (!dst.is_contiguous()) throw InvalidArgument(std::string(op) + ": the destination is not contiguous");
  if (!(broadcast_shapes(op, dst.shape(), src.shape()) == dst.shape()))
    throw InvalidArgument(std::string(op) + ": a value of shape " + src.shape().to_string() +
                          " does not fit shape " + dst.shape().to_string());
  if (dst.dtype() == DType::Bool && src.dtype() != DType::Bool)
    throw InvalidArgument(std::string(op) + ": cannot write " + std::string(dtype_name(src.dtype())) +
                          " values into a bool tensor");
  if (dst.num_elements() == 0) return;
  const auto kernel = kernel_for(registry().cast[static_cast<int>(dst.dtype())], op, device, src.dtype());
  kernel(make_elementwise_args(dst.shape(), {&src}, dst.raw_mutable_data()));
}

Tensor make_view(const Tensor& base, const Shape& shape, const Strides& strides, std::int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  const auto& b = base.impl();
  impl->dtype = b.dtype;
  impl->device = b.device;
  impl->storage = b.storage;
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->num_elements = shape.num_elements();
  // Contiguous when the strides equal row-major strides on every dimension
  // that has more than one element.
  bool contiguous = true;
  std::int64_t expected = 1;
  for (int d = shape.rank() - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;
    if (strides[d] != expected) {
      contiguous = false;
      break;
    }
    expected *= shape[d];
  }
  impl->contiguous = contiguous;
  return Tensor(std::move(impl));
}

}  // namespace detail

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  auto impl = std::make_shared<detail::TensorImpl>();
  impl->dtype = dtype;
  impl->device = device;
  impl->num_elements = shape.num_elements();
  impl->shape = shape;
  impl->strides = detail::contiguous_strides(shape);
  const auto count = static_cast<std::uint64_t>(impl->num_elements);
  if (count > std::numeric_limits<std::size_t>::max() / itemsize(dtype))
    throw ResourceExhausted("Tensor::empty: shape " + shape.to_string() + " of " + std::string(dtype_name(dtype)) +
                            " needs more bytes than fit in memory");
  impl->storage = detail::Storage::allocate(static_cast<std::size_t>(count) * itemsize(dtype), device);
  return Tensor(std::move(impl));
}

void Tensor::throw_undefined() {
  throw InvalidArgument("operation on an undefined (default-constructed) Tensor");
}

void Tensor::check_typed_access(DType requested) const {
  const auto& impl = checked();
  if (impl.dtype != requested)
    throw InvalidArgument("Tensor::data<" + std::string(dtype_name(requested)) + ">: tensor has dtype " +
                          std::string(dtype_name(impl.dtype)));
  if (!impl.device.is_cpu())
    throw InvalidArgument("Tensor::data: tensor is on " + impl.device.name() + "; copy it with .cpu() first");
  if (!impl.contiguous)
    throw InvalidArgument("Tensor::data: tensor is a non-contiguous view; call .contiguous() first");
}

std::int64_t Tensor::dim(int axis) const {
  if (rank() == 0) throw OutOfRange("Tensor::dim: a scalar (0-d) tensor has no axis " + std::to_string(axis));
  return shape()[detail::normalize_axis("Tensor::dim", axis, rank())];
}

bool Tensor::shares_storage_with(const Tensor& other) const {
  return defined() && other.defined() && impl_->storage == other.impl_->storage;
}

// Returning *this hands the tape the same tensor, through which gradients
// pass untouched; the copy is recorded by clone().
Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  const detail::TraceScope trace("clone", {this});
  const auto& impl = checked();
  Tensor out = empty(impl.shape, impl.dtype, impl.device);
  auto kernel = detail::kernel_for(detail::registry().cast[static_cast<int>(impl.dtype)], "clone", impl.device,
                                   impl.dtype);
  if (impl.num_elements > 0) kernel(detail::make_elementwise_args(impl.shape, {this}, out.raw_mutable_data()));
  autograd::record_clone(*this, out);
  return out;
}

Tensor Tensor::cast(DType dtype) const { return eager::cast(*this, dtype); }

Tensor Tensor::to(Device device) const {
  // The same tensor, so nothing to record: gradients pass through untouched.
  const Device from = checked().device;
  if (from == device) return *this;
  const detail::TraceScope trace("copy_to_device", {this});
  // Views are made contiguous on their own device first, so a transfer is
  // always one block.
  const Tensor src = autograd::untracked_contiguous(*this);
  Tensor out = empty(src.shape(), src.dtype(), device);
  const std::size_t nbytes = static_cast<std::size_t>(src.num_elements()) * itemsize(src.dtype());
  if (nbytes > 0) {
    void* dst = out.raw_mutable_data();
    const void* from_data = src.raw_data();
    if (device.is_cpu())
      detail::cuda_runtime_checked(from).copy_device_to_host(dst, from_data, from.index(), nbytes);
    else if (from.is_cpu())
      detail::cuda_runtime_checked(device).copy_host_to_device(dst, device.index(), from_data, nbytes);
    else
      detail::cuda_runtime_checked(device).copy_device_to_device(dst, device.index(), from_data, from.index(), nbytes);
  }
  autograd::record_to_device(*this, out);
  return out;
}

Tensor Tensor::reshape(const Shape& shape) const { return eager::reshape(*this, shape); }

Tensor Tensor::operator[](std::int64_t i) const {
  const auto& impl = checked();
  if (impl.shape.rank() == 0) throw InvalidArgument("Tensor::operator[]: cannot index a scalar (0-d) tensor");
  const std::int64_t n = impl.shape[0];
  if (i < -n || i >= n)
    throw OutOfRange("Tensor::operator[]: index " + std::to_string(i) + " is out of range for axis 0 of size " +
                     std::to_string(n));
  if (i < 0) i += n;
  Shape shape = impl.shape;
  Strides strides = impl.strides;
  shape.erase(0);
  strides.erase(0);
  Tensor out = detail::make_view(*this, shape, strides, impl.offset + i * impl.strides[0]);
  autograd::record_index(*this, i, out);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

namespace memory {
Stats stats(Device device) {
  if (device.is_cpu()) return detail::CpuAllocator::instance().stats();
  return detail::cuda_runtime_checked(device).stats(device.index());
}
void reset_peak(Device device) {
  if (device.is_cpu()) detail::CpuAllocator::instance().reset_peak();
  else detail::cuda_runtime_checked(device).reset_peak(device.index());
}
void empty_cache(Device device) {
  if (device.is_cpu()) detail::CpuAllocator::instance().empty_cache();
  else detail::cuda_runtime_checked(device).empty_cache(device.index());
}
void set_cache_limit(std::int64_t bytes, Device device) {
  if (device.is_cpu()) detail::CpuAllocator::instance().set_cache_limit(bytes);
  else detail::cuda_runtime_checked(device).set_cache_limit(bytes, device.index());
}
}  // namespace memory

}  // namespace eager
