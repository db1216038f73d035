#include "eager/creation.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "array_kernels.hpp"
#include "dispatch.hpp"
#include "dtype_dispatch.hpp"
#include "eager/math.hpp"
#include "functors.hpp"
#include "trace_scope.hpp"

namespace eager {

namespace detail {

void throw_ragged(int depth, std::int64_t expected, std::int64_t got) {
  throw InvalidArgument("constant: nested initializer list is ragged at depth " + std::to_string(depth) +
                        " (lengths " + std::to_string(expected) + " and " + std::to_string(got) + ")");
}

Tensor constant_from_buffer(const void* data, DType src_dtype, const Shape& shape, std::optional<DType> dtype,
                            std::optional<Device> device, std::int64_t num_values) {
  if (num_values != shape.num_elements())
    throw InvalidArgument("constant: " + std::to_string(num_values) + " values do not fill shape " +
                          shape.to_string() + " (" + std::to_string(shape.num_elements()) + " elements)");
  Tensor host = Tensor::empty(shape, src_dtype, Device::cpu());
  if (host.num_elements() > 0) std::memcpy(host.raw_mutable_data(), data, host.num_elements() * itemsize(src_dtype));
  Tensor out = dtype ? cast(host, *dtype) : host;
  return out.to(device.value_or(default_device()));
}

}  // namespace detail

namespace {

// A new tensor of one value converted to dtype, filled on its device.
Tensor filled(const Shape& shape, Scalar value, DType dtype, Device device) {
  unsigned char bytes[8] = {};
  detail::visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Floating values convert like cast() (saturating); integers wrap like
    // any C++ integer conversion.
    T v;
    if (value.kind() == Scalar::Kind::Floating) v = detail::fn::Cast<T>::apply(value.to_double());
    else v = detail::fn::Cast<T>::apply(value.to_int64());
    std::memcpy(bytes, &v, sizeof(T));
  });
  Tensor out = Tensor::empty(shape, dtype, device);
  detail::fill_bytes("fill", out, bytes);
  return out;
}

void check_shape(const char* op, const Shape& shape) {
  for (auto d : shape.dims())
    if (d < 0) throw InvalidArgument(std::string(op) + ": shape " + shape.to_string() + " has a negative dimension");
}

}  // namespace

Tensor scalar(Scalar value, std::optional<DType> dtype, std::optional<Device> device) {
  return filled(Shape{}, value, dtype.value_or(value.default_dtype()), device.value_or(default_device()));
}

Tensor zeros(const Shape& shape, DType dtype, std::optional<Device> device) { return fill(shape, 0, dtype, device); }
Tensor ones(const Shape& shape, DType dtype, std::optional<Device> device) { return fill(shape, 1, dtype, device); }

Tensor fill(const Shape& shape, Scalar value, std::optional<DType> dtype, std::optional<Device> device) {
  const DType out_dtype = dtype.value_or(value.default_dtype());
  const Device out_device = device.value_or(default_device());
  const detail::TraceScope trace("fill", shape, out_dtype, out_device);
  check_shape("fill", shape);
  return filled(shape, value, out_dtype, out_device);
}

Tensor zeros_like(const Tensor& t, std::optional<DType> dtype) {
  return zeros(t.shape(), dtype.value_or(t.dtype()), t.device());
}
Tensor ones_like(const Tensor& t, std::optional<DType> dtype) {
  return ones(t.shape(), dtype.value_or(t.dtype()), t.device());
}
Tensor fill_like(const Tensor& t, Scalar value, std::optional<DType> dtype) {
  return fill(t.shape(), value, dtype.value_or(t.dtype()), t.device());
}

