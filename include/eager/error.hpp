#pragma once
// The exception hierarchy of eager. Every error a user can provoke through the
// public API is one of these, with a message naming the op and showing the
// shapes, dtypes and devices involved. The names mirror TensorFlow's status
// codes so that ported code can catch the same categories.
#include <stdexcept>
#include <string>

namespace eager {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A malformed argument: wrong shape, dtype, device or value.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// An index or axis outside its valid range.
class OutOfRange : public Error {
 public:
  using Error::Error;
};

class NotFound : public Error {
 public:
  using Error::Error;
};

class AlreadyExists : public Error {
 public:
  using Error::Error;
};

// Bytes that do not decode: truncated files, CRC mismatches, corrupt headers.
class DataLoss : public Error {
 public:
  using Error::Error;
};

// A device or service that is not present (a CUDA device in a CPU-only build).
class Unavailable : public Error {
 public:
  using Error::Error;
};

// Memory (host or device) could not be obtained.
class ResourceExhausted : public Error {
 public:
  using Error::Error;
};

// The op exists but not for this combination of dtype and device.
class Unimplemented : public Error {
 public:
  using Error::Error;
};

// The call is valid but the object is not in a state that allows it.
class FailedPrecondition : public Error {
 public:
  using Error::Error;
};

// The device reported a failure eager cannot attribute to the arguments (a
// kernel fault, a lost device): TensorFlow's InternalError.
class Internal : public Error {
 public:
  using Error::Error;
};

}  // namespace eager
