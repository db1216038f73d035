#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "data/temp_dir.hpp"
#include "eager/eager.hpp"
#include "eager/io.hpp"
#include "eager/train.hpp"

using namespace eager;
using eager::test::TempDir;
using train::CheckpointManager;
using train::CheckpointManagerOptions;

namespace {

namespace fs = std::filesystem;

std::vector<std::string> file_names(const TempDir& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path())) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A clock the test moves by hand.
struct FakeClock {
  double seconds = 1000.0;
  std::function<double()> function() {
    return [this] { return seconds; };
  }
};

}  // namespace

TEST_CASE("checkpoint manager: keeps the newest max_to_keep and writes TF's state file", "[checkpoint_manager]") {
  TempDir dir;
  Variable v(scalar(0.0f), "v");
  train::Checkpoint ckpt;
  ckpt.add(v);
  FakeClock clock;
  CheckpointManager manager(ckpt, dir.path().string(), {.max_to_keep = 3, .clock = clock.function()});
  CHECK_FALSE(manager.latest_checkpoint());
  for (int step = 1; step <= 5; ++step) {
    v.assign(static_cast<double>(step));
    clock.seconds += 0.5;
    manager.save(step * 100);
  }
  CHECK(file_names(dir) == std::vector<std::string>{"checkpoint", "ckpt-300.safetensors", "ckpt-400.safetensors",
                                                     "ckpt-500.safetensors"});
  CHECK(io::read_file(dir / "checkpoint") ==
        "model_checkpoint_path: \"ckpt-500.safetensors\"\n"
        "all_model_checkpoint_paths: \"ckpt-300.safetensors\"\n"
        "all_model_checkpoint_paths: \"ckpt-400.safetensors\"\n"
        "all_model_checkpoint_paths: \"ckpt-500.safetensors\"\n"
        "all_model_checkpoint_timestamps: 1001.5\n"
        "all_model_checkpoint_timestamps: 1002\n"
        "all_model_checkpoint_timestamps: 1002.5\n"
        "last_preserved_timestamp: 1000\n");
  CHECK(train::latest_checkpoint(dir.path().string()) == dir / "ckpt-500.safetensors");
  CHECK(manager.checkpoints() ==
        std::vector<std::string>{dir / "ckpt-300.safetensors", dir / "ckpt-400.safetensors", dir / "ckpt-500.safetensors"});

  v.assign(0.0);
  const auto result = manager.restore_latest();
  REQUIRE(result);
  CHECK(result->step == 500);
  CHECK(v.value().item<float>() == 5.0f);
}

TEST_CASE("checkpoint manager: a restarted run continues the window", "[checkpoint_manager]") {
  TempDir dir;
  Variable v(scalar(0.0f), "v");
  train::Checkpoint ckpt;
  ckpt.add(v);
  {
    CheckpointManager first(ckpt, dir.path().string(), {.max_to_keep = 2});
    first.save(1);
    first.save(2);
  }
  CheckpointManager second(ckpt, dir.path().string(), {.max_to_keep = 2});
  CHECK(second.latest_checkpoint() == dir / "ckpt-2.safetensors");
  second.save(3);
  CHECK(file_names(dir) == std::vector<std::string>{"checkpoint", "ckpt-2.safetensors", "ckpt-3.safetensors"});
  // Saving a managed step again replaces it and keeps one entry.
  second.save(3);
  CHECK(second.checkpoints().size() == 2);
}

TEST_CASE("checkpoint manager: keep_checkpoint_every_n_hours preserves old checkpoints", "[checkpoint_manager]") {
  TempDir dir;
  Variable v(scalar(0.0f), "v");
  train::Checkpoint ckpt;
  ckpt.add(v);
  FakeClock clock;
  CheckpointManager manager(ckpt, dir.path().string(),
                            {.max_to_keep = 1, .keep_checkpoint_every_n_hours = 1.0, .clock = clock.function()});
  // A save every 20 minutes: of those leaving the window, one per hour stays.
  for (int step = 1; step <= 7; ++step) {
    clock.seconds += 1200;
    manager.save(step);
  }
  // Saved at 1000 + 1200 * step; preserved once 3600 s passed since the last
  // preserved one (1000 at the start): step 3 (4600), step 6 (8200).
  CHECK(file_names(dir) == std::vector<std::string>{"checkpoint", "ckpt-3.safetensors", "ckpt-6.safetensors",
                                                     "ckpt-7.safetensors"});
  const auto state = train::get_checkpoint_state(dir.path().string());
  REQUIRE(state);
  CHECK(state->all_model_checkpoint_paths == std::vector<std::string>{"ckpt-7.safetensors"});
  CHECK(state->last_preserved_timestamp == 8200.0);
}

