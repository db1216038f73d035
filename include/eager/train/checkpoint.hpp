#pragma once
// Checkpoint: saves and restores named training state, as TF1's tf.train.Saver
// and TF2's tf.train.Checkpoint. The file is safetensors (eager/io/safetensors.hpp,
// docs/checkpoint-format.md), readable by Python's safetensors, PyTorch and NumPy.
//
//   eager::train::Checkpoint ckpt;
//   ckpt.add(model).add(optimizer).add(ema);
//   ckpt.save("run/model", step);            // run/model-<step>.safetensors
//   ckpt.restore("run/model-1000.safetensors");
//
//   // Load the moving averages into the model's own variables (the seed's
//   // Saver({"v/ExponentialMovingAverage": v})):
//   eager::train::Checkpoint(ema.variables_to_restore(model.variables())).restore(path);
//
// Keys. A checkpoint is a map from keys to variables. An object added without
// a key contributes its variables under their own names (Variable::name(),
// e.g. "mlp/layer1/weights", "mlp/layer1/weights/ExponentialMovingAverage",
// "SGD/iterations"), as TF1's Saver does; a variable added with a key, or
// through the map constructor, is saved and restored under that key. Modules,
// optimizers and moving averages are enumerated at every save and restore, so
// slots and shadows created after add() are included. Two variables under the
// same key are refused (InvalidArgument naming the key) at save and restore.
//
// Objects are held by reference: a Module, Optimizer or ExponentialMovingAverage
// added to a checkpoint must outlive it and stay where it is (not be moved
// from). Variables are handles and are copied.
//
// An optimizer's slots exist only after its first update or its build(): build
// the optimizer for the model's variables before restoring a checkpoint that
// holds its slots, as in Keras.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eager/io/safetensors.hpp"
#include "eager/variable.hpp"

namespace eager {
class Module;
class ExponentialMovingAverage;
namespace optimizers {
class Optimizer;
}
}  // namespace eager

namespace eager::train {

// The checkpoint file of `prefix` and `step`: "<prefix>-<step>.safetensors",
// or "<prefix>.safetensors" without a step.
std::string checkpoint_path(const std::string& prefix, std::optional<std::int64_t> step = std::nullopt);

// Strict: every variable of the checkpoint object must be in the file
// (NotFound listing the missing keys, and nothing is restored). Keys of the
// file that no variable asks for are allowed and reported; assert_consumed()
// turns them into an error. Partial: restores the keys present in both and
// reports the rest (TF2's expect_partial()).
enum class RestoreMode { Strict, Partial };

struct RestoreResult {
  std::string path;                  // the file restored from
  std::optional<std::int64_t> step;  // the global step it was saved at, when recorded
  io::Metadata metadata;             // the user's metadata (eager's own keys removed)
  std::vector<std::string> restored;    // keys restored, in file order
  std::vector<std::string> missing;     // keys of the checkpoint object absent from the file (Partial only)
  std::vector<std::string> unexpected;  // keys of the file no variable asked for
  // InvalidArgument listing the unexpected keys when there are any (TF2's
  // assert_consumed).
  void assert_consumed() const;
};

class Checkpoint {
 public:
  Checkpoint();
  // TF1's Saver({"v1": v1, "v2": v2}): each variable under the given key.
  explicit Checkpoint(const std::map<std::string, Variable>& variables);
  ~Checkpoint();
  Checkpoint(Checkpoint&&) noexcept;
  Checkpoint& operator=(Checkpoint&&) noexcept;

  // Each returns *this, to chain. Undefined variables and empty keys throw
  // InvalidArgument.
  Checkpoint& add(const std::string& key, const Variable& variable);
  Checkpoint& add(const Variable& variable);
  Checkpoint& add(const std::vector<Variable>& variables);
  Checkpoint& add(const Module& module);                       // Module::variables()
  Checkpoint& add(const optimizers::Optimizer& optimizer);     // iterations and slots
  Checkpoint& add(const ExponentialMovingAverage& average);    // the shadow variables

  // Metadata written into every file this object saves ("__metadata__" of
  // the safetensors header). Keys starting with "eager." are eager's own
  // (format, version, global step) and are refused at save.
  io::Metadata& metadata();
  const io::Metadata& metadata() const;

  // Every (key, variable) as they would be saved now, in the order added;
  // InvalidArgument on a repeated key.
  std::vector<std::pair<std::string, Variable>> variables() const;

  // Writes checkpoint_path(prefix, step) atomically and durably (a temporary
  // file, fsync, rename, fsync of the directory), records the step in the
  // metadata, and returns the path. A crash at any moment leaves the previous
  // file with that name, or none, never a torn one.
  std::string save(const std::string& prefix, std::optional<std::int64_t> step = std::nullopt) const;
  // The step read from an integer scalar variable (an optimizer's iterations()).
  std::string save(const std::string& prefix, const Variable& step) const;

  // Restores from a file written by save() (or any safetensors file). `path`
  // may omit the ".safetensors" extension. The file's header and every shape
  // are checked before any variable changes (InvalidArgument naming the key
  // and both shapes; stored dtypes are converted with cast()'s rules);
  // DataLoss for a damaged file, NotFound when it does not exist. Variables
  // are then read in place: an I/O error midway (a failing disk, a file
  // truncated in place by another program) throws DataLoss with the
  // variables read so far already changed.
  RestoreResult restore(const std::string& path, RestoreMode mode = RestoreMode::Strict) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace eager::train
