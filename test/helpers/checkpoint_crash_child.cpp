// The child of the checkpoint crash test (test/serialize/test_checkpoint_crash.cpp):
// resumes from the latest checkpoint in a directory, then saves one checkpoint
// per step forever, each with every element equal to the step, until the test
// kills it at a random moment.
#include <cstdint>
#include <cstdio>
#include <string>

#include "eager/eager.hpp"
#include "eager/train.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  // Several variables, so that a save takes long enough to be killed midway.
  std::vector<eager::Variable> variables;
  for (int i = 0; i < 4; ++i)
    variables.emplace_back(eager::zeros(eager::Shape{256, 256}), "layer" + std::to_string(i) + "/weights");
  eager::Variable step(eager::scalar(0, eager::DType::Int64), "step", false);
  eager::train::Checkpoint ckpt;
  ckpt.add(variables).add(step);
  eager::train::CheckpointManagerOptions options;
  options.max_to_keep = 3;
  eager::train::CheckpointManager manager(ckpt, argv[1], options);
  manager.restore_latest();
  // Tells the test that the saves begin now.
  std::fputc('r', stdout);
  std::fflush(stdout);
  for (std::int64_t next = step.value().item<std::int64_t>() + 1;; ++next) {
    for (auto& v : variables) v.assign(static_cast<double>(next));
    step.assign(next);
    manager.save(next);
  }
}
