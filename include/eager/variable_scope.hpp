#pragma once
// Name scopes (tf.name_scope) and TF1's variable scopes (tf.compat.v1.
// variable_scope / get_variable), for code ported from TensorFlow 1.
//
//   namespace v1 = eager::compat::v1;
//   v1::VariableStore store;                  // or the thread's default store
//   auto use = store.as_default();
//   Tensor layer(const Tensor& x) {
//     Variable w = v1::get_variable("w", {784, 10});   // "net/w" below
//     return matmul(x, w);
//   }
//   { v1::VariableScope scope("net"); layer(x_train); }                   // creates net/w
//   { v1::VariableScope scope("net", v1::Reuse::Yes); layer(x_test); }    // shares net/w
//
// Namespaces: NameScope is TF2's tf.name_scope too, so it lives in eager::
// (and is named again in eager::compat::v1); everything that only TF1 has
// lives in eager::compat::v1, mirroring tf.compat.v1.
//
// The two kinds of scope, as in TF1:
// - A NameScope prefixes the names of variables made with the plain Variable
//   constructor inside it ("bar/v"), and of modules created inside it
//   (module.hpp). It does not affect get_variable.
// - A VariableScope prefixes get_variable names and sets reuse; it also opens
//   a NameScope of the same name, so plain Variables inside
//   VariableScope("foo") are "foo/v" as well. Inside NameScope("a"),
//   VariableScope("b") gives get_variable name "b/w" but plain variable name
//   "a/b/v" (TF1's rule).
// Both are per thread, RAII guards that must be destroyed in reverse order of
// creation (as stack objects are).
//
// Uniquification: TF1 graph mode renames a second plain Variable "v" in the
// same scope to "v_1", and a re-entered name scope "foo" to "foo_1". eager
// does not, as TF2 eager does not: names of plain Variables may repeat. The
// names that must be unique are keys in a registry, and those are checked:
// get_variable names in a VariableStore, and module paths (module.hpp).
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "eager/dtype.hpp"
#include "eager/initializers.hpp"
#include "eager/shape.hpp"
#include "eager/variable.hpp"

namespace eager {

// tf.name_scope. While alive, the thread's current name scope is:
//   NameScope("bar")  -> current + "/bar" (just "bar" at the root): relative;
//   NameScope("a/b/") -> "a/b": a name ending in '/' is absolute (TF1's rule);
//   NameScope("")     -> the root scope, "" (TF1's name_scope(None)).
// Throws InvalidArgument for a name with an empty component ("/a", "a//b").
class NameScope {
 public:
  explicit NameScope(const std::string& name);
  ~NameScope();
  NameScope(const NameScope&) = delete;
  NameScope& operator=(const NameScope&) = delete;

 private:
  std::string previous_;
};

// The thread's current name scope without a trailing '/' ("" at the root),
// as tf.compat.v1.get_default_graph().get_name_scope().
const std::string& current_name_scope();

}  // namespace eager

namespace eager::compat::v1 {

using eager::NameScope;
using initializers::Initializer;

// A scope's reuse setting: No (TF1's reuse=None/False: create, and refuse
// existing names), Yes (reuse=True: only share existing variables) and Auto
// (tf.AUTO_REUSE: create when missing, share when present).
enum class Reuse { No, Yes, Auto };

// The registry of variables made by get_variable, keyed by full name (the
// variables of a TF1 graph). Each thread has a default store; a store object
// of your own becomes the thread's current one while the guard from
// as_default() lives (graph.as_default()), which keeps tests independent.
// A store may be shared by threads: its methods lock a mutex.
class VariableStore {
 public:
  VariableStore() = default;
  VariableStore(const VariableStore&) = delete;
  VariableStore& operator=(const VariableStore&) = delete;

  // The store get_variable uses on this thread: the innermost as_default()
  // store, else the thread's default store.
  static VariableStore& current();

  // What get_variable does once the scope has resolved the full name and the
  // reuse setting:
  // - `full_name` exists: reuse No throws AlreadyExists; otherwise `shape` and
  //   `dtype` must equal the existing variable's (InvalidArgument otherwise)
  //   and it is returned (`initializer` and `trainable` are ignored).
  // - `full_name` is missing: reuse Yes throws NotFound; otherwise a Variable
  //   named `full_name` (no name scope applied) is made from
  //   initializer(shape, dtype), which must return that shape and dtype.
  // `initializer` must not call get_variable on this store (it holds the lock).
  Variable get_or_create(const std::string& full_name, const Shape& shape, DType dtype, const Initializer& initializer,
                         bool trainable, Reuse reuse);