TEST_CASE("checkpoint manager: keeps everything without max_to_keep; refuses bad options", "[checkpoint_manager]") {
  TempDir dir;
  Variable v(scalar(0.0f), "v");
  train::Checkpoint ckpt;
  ckpt.add(v);
  CheckpointManager manager(ckpt, dir / "nested/run", {.max_to_keep = std::nullopt, .checkpoint_name = "model"});
  for (int step = 0; step < 4; ++step) manager.save(step);
  CHECK(manager.checkpoints().size() == 4);
  CHECK(fs::exists(dir / "nested/run/model-0.safetensors"));

  CHECK_THROWS_AS(CheckpointManager(ckpt, dir.path().string(), {.max_to_keep = 0}), InvalidArgument);
  CHECK_THROWS_AS(CheckpointManager(ckpt, dir.path().string(), {.keep_checkpoint_every_n_hours = -1.0}),
                  InvalidArgument);
  CHECK_THROWS_AS(CheckpointManager(ckpt, dir.path().string(), {.checkpoint_name = "a/b"}), InvalidArgument);
  CHECK_THROWS_AS(CheckpointManager(ckpt, ""), InvalidArgument);
}

TEST_CASE("checkpoint manager: leftovers of a crashed save are ignored and cleaned", "[checkpoint_manager]") {
  TempDir dir;
  Variable v(scalar(1.0f), "v");
  train::Checkpoint ckpt;
  ckpt.add(v);
  {
    CheckpointManager manager(ckpt, dir.path().string());
    manager.save(1);
  }
  // Left by a process that no longer runs (no pid is that large) ...
  dir.file(".ckpt-2.safetensors.tmp-999999999-0", "half a checkpoint");
  dir.file(".checkpoint.tmp-999999999-1", "model_checkpoint_path: \"ckpt-2.safe");
  // ... by this process, still running, and a file that is not the manager's.
  const std::string live = ".ckpt-3.safetensors.tmp-" + std::to_string(::getpid()) + "-77";
  dir.file(live, "being written");
  dir.file(".notes.tmp-999999999-0", "someone else's");
  CHECK(train::latest_checkpoint(dir.path().string()) == dir / "ckpt-1.safetensors");
  CheckpointManager reopened(ckpt, dir.path().string());
  CHECK(file_names(dir) ==
        std::vector<std::string>{live, ".notes.tmp-999999999-0", "checkpoint", "ckpt-1.safetensors"});
}

