#pragma once
// CheckpointManager: keeps the last few checkpoints of a training run in a
// directory, with TensorFlow's text state file "checkpoint" naming the latest,
// as tf.train.CheckpointManager; and latest_checkpoint / get_checkpoint_state
// for the programs that read them (an evaluator polling a training run).
//
//   eager::train::Checkpoint ckpt;  ckpt.add(model).add(optimizer);
//   eager::train::CheckpointManager manager(ckpt, "run", {.max_to_keep = 5});
//   manager.save(step);                                   // run/ckpt-<step>.safetensors
//   if (auto latest = eager::train::latest_checkpoint("run")) ckpt.restore(*latest);
//
// The state file, as TensorFlow writes it (paths relative to the directory
// for files inside it):
//   model_checkpoint_path: "ckpt-3000.safetensors"
//   all_model_checkpoint_paths: "ckpt-2000.safetensors"
//   all_model_checkpoint_paths: "ckpt-3000.safetensors"
//   all_model_checkpoint_timestamps: 1764370000.5
//   all_model_checkpoint_timestamps: 1764370060.25
//   last_preserved_timestamp: 1764369940.125
//
// Crash safety. save() writes the checkpoint durably, then the state file
// durably (both by rename), and only then deletes checkpoints that fell out
// of the window. A crash at any moment leaves the state file naming complete
// checkpoints only. Temporary files left by a crashed process are ignored by
// readers and deleted by the next CheckpointManager opened on the directory
// (those of a process still running are left alone). One directory is meant
// for one writing manager at a time.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eager/train/checkpoint.hpp"

namespace eager::train {

// The content of a "checkpoint" state file, with paths as written.
struct CheckpointState {
  std::string model_checkpoint_path;
  std::vector<std::string> all_model_checkpoint_paths;
  std::vector<double> all_model_checkpoint_timestamps;
  std::optional<double> last_preserved_timestamp;
};

// tf.train.get_checkpoint_state: the state file of `directory`, or nullopt
// when there is none. DataLoss naming the file and line when it does not
// parse. Files written by TensorFlow are read too.
std::optional<CheckpointState> get_checkpoint_state(const std::string& directory);

// tf.train.latest_checkpoint: the path of the newest checkpoint named by the
// state file of `directory` (relative paths joined to the directory), or
// nullopt when there is no state file or the file it names does not exist.
std::optional<std::string> latest_checkpoint(const std::string& directory);

// The text of a state file, byte for byte as it is written.
std::string format_checkpoint_state(const CheckpointState& state);
// Parses state-file text; DataLoss naming `source` and the line otherwise.
CheckpointState parse_checkpoint_state(const std::string& text, const std::string& source);

struct CheckpointManagerOptions {
  // How many of the newest checkpoints to keep; nullopt keeps all. Must be
  // >= 1 when given.
  std::optional<int> max_to_keep = 5;
  // A checkpoint leaving the window is kept anyway (and forgotten by the
  // state file) when at least this many hours passed since the last one kept
  // this way, as TensorFlow's keep_checkpoint_every_n_hours. Must be > 0.
  std::optional<double> keep_checkpoint_every_n_hours{};
  // File names are "<checkpoint_name>-<step>.safetensors".
  std::string checkpoint_name = "ckpt";
  // Seconds since the epoch; replaceable to test the retention rules.
  std::function<double()> clock{};
};

class CheckpointManager {
 public:
  // Creates `directory` when missing. Picks up the checkpoints named by an
  // existing state file (those whose files still exist), so a restarted run
  // continues its window, with TensorFlow's rules (times later than now are
  // capped at now; a missing time counts as the last preservation), and
  // deletes this manager's temporary files that crashed processes left
  // behind. `checkpoint` must outlive the manager.
  CheckpointManager(const Checkpoint& checkpoint, std::string directory, CheckpointManagerOptions options = {});

  // Saves a checkpoint for `step`, writes the state file, then applies the
  // retention rules. Returns the checkpoint's path. Saving a step that is
  // already managed replaces its file.
  std::string save(std::int64_t step);

  // The newest managed checkpoint, if any.
  std::optional<std::string> latest_checkpoint() const;
  // The managed checkpoints, oldest first (full paths).
  std::vector<std::string> checkpoints() const;
  const std::string& directory() const { return directory_; }

  // Restores the latest checkpoint and returns its result, or returns
  // nullopt when there is none (TF's restore_or_initialize, the initializing
  // left to the caller).
  std::optional<RestoreResult> restore_latest(RestoreMode mode = RestoreMode::Strict) const;

 private:
  struct Kept {
    std::string file_name;
    double timestamp;
  };
  void remove_temporary_files() const;
  void write_state(const std::vector<Kept>& kept, std::optional<double> last_preserved) const;
  void apply_retention(std::vector<Kept> kept);
  double now() const;

  const Checkpoint* checkpoint_;
  std::string directory_;
  CheckpointManagerOptions options_;
  std::vector<Kept> kept_;
  std::optional<double> last_preserved_timestamp_;
};

}  // namespace eager::train
