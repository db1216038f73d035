// The seed's checkpoint snippets in C++: save two variables and restore them,
// restore under other names (Saver({"v1": v1, "v2": v2})), and save a moving
// average, then load it straight into the variable (variables_to_restore).
//
//   checkpoint_basics [DIRECTORY]   (default: a fresh temporary directory)
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "eager/eager.hpp"
#include "eager/io/safetensors.hpp"
#include "eager/train.hpp"

namespace {

// 1. Save a model of two variables; 2. restore it and compute v1 + v2.
void save_and_restore(const std::string& dir) {
  eager::Variable v1(eager::constant({1.0f}), "v1");
  eager::Variable v2(eager::constant({2.0f}), "v2");
  eager::train::Checkpoint saver;
  saver.add(v1).add(v2);
  const std::string path = saver.save(dir + "/model.ckpt");
  std::printf("saved %s\n", path.c_str());

  v1.assign(0.0);
  v2.assign(0.0);
  saver.restore(path);
  std::printf("restored: v1 + v2 = %s\n", (v1 + v2).values_string().c_str());  // [3]

  // There is no graph to import in eager (import_meta_graph): the program is
  // the model. What the file holds can be listed, as inspect_checkpoint does.
  const eager::io::SafetensorsFile file(path);
  for (const auto& entry : file.entries())
    std::printf("  %s %s %s\n", entry.name.c_str(), entry.file_dtype.c_str(), entry.shape.to_string().c_str());
}

// 4. Variables named otherwise load through a key map.
void rename_on_restore(const std::string& dir) {
  eager::Variable v1(eager::constant({0.0f}), "other-v1");
  eager::Variable v2(eager::constant({0.0f}), "other-v2");
  eager::train::Checkpoint saver({{"v1", v1}, {"v2", v2}});
  saver.restore(dir + "/model.ckpt");
  std::printf("renamed: other-v1 = %s, other-v2 = %s\n", v1.value().values_string().c_str(),
              v2.value().values_string().c_str());
}

// The moving-average model: save v and its shadow, then restore the shadow
// into v.
void moving_average(const std::string& dir) {
  {
    eager::Variable v(eager::scalar(0.0f), "v");
    eager::ExponentialMovingAverage ema(0.99);
    ema.apply({v});  // creates the shadow "v/ExponentialMovingAverage"
    v.assign(10.0);
    ema.apply({v});
    eager::train::Checkpoint saver;
    saver.add(v).add(ema);  // both v and v/ExponentialMovingAverage are saved
    saver.save(dir + "/model2.ckpt");
    std::printf("saved: v = %g, average = %.9g\n", v.value().item<double>(), ema.average(v).value().item<double>());
  }
  eager::Variable v(eager::scalar(0.0f), "v");
  const eager::ExponentialMovingAverage ema(0.99);
  // Saver({"v/ExponentialMovingAverage": v}), made by variables_to_restore.
  eager::train::Checkpoint(ema.variables_to_restore({v})).restore(dir + "/model2.ckpt");
  std::printf("restored the average into v: %.9g\n", v.value().item<double>());  // 0.1
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const bool temporary = argc < 2;
  const std::string dir =
      temporary ? (fs::temp_directory_path() / ("checkpoint_basics_" + std::to_string(::getpid()))).string() : argv[1];
  try {
    fs::create_directories(dir);
    save_and_restore(dir);
    rename_on_restore(dir);
    moving_average(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_basics: %s\n", e.what());
    if (temporary) fs::remove_all(dir);
    return 1;
  }
  if (temporary) fs::remove_all(dir);
  return 0;
}
