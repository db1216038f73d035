#pragma once
// Modules (tf.Module): objects that own variables and child modules, with
// hierarchical names; and the Dense layer.
//
//   class Mlp : public eager::Module {
//    public:
//     Mlp() : Module("mlp"),
//             layer1_(add_module<eager::Dense>(784, 500, eager::relu, "layer1")),
//             layer2_(add_module<eager::Dense>(500, 10, nullptr, "layer2")) {}
//     eager::Tensor operator()(const eager::Tensor& x) const { return layer2_(layer1_(x)); }
//    private:
//     eager::Dense& layer1_;
//     eager::Dense& layer2_;
//   };
//   Mlp model;
//   model.named_variables();      // {"layer1/weights", "layer1/biases", "layer2/weights", "layer2/biases"}
//   model.variables()[0].name();  // "mlp/layer1/weights"
//
// Names. A module has a name ("layer1") and a scope name, the path of name
// scopes it was created in plus its name ("mlp/layer1"). Its variables are
// named scope_name + "/" + variable name ("mlp/layer1/weights"): the
// Variable's own name is fixed when it is made, so it can hold the whole path
// only if the path is known then. Two ways of adding a child:
// - add_module<M>(constructor arguments...) constructs the child inside the
//   parent's scope (a NameScope of the parent's scope name), so the child's
//   variables get the full path. This is the form to use.
// - add_module(std::unique_ptr<M>) adopts a module made elsewhere; its
//   variables keep the names they were made with (made at the top level,
//   "layer1/weights"), unless it was made inside the parent's scope.
// Either way, named_variables() gives paths computed from the module tree,
// relative to the module it is called on ("layer1/weights" from "mlp",
// "weights" from "layer1"), and those are the checkpoint keys. Names are
// unique within a module (a variable and a child may not share one either),
// so paths are unique within a tree. A module made inside NameScope("outer")
// or compat::v1::VariableScope("outer") has scope name "outer/mlp" (TF2's
// rule); names across separate trees are not uniquified (two top-level
// "dense" layers both have a variable "dense/weights").
//
// Ownership. A parent owns its children (unique_ptr); add_module returns a
// reference to the child, valid as long as the parent lives. Modules can be
// neither copied nor moved, so neither that reference nor the parent's
// pointers to its children can be left pointing at a moved-from object.
// There is deliberately no register_module(Module&) for members: a registered
// member would be a second owner of nothing, and copying or moving the object
// holding it would leave the registration pointing at the old member. Hold a
// top-level module as a local, a member, or through std::unique_ptr.
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "eager/dtype.hpp"
#include "eager/initializers.hpp"
#include "eager/shape.hpp"
#include "eager/tensor.hpp"
#include "eager/variable.hpp"
#include "eager/variable_scope.hpp"

namespace eager {

class Module {
 public:
  // `name` must be non-empty and contain no '/' (InvalidArgument). The scope
  // name is the thread's current name scope + "/" + name.
  explicit Module(std::string name);
  virtual ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& name() const { return name_; }
  // The full path the module's variables are named under ("mlp/layer1").
  const std::string& scope_name() const { return scope_name_; }

  // All variables of this module and its submodules, depth first, in the
  // order they were added (a child's variables where the child was added).
  std::vector<Variable> variables() const;
  // The same, only those with trainable() set.
  std::vector<Variable> trainable_variables() const;
  // (path, variable) in variables() order, paths relative to this module:
  // "weights" for its own, "layer1/weights" for a child's.
  std::vector<std::pair<std::string, Variable>> named_variables() const;
  // Every descendant module (children, grandchildren, ...), depth first,
  // each before its own children, in the order they were added.
  std::vector<Module*> submodules() const;

 protected:
  // A variable named scope_name() + "/" + name holding a copy of
  // initial_value. `name` must be non-empty, contain no '/' and be new in
  // this module (InvalidArgument naming the module otherwise).
  Variable add_variable(const std::string& name, const Tensor& initial_value, bool trainable = true);
  // The same with the value initializer(shape, dtype) (Keras' add_weight);
  // the initializer must return exactly that shape and dtype.
  Variable add_variable(const std::string& name, const Shape& shape, DType dtype,
                        const initializers::Initializer& initializer, bool trainable = true);

  // Adopts `module` as a child (see "Ownership" above). Throws
  // InvalidArgument for a null pointer or a name already used in this module.
  template <class M>
    requires std::derived_from<M, Module>
  M& add_module(std::unique_ptr<M> module) {
    M* child = module.get();
    adopt(std::unique_ptr<Module>(std::move(module)));
    return *child;
  }

  // Constructs M(args...) inside this module's scope and adopts it, so its
  // variables are named under this module ("mlp/layer1/weights").
  template <class M, class... Args>
    requires std::derived_from<M, Module> && std::constructible_from<M, Args&&...>
  M& add_module(Args&&... args) {
    std::unique_ptr<M> child;
    {
      const NameScope inside(scope_name_ + "/");
      child = std::make_unique<M>(std::forward<Args>(args)...);
    }
    return add_module(std::move(child));
  }

 private:
  struct Entry {
    std::string name;
    Variable variable;               // set for a variable,
    std::unique_ptr<Module> module;  // or for a child module
  };

  void adopt(std::unique_ptr<Module> module);
  void check_new_name(const std::string& name, const char* what) const;
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Variable>>& out) const;

  std::string name_;
  std::string scope_name_;
  std::vector<Entry> entries_;
};

// An activation applied to a layer's output; null means none (linear).
using Activation = std::function<Tensor(const Tensor&)>;

// A fully connected layer (tf.keras.layers.Dense, TF1's
// tf.contrib.layers.fully_connected):
//   y = activation(x @ weights + biases),
// weights [in_features, out_features] and biases [out_features], both
// trainable, made in that order from their initializers. in_features and
// out_features must be >= 1 and dtype float32 or float64 (InvalidArgument
// naming the layer otherwise).
class Dense : public Module {
 public:
  Dense(std::int64_t in_features, std::int64_t out_features, Activation activation = nullptr,
        std::string name = "dense", initializers::Initializer weights_initializer = initializers::glorot_uniform(),
        initializers::Initializer bias_initializer = initializers::zeros(), DType dtype = DType::Float32);

  // x: rank >= 2, last dimension in_features, the layer's dtype; leading
  // dimensions are batch dimensions ([..., in] -> [..., out]). Anything else
  // throws InvalidArgument naming the layer's scope name. Reads the
  // variables, so a recording tape watches them (when trainable).
  Tensor operator()(const Tensor& x) const;

  Variable weights() const { return weights_; }
  Variable biases() const { return biases_; }
  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }
  DType dtype() const { return dtype_; }

 private:
  std::int64_t in_features_;
  std::int64_t out_features_;
  Activation activation_;
  DType dtype_;
  Variable weights_;
  Variable biases_;
};

}  // namespace eager