TEST_CASE("checkpoint state: TensorFlow's files parse; bad ones fail with the line", "[checkpoint_manager]") {
  const std::string tf_written =
      "model_checkpoint_path: \"/tmp/run/model.ckpt-2000\"\n"
      "all_model_checkpoint_paths: \"/tmp/run/model.ckpt-1000\"\n"
      "all_model_checkpoint_paths: \"/tmp/run/model.ckpt-2000\"\n"
      "all_model_checkpoint_timestamps: 1604930045.3719609\n"
      "all_model_checkpoint_timestamps: 1604930112.0\n"
      "last_preserved_timestamp: 1604930001.25\n";
  const auto state = train::parse_checkpoint_state(tf_written, "tf");
  CHECK(state.model_checkpoint_path == "/tmp/run/model.ckpt-2000");
  CHECK(state.all_model_checkpoint_paths.size() == 2);
  CHECK(state.all_model_checkpoint_timestamps[0] == 1604930045.3719609);
  CHECK(state.last_preserved_timestamp == 1604930001.25);

  train::CheckpointState odd;
  odd.model_checkpoint_path = "dir with \"quotes\"\\ and\nnewline\x01";
  odd.all_model_checkpoint_paths = {odd.model_checkpoint_path, "caf\xc3\xa9"};
  const std::string text = train::format_checkpoint_state(odd);
  CHECK(text.find("\\\"quotes\\\"\\\\ and\\nnewline\\001") != std::string::npos);
  CHECK(train::parse_checkpoint_state(text, "odd").all_model_checkpoint_paths == odd.all_model_checkpoint_paths);

  CHECK_THROWS_WITH(train::parse_checkpoint_state("model_checkpoint_path: \"a\"\nbogus: 1\n", "f"),
                    Catch::Contains("line 2") && Catch::Contains("bogus"));
  CHECK_THROWS_AS(train::parse_checkpoint_state("model_checkpoint_path: \"unterminated\n", "f"), DataLoss);
  CHECK_THROWS_AS(train::parse_checkpoint_state("model_checkpoint_path \"a\"\n", "f"), DataLoss);
  CHECK_THROWS_AS(train::parse_checkpoint_state("all_model_checkpoint_timestamps: x\n", "f"), DataLoss);
  CHECK_THROWS_AS(train::parse_checkpoint_state("model_checkpoint_path: \"a\" junk\n", "f"), DataLoss);
  CHECK_THROWS_AS(train::parse_checkpoint_state("model_checkpoint_path: \"\\q\"\n", "f"), DataLoss);
}

TEST_CASE("checkpoint state: missing files give no latest checkpoint", "[checkpoint_manager]") {
  TempDir dir;
  CHECK_FALSE(train::get_checkpoint_state(dir.path().string()));
  CHECK_FALSE(train::latest_checkpoint(dir.path().string()));
  dir.file("checkpoint", "model_checkpoint_path: \"ckpt-9.safetensors\"\n");
  CHECK_FALSE(train::latest_checkpoint(dir.path().string()));
  dir.file("ckpt-9.safetensors", "");
  CHECK(train::latest_checkpoint(dir.path().string()) == dir / "ckpt-9.safetensors");
}

TEST_CASE("checkpoint manager: recovery caps future times at now, as TensorFlow does", "[checkpoint_manager]") {
  TempDir dir;
  Variable v(scalar(0.0f), "v");
  train::Checkpoint ckpt;
  ckpt.add(v);
  dir.file("ckpt-1.safetensors", "");
  dir.file("ckpt-2.safetensors", "");
  dir.file("checkpoint",
           "model_checkpoint_path: \"ckpt-2.safetensors\"\n"
           "all_model_checkpoint_paths: \"ckpt-1.safetensors\"\n"
           "all_model_checkpoint_paths: \"ckpt-2.safetensors\"\n"
           "all_model_checkpoint_timestamps: 500\n"
           "all_model_checkpoint_timestamps: 99999\n"
           "last_preserved_timestamp: 88888\n");
  FakeClock clock;  // 1000: the file's later times came from a clock ahead of this one
  CheckpointManager manager(ckpt, dir.path().string(), {.max_to_keep = 3, .clock = clock.function()});
  manager.save(3);
  const auto state = train::get_checkpoint_state(dir.path().string());
  REQUIRE(state);
  CHECK(state->all_model_checkpoint_timestamps == std::vector<double>{500, 1000, 1000});
  CHECK(state->last_preserved_timestamp == 1000.0);
}

TEST_CASE("checkpoint manager: a failed state write changes nothing", "[checkpoint_manager]") {
  TempDir dir;
  Variable v(scalar(0.0f), "v");
  train::Checkpoint ckpt;
  ckpt.add(v);
  CheckpointManager manager(ckpt, dir.path().string(), {.max_to_keep = 1});
  manager.save(1);
  // The state file cannot be renamed into place: a directory holds its name.
  fs::remove(dir / "checkpoint");
  fs::create_directory(dir / "checkpoint");
  CHECK_THROWS(manager.save(2));
  CHECK(manager.checkpoints() == std::vector<std::string>{dir / "ckpt-1.safetensors"});
  CHECK(fs::exists(dir / "ckpt-1.safetensors"));
}
