// Kills a process that saves checkpoints in a loop at random moments, hundreds
// of times, and checks after each kill that the latest checkpoint is whole:
// every element of every variable equals the step it was saved at.
#include <catch2/catch.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "data/temp_dir.hpp"
#include "eager/eager.hpp"
#include "eager/train.hpp"

extern char** environ;

using namespace eager;

namespace {

// Starts the child and returns once it has restored and is about to save,
// so that the kill lands in its loop of saves, not in its start-up.
pid_t spawn_child(const std::string& directory) {
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, ready[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, ready[0]);
  std::string program = EAGER_CRASH_CHILD;
  std::vector<char*> argv{program.data(), const_cast<char*>(directory.c_str()), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(ready[1]);
  REQUIRE(rc == 0);
  char byte = 0;
  const ssize_t n = ::read(ready[0], &byte, 1);
  ::close(ready[0]);
  REQUIRE(n == 1);
  return pid;
}

// Restores the latest checkpoint into fresh variables; returns its step.
std::int64_t check_latest(const std::string& directory) {
  std::vector<Variable> variables;
  for (int i = 0; i < 4; ++i) variables.emplace_back(zeros(Shape{256, 256}), "layer" + std::to_string(i) + "/weights");
  Variable step(scalar(0, DType::Int64), "step", false);
  train::Checkpoint ckpt;
  ckpt.add(variables).add(step);
  const auto latest = train::latest_checkpoint(directory);
  if (!latest) return 0;
  const auto result = ckpt.restore(*latest);
  const std::int64_t saved = step.value().item<std::int64_t>();
  CHECK(result.step == saved);
  for (const Variable& v : variables) {
    const Tensor value = v.value();
    CHECK(reduce_min(value).item<double>() == static_cast<double>(saved));
    CHECK(reduce_max(value).item<double>() == static_cast<double>(saved));
  }
  return saved;
}

}  // namespace

TEST_CASE("checkpoint crash: a save killed at any moment leaves the latest checkpoint whole",
          "[checkpoint_crash]") {
  eager::test::TempDir dir;
  const std::string directory = dir.path().string();
  std::mt19937 rng(12345);
  // Up to a few saves' time: kills land inside and between saves.
  std::uniform_int_distribution<int> delay_us(0, 30000);
  constexpr int kKills = 200;
  std::int64_t last_step = 0;
  int progressed = 0;
  for (int kill_index = 0; kill_index < kKills; ++kill_index) {
    const pid_t child = spawn_child(directory);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    // A child that stopped otherwise failed (it only ever stops when killed).
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    const std::int64_t step = check_latest(directory);
    CHECK(step >= last_step);
    if (step > last_step) ++progressed;
    last_step = step;
  }
  // The kills did land during the loop of saves, not only before it.
  CHECK(progressed > kKills / 10);
  // Reopening the directory deletes what killed saves left behind.
  Variable v(scalar(0.0f), "v");
  train::Checkpoint ckpt;
  ckpt.add(v);
  train::CheckpointManager reopened(ckpt, directory, {.max_to_keep = 3});
  for (const auto& entry : std::filesystem::directory_iterator(directory))
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
  WARN("checkpoint crash test: " << kKills << " kills, latest step " << last_step);
}
