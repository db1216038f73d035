#include "eager/train/checkpoint_manager.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>

#include "durable_file.hpp"
#include "eager/error.hpp"
#include "eager/io.hpp"

namespace eager::train {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStateFileName = "checkpoint";

std::string join(const std::string& directory, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return (fs::path(directory) / path).string();
}

bool exists(const std::string& path) {
  std::error_code ignored;
  return fs::is_regular_file(path, ignored);
}

}  // namespace

std::optional<CheckpointState> get_checkpoint_state(const std::string& directory) {
  const std::string path = join(directory, kStateFileName);
  if (!exists(path)) return std::nullopt;
  return parse_checkpoint_state(io::read_file(path), path);
}

std::optional<std::string> latest_checkpoint(const std::string& directory) {
  const auto state = get_checkpoint_state(directory);
  if (!state || state->model_checkpoint_path.empty()) return std::nullopt;
  std::string path = join(directory, state->model_checkpoint_path);
  if (!exists(path)) return std::nullopt;
  return path;
}

CheckpointManager::CheckpointManager(const Checkpoint& checkpoint, std::string directory,
                                     CheckpointManagerOptions options)
    : checkpoint_(&checkpoint), directory_(std::move(directory)), options_(std::move(options)) {
  if (directory_.empty()) throw InvalidArgument("CheckpointManager: empty directory");
  if (options_.max_to_keep && *options_.max_to_keep < 1)
    throw InvalidArgument(fmt::format("CheckpointManager: max_to_keep must be at least 1 (or unset to keep all), got {}",
                                      *options_.max_to_keep));
  if (options_.keep_checkpoint_every_n_hours && !(*options_.keep_checkpoint_every_n_hours > 0))
    throw InvalidArgument("CheckpointManager: keep_checkpoint_every_n_hours must be positive");
  if (options_.checkpoint_name.empty() || options_.checkpoint_name.find('/') != std::string::npos)
    throw InvalidArgument(fmt::format("CheckpointManager: checkpoint_name '{}' must be a non-empty file name",
                                      options_.checkpoint_name));

  std::error_code error;
  fs::create_directories(directory_, error);
  if (error)
    throw Unavailable(fmt::format("CheckpointManager: cannot create directory '{}': {}", directory_, error.message()));
  remove_temporary_files();

  // TensorFlow's recovery rules: a clock that went backwards (another
  // machine, NTP) caps every recovered time at now, and checkpoints without
  // a time count as saved at the last preservation.
  const double current = now();
  const auto state = get_checkpoint_state(directory_);
  if (!state) {
    last_preserved_timestamp_ = current;
    return;
  }
  last_preserved_timestamp_ = std::min(state->last_preserved_timestamp.value_or(0.0), current);
  const auto& paths = state->all_model_checkpoint_paths;
  const auto& timestamps = state->all_model_checkpoint_timestamps;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (!exists(join(directory_, paths[i]))) continue;
    const double saved = timestamps.size() == paths.size() ? timestamps[i] : *last_preserved_timestamp_;
    kept_.push_back({paths[i], std::min(saved, current)});
  }
}

// Leftovers of crashed saves of this manager's files: a file that disappears
// meanwhile (another process cleaning too) is not an error.
void CheckpointManager::remove_temporary_files() const {
  std::error_code error;
  for (fs::directory_iterator it(directory_, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    const bool ours = name.starts_with("." + options_.checkpoint_name + "-") || name.starts_with(".checkpoint.tmp-");
    // A live process may be saving into the directory too: its files stay.
    std::error_code ignored;
    if (ours && io::detail::is_abandoned_temporary(name)) fs::remove(it->path(), ignored);
  }
  if (error)
    throw Unavailable(fmt::format("CheckpointManager: cannot list directory '{}': {}", directory_, error.message()));
}

double CheckpointManager::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string CheckpointManager::save(std::int64_t step) {
  const std::string path = checkpoint_->save(join(directory_, options_.checkpoint_name), step);
  const std::string file_name = fs::path(path).filename().string();
  std::vector<Kept> kept = kept_;
  std::erase_if(kept, [&](const Kept& entry) { return entry.file_name == file_name; });
  kept.push_back({file_name, now()});
  apply_retention(std::move(kept));
  return path;
}

// The state file is made durable before anything is deleted, so that it never
// names a deleted checkpoint as the latest; the manager's own state changes
// only once the state file is written, so a failed write changes nothing.
void CheckpointManager::apply_retention(std::vector<Kept> kept) {
  std::optional<double> last_preserved = last_preserved_timestamp_;
  std::vector<std::string> to_delete;
  if (options_.max_to_keep) {
    while (kept.size() > static_cast<std::size_t>(*options_.max_to_keep)) {
      const Kept oldest = kept.front();
      kept.erase(kept.begin());
      const auto every = options_.keep_checkpoint_every_n_hours;
      if (every && oldest.timestamp - *last_preserved >= *every * 3600.0) {
        last_preserved = oldest.timestamp;
      } else {
        to_delete.push_back(oldest.file_name);
      }
    }
  }
  write_state(kept, last_preserved);
  kept_ = std::move(kept);
  last_preserved_timestamp_ = last_preserved;
  for (const std::string& file_name : to_delete) {
    // Housekeeping only: a file someone already removed is not an error.
    std::error_code ignored;
    fs::remove(join(directory_, file_name), ignored);
  }
}

void CheckpointManager::write_state(const std::vector<Kept>& kept, std::optional<double> last_preserved) const {
  CheckpointState state;
  if (!kept.empty()) state.model_checkpoint_path = kept.back().file_name;
  for (const Kept& entry : kept) {
    state.all_model_checkpoint_paths.push_back(entry.file_name);
    state.all_model_checkpoint_timestamps.push_back(entry.timestamp);
  }
  state.last_preserved_timestamp = last_preserved;
  io::write_file(join(directory_, kStateFileName), format_checkpoint_state(state));
}

std::optional<std::string> CheckpointManager::latest_checkpoint() const {
  if (kept_.empty()) return std::nullopt;
  return join(directory_, kept_.back().file_name);
}

std::vector<std::string> CheckpointManager::checkpoints() const {
  std::vector<std::string> paths;
  for (const Kept& kept : kept_) paths.push_back(join(directory_, kept.file_name));
  return paths;
}

std::optional<RestoreResult> CheckpointManager::restore_latest(RestoreMode mode) const {
  const auto latest = latest_checkpoint();
  if (!latest) return std::nullopt;
  return checkpoint_->restore(*latest, mode);
}

}  // namespace eager::train
