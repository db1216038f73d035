#include "eager/train/checkpoint.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_map>

#include "eager/error.hpp"
#include "eager/module.hpp"
#include "eager/moving_average.hpp"
#include "eager/optimizers.hpp"

namespace eager::train {
namespace {

constexpr std::string_view kExtension = ".safetensors";
constexpr std::string_view kReservedPrefix = "eager.";
const std::string kFormatKey = "eager.format";
const std::string kFormatValue = "checkpoint";
const std::string kVersionKey = "eager.format_version";
const std::string kVersionValue = "1";
const std::string kStepKey = "eager.global_step";

bool file_exists(const std::string& path) {
  struct stat info{};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A checkpoint named the TF way ("model-1000", without an extension) is the
// file with the extension.
std::string resolve_path(const std::string& path) {
  if (ends_with(path, kExtension) || file_exists(path)) return path;
  const std::string with_extension = path + std::string(kExtension);
  return file_exists(with_extension) ? with_extension : path;
}

// At most a few names, so that a model of thousands of variables gives a
// readable message.
std::string list_keys(const std::vector<std::string>& keys) {
  constexpr std::size_t kShown = 8;
  std::string text;
  for (std::size_t i = 0; i < keys.size() && i < kShown; ++i) text += (i ? ", '" : "'") + keys[i] + "'";
  if (keys.size() > kShown) text += fmt::format(" and {} more", keys.size() - kShown);
  return text;
}

std::optional<std::int64_t> parse_step(const io::Metadata& metadata, const std::string& path) {
  const auto it = metadata.find(kStepKey);
  if (it == metadata.end()) return std::nullopt;
  std::int64_t step = 0;
  const char* begin = it->second.data();
  const char* end = begin + it->second.size();
  const auto [ptr, ec] = std::from_chars(begin, end, step);
  if (ec != std::errc() || ptr != end)
    throw DataLoss(fmt::format("restore '{}': metadata {} is '{}', not an integer", path, kStepKey, it->second));
  return step;
}

}  // namespace

std::string checkpoint_path(const std::string& prefix, std::optional<std::int64_t> step) {
  if (prefix.empty()) throw InvalidArgument("checkpoint_path: empty prefix");
  return step ? fmt::format("{}-{}{}", prefix, *step, kExtension) : prefix + std::string(kExtension);
}

void RestoreResult::assert_consumed() const {
  if (!unexpected.empty())
    throw InvalidArgument(fmt::format("restore '{}': {} key(s) of the file were not restored: {}", path,
                                      unexpected.size(), list_keys(unexpected)));
}

// One add() call. Objects other than variables are enumerated when the
// checkpoint is used, so that state they create later is included.
struct Checkpoint::State {
  struct Source {
    std::string key;  // set for a variable added under a key
    Variable variable;
    const Module* module = nullptr;
    const optimizers::Optimizer* optimizer = nullptr;
    const ExponentialMovingAverage* average = nullptr;
  };
  std::vector<Source> sources;
  io::Metadata metadata;
};

Checkpoint::Checkpoint() : state_(std::make_unique<State>()) {}

Checkpoint::Checkpoint(const std::map<std::string, Variable>& variables) : Checkpoint() {
  for (const auto& [key, variable] : variables) add(key, variable);
}

Checkpoint::~Checkpoint() = default;
Checkpoint::Checkpoint(Checkpoint&&) noexcept = default;
Checkpoint& Checkpoint::operator=(Checkpoint&&) noexcept = default;

Checkpoint& Checkpoint::add(const std::string& key, const Variable& variable) {
  if (key.empty()) throw InvalidArgument("Checkpoint::add: empty key");
  if (!variable.defined()) throw InvalidArgument(fmt::format("Checkpoint::add: the variable for '{}' is undefined", key));
  state_->sources.push_back({key, variable});
  return *this;
}

Checkpoint& Checkpoint::add(const Variable& variable) {
  if (!variable.defined()) throw InvalidArgument("Checkpoint::add: undefined variable");
  return add(variable.name(), variable);
}

Checkpoint& Checkpoint::add(const std::vector<Variable>& variables) {
  for (const Variable& variable : variables) add(variable);
  return *this;
}

Checkpoint& Checkpoint::add(const Module& module) {
  state_->sources.push_back({.key = {}, .variable = {}, .module = &module});
  return *this;
}

Checkpoint& Checkpoint::add(const optimizers::Optimizer& optimizer) {
  state_->sources.push_back({.key = {}, .variable = {}, .optimizer = &optimizer});
  return *this;
}

Checkpoint& Checkpoint::add(const ExponentialMovingAverage& average) {
  state_->sources.push_back({.key = {}, .variable = {}, .average = &average});
  return *this;
}

io::Metadata& Checkpoint::metadata() { return state_->metadata; }
const io::Metadata& Checkpoint::metadata() const { return state_->metadata; }

std::vector<std::pair<std::string, Variable>> Checkpoint::variables() const {
  std::vector<std::pair<std::string, Variable>> all;
  std::unordered_map<std::string, std::size_t> index_of_key;
  const auto append = [&](const std::string& key, const Variable& variable) {
    const auto [it, inserted] = index_of_key.emplace(key, all.size());
    if (inserted) {
      all.emplace_back(key, variable);
    } else if (!all[it->second].second.is_same(variable)) {
      // The same variable reached twice (a module and one of its variables)
      // is saved once; two variables under one key would lose one of them.
      throw InvalidArgument(fmt::format("Checkpoint: two different variables have the key '{}'", key));
    }
  };
  const auto append_named = [&](const std::vector<Variable>& variables) {
    for (const Variable& variable : variables) append(variable.name(), variable);
  };
  for (const State::Source& source : state_->sources) {
    if (source.module) {
      append_named(source.module->variables());
    } else if (source.optimizer) {
      append_named(source.optimizer->variables());
    } else if (source.average) {
      append_named(source.average->variables());
    } else {
      append(source.key, source.variable);
    }
  }
  return all;
}

std::string Checkpoint::save(const std::string& prefix, std::optional<std::int64_t> step) const {
  for (const auto& [key, value] : state_->metadata)
    if (key.starts_with(kReservedPrefix))
      throw InvalidArgument(fmt::format("Checkpoint::save: metadata key '{}' is reserved (keys starting with '{}' are eager's)",
                                        key, kReservedPrefix));
  io::Metadata metadata = state_->metadata;
  metadata[kFormatKey] = kFormatValue;
  metadata[kVersionKey] = kVersionValue;
  if (step) metadata[kStepKey] = std::to_string(*step);

  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [key, variable] : variables()) tensors.emplace_back(key, variable.handle());
  const std::string path = checkpoint_path(prefix, step);
  io::save_safetensors(path, tensors, metadata);
  return path;
}

std::string Checkpoint::save(const std::string& prefix, const Variable& step) const {
  if (!step.defined() || step.shape().num_elements() != 1 ||
      (step.dtype() != DType::Int32 && step.dtype() != DType::Int64))
    throw InvalidArgument("Checkpoint::save: the step must be an integer variable with one element");
  return save(prefix, std::optional<std::int64_t>(step.handle().item<std::int64_t>()));
}

RestoreResult Checkpoint::restore(const std::string& path, RestoreMode mode) const {
  const std::string resolved = resolve_path(path);
  const io::SafetensorsFile file(resolved);
  const auto variables = this->variables();

  RestoreResult result;
  result.path = resolved;
  std::set<std::string> requested;
  std::vector<std::pair<const io::SafetensorsEntry*, Variable>> plan;
  for (const auto& [key, variable] : variables) {
    requested.insert(key);
    if (!file.contains(key)) {
      result.missing.push_back(key);
      continue;
    }
    const io::SafetensorsEntry& entry = file.entry(key);
    if (entry.shape != variable.shape())
      throw InvalidArgument(fmt::format("restore '{}': '{}' has shape {} in the file but the variable has shape {}",
                                        resolved, key, entry.shape.to_string(), variable.shape().to_string()));
    if (!entry.dtype)
      throw Unimplemented(fmt::format("restore '{}': '{}' is stored as {}, which eager cannot read", resolved, key,
                                      entry.file_dtype));
    plan.emplace_back(&entry, variable);
  }
  if (mode == RestoreMode::Strict && !result.missing.empty())
    throw NotFound(fmt::format("restore '{}': {} variable(s) are not in the file: {} (RestoreMode::Partial restores "
                               "the others)",
                               resolved, result.missing.size(), list_keys(result.missing)));
  for (const io::SafetensorsEntry& entry : file.entries())
    if (!requested.contains(entry.name)) result.unexpected.push_back(entry.name);

  result.step = parse_step(file.metadata(), resolved);
  // In file order: sequential reads when the file is not cached.
  std::sort(plan.begin(), plan.end(), [](const auto& a, const auto& b) { return a.first->begin < b.first->begin; });
  for (auto& [entry, variable] : plan) {
    Tensor destination = variable.mutable_handle();
    file.read_into(entry->name, destination);
    result.restored.push_back(entry->name);
  }
  for (const auto& [key, value] : file.metadata())
    if (!key.starts_with(kReservedPrefix)) result.metadata.emplace(key, value);
  return result;
}

}  // namespace eager::train