Tensor range(Scalar start, Scalar limit, Scalar delta, std::optional<DType> dtype, std::optional<Device> device) {
  const bool all_integer = start.kind() != Scalar::Kind::Floating && limit.kind() != Scalar::Kind::Floating &&
                           delta.kind() != Scalar::Kind::Floating;
  const DType out_dtype = dtype.value_or(all_integer ? DType::Int32 : DType::Float32);
  if (out_dtype == DType::Bool) throw InvalidArgument("range: dtype bool is not supported");
  const auto fail = [&](const std::string& why) {
    throw InvalidArgument("range(" + std::to_string(start.to_double()) + ", " + std::to_string(limit.to_double()) +
                          ", " + std::to_string(delta.to_double()) + "): " + why);
  };
  std::int64_t n = 0;
  if (is_integral(out_dtype)) {
    // As tf.range, the bounds are converted to the dtype first (2.5 -> 2).
    const std::int64_t s = start.to_int64(), l = limit.to_int64(), d = delta.to_int64();
    if (d == 0) fail("delta must not be 0 in " + std::string(dtype_name(out_dtype)));
    if ((d > 0 && s > l) || (d < 0 && s < l)) fail("start and limit are inconsistent with the sign of delta");
    // The limit is exclusive, so it may lie one past the dtype's range. Once
    // start fits, l -/+ 1 cannot overflow (l lies on delta's side of start).
    const auto limit_fits = [&] {
      return detail::integer_fits(l, out_dtype) || detail::integer_fits(d > 0 ? l - 1 : l + 1, out_dtype);
    };
    if (!detail::integer_fits(s, out_dtype) || !limit_fits())
      fail("the bounds do not fit " + std::string(dtype_name(out_dtype)));
    // Unsigned arithmetic: the span of two int64 values always fits.
    const std::uint64_t span = d > 0 ? static_cast<std::uint64_t>(l) - static_cast<std::uint64_t>(s)
                                     : static_cast<std::uint64_t>(s) - static_cast<std::uint64_t>(l);
    const std::uint64_t step = d > 0 ? static_cast<std::uint64_t>(d) : std::uint64_t{0} - static_cast<std::uint64_t>(d);
    const std::uint64_t count = span / step + (span % step != 0);
    if (count > static_cast<std::uint64_t>(INT64_MAX)) fail("too many elements");
    n = static_cast<std::int64_t>(count);
  } else {
    const double s = start.to_double(), l = limit.to_double(), d = delta.to_double();
    if (!std::isfinite(s) || !std::isfinite(l) || !std::isfinite(d)) fail("bounds and delta must be finite");
    if (d == 0) fail("delta must not be 0");
    if ((d > 0 && s > l) || (d < 0 && s < l)) fail("start and limit are inconsistent with the sign of delta");
    const double count = std::ceil(std::abs((l - s) / d));
    if (!(count < 0x1p62)) fail("too many elements");
    n = static_cast<std::int64_t>(count);
  }
  const detail::TraceScope trace("range", Shape{n}, out_dtype, device.value_or(default_device()));
  Tensor out = Tensor::empty(Shape{n}, out_dtype, Device::cpu());
  detail::visit_dtype(out_dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = static_cast<T*>(out.raw_mutable_data());
    for (std::int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_integral_v<T>)
        p[i] = static_cast<T>(static_cast<std::uint64_t>(start.to_int64()) +
                              static_cast<std::uint64_t>(i) * static_cast<std::uint64_t>(delta.to_int64()));
      else p[i] = static_cast<T>(start.to_double() + static_cast<double>(i) * delta.to_double());
    }
  });
  return out.to(device.value_or(default_device()));
}

Tensor range(Scalar limit) { return range(0, limit, 1); }

Tensor linspace(double start, double stop, std::int64_t num, DType dtype, std::optional<Device> device) {
  if (num < 0) throw InvalidArgument("linspace: num must be >= 0, got " + std::to_string(num));
  const detail::TraceScope trace("linspace", Shape{num}, dtype, device.value_or(default_device()));
  if (!is_floating(dtype))
    throw InvalidArgument("linspace: dtype must be float32 or float64, got " + std::string(dtype_name(dtype)));
  std::vector<double> values(static_cast<std::size_t>(num));
  const double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0;
  for (std::int64_t i = 0; i < num; ++i) values[i] = start + static_cast<double>(i) * step;
  if (num > 1) values.back() = stop;
  return constant(values, Shape{num}, dtype, device);
}

Tensor eye(std::int64_t num_rows, std::optional<std::int64_t> num_columns, DType dtype, std::optional<Device> device) {
  const std::int64_t cols = num_columns.value_or(num_rows);
  const detail::TraceScope trace("eye", Shape{num_rows, cols}, dtype, device.value_or(default_device()));
  if (num_rows < 0 || cols < 0)
    throw InvalidArgument("eye: num_rows and num_columns must be >= 0, got " + std::to_string(num_rows) + " and " +
                          std::to_string(cols));
  Tensor out = zeros(Shape{num_rows, cols}, dtype, Device::cpu());
  detail::visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = static_cast<T*>(out.raw_mutable_data());
    for (std::int64_t i = 0; i < std::min(num_rows, cols); ++i) p[i * cols + i] = T(1);
  });
  return out.to(device.value_or(default_device()));
}

}  // namespace eager