  bool contains(const std::string& full_name) const;
  // All variables, in creation order (tf.compat.v1.global_variables()).
  std::vector<Variable> variables() const;
  // The trainable ones, in creation order (tf.compat.v1.trainable_variables()).
  std::vector<Variable> trainable_variables() const;
  // Forgets every variable (the variables themselves live on in their handles).
  void clear();

  class DefaultGuard {
   public:
    explicit DefaultGuard(VariableStore& store);
    ~DefaultGuard();
    DefaultGuard(const DefaultGuard&) = delete;
    DefaultGuard& operator=(const DefaultGuard&) = delete;

   private:
    VariableStore* previous_;
  };
  // Makes this store the thread's current one until the guard is destroyed.
  // The store must outlive the guard.
  [[nodiscard]] DefaultGuard as_default() { return DefaultGuard(*this); }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Variable> by_name_;
  std::vector<Variable> in_order_;
};

// tf.compat.v1.variable_scope(name, reuse=..., initializer=...). While alive:
// - the variable scope name is the enclosing one + "/" + name (just `name` at
//   the root); `name` may itself contain '/' but no empty component;
// - reuse is `reuse` unless that is No, in which case it is inherited from
//   the enclosing scope: a reusing scope makes its children reuse, and No
//   cannot switch reuse off inside it (TF1's rule);
// - the default initializer is `initializer` when given, else inherited;
// - NameScope(name) is open, so plain Variables get the prefix too.
// An empty name opens no new component: it keeps the current scope (and name
// scope) and only changes reuse or the initializer, as TF1's
// tf.variable_scope("", reuse=True). Throws InvalidArgument for an empty
// component ("a//b", "/a", "a/").
class VariableScope {
 public:
  explicit VariableScope(const std::string& name, Reuse reuse = Reuse::No, Initializer initializer = nullptr);
  ~VariableScope();
  VariableScope(const VariableScope&) = delete;
  VariableScope& operator=(const VariableScope&) = delete;

  struct State {
    std::string name;
    Reuse reuse = Reuse::No;
    Initializer initializer;
  };

 private:
  State previous_;
  NameScope name_scope_;
};

// The thread's current variable scope (tf.compat.v1.get_variable_scope()):
// its name ("" at the root), reuse and default initializer.
const VariableScope::State& get_variable_scope();

// tf.compat.v1.get_variable_scope().reuse_variables(): the current scope
// reuses (Reuse::Yes) until it closes. At the root it lasts for the thread.
void reuse_variables();

// tf.compat.v1.get_variable: the variable named scope + "/" + name in the
// current store, created or shared according to the current scope's reuse
// (see VariableStore::get_or_create), with these exact messages (prefixed by
// "get_variable: "):
//   reuse No,  name exists:  "Variable foo/v already exists, disallowed. Did you mean to set
//                             reuse=True or reuse=tf.AUTO_REUSE in VarScope?"      (AlreadyExists)
//   reuse Yes, name missing: "Variable foo/v does not exist, or was not created with
//                             tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in
//                             VarScope?"                                           (NotFound)
//   reused with another shape or dtype: "Trying to share variable foo/v, but specified shape
//                             (3,) and found shape (2, 2)." (or dtype)             (InvalidArgument)
// A null `initializer` means the scope's default initializer, else (TF1's
// rule) glorot_uniform() for floating dtypes and zeros() for the others.
// Name scopes do not affect the name. Throws InvalidArgument for an empty name.
Variable get_variable(const std::string& name, const Shape& shape, DType dtype = DType::Float32,
                      Initializer initializer = nullptr, bool trainable = true);

// The current store's variables (tf.compat.v1.global_variables() /
// trainable_variables()). Unlike TF1 these hold only get_variable's
// variables: plain Variables are not collected anywhere.
std::vector<Variable> global_variables();
std::vector<Variable> trainable_variables();

}  // namespace eager::compat::v1
