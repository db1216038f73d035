#pragma once
// Variable: named, mutable state with a fixed dtype, shape and device, as
// tf.Variable. Copying a Variable copies the handle; both copies see the same
// value.
//
// value() (and the implicit conversion to Tensor used when a variable is
// passed to an op) returns the live tensor: it is recorded by tapes that watch
// accessed variables, and it reflects later assignments. read_value() returns
// a copy that does not change.
#include <cstdint>
#include <memory>
#include <string>

#include "eager/scalar.hpp"
#include "eager/tensor.hpp"

namespace eager {

class Variable {
 public:
  Variable() = default;
  // The variable takes a contiguous copy of `initial_value`. The name is
  // prefixed with the current NameScope ("scope/name", as tf.name_scope
  // does); it need not be unique: modules and get_variable check their keys.
  explicit Variable(const Tensor& initial_value, std::string name = "Variable", bool trainable = true);

  bool defined() const { return state_ != nullptr; }
  const std::string& name() const;
  bool trainable() const;
  DType dtype() const { return handle().dtype(); }
  const Shape& shape() const { return handle().shape(); }
  Device device() const { return handle().device(); }

  Tensor value() const;
  operator Tensor() const { return value(); }  // NOLINT: a variable is used where a tensor is
  Tensor read_value() const;

  // In-place updates. The value is cast to the variable's dtype and
  // broadcast to its shape; anything else (shape mismatch, other device, a
  // number into a bool variable, a floating or out-of-range scalar into an
  // integer variable) throws InvalidArgument and leaves the variable as it
  // was. Not recorded on tapes, as in TensorFlow.
  void assign(const Tensor& value);
  void assign(Scalar value);
  void assign_add(const Tensor& delta);
  void assign_sub(const Tensor& delta);

  // The storage itself, never recorded: for optimizers and checkpoints. The
  // handle is fixed for the variable's life: writes go into its memory.
  const Tensor& handle() const;
  Tensor mutable_handle();

  // True when both handles name the same variable.
  bool is_same(const Variable& other) const { return state_ == other.state_; }

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace eager
