#pragma once
// The subcommands of the `eager` tool. Each lives in its own file and defines
// one Command; main.cpp lists them in its dispatch table, parses the
// arguments with the command's options, answers --help with its help text
// and otherwise runs it.
//
// Conventions every subcommand follows:
//   exit 0: success; 1: a file that cannot be read (missing, damaged), the
//   library's error message on stderr prefixed "eager <subcommand>: ";
//   2: bad usage (UsageError from args.hpp).
#include <span>
#include <string_view>

#include "args.hpp"

namespace eager::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `eager --help`
  std::string_view help;     // `eager <name> --help`
  std::span<const OptionSpec> options;
  // Runs with parsed arguments (help already answered); returns the exit
  // status or throws: UsageError for exit 2, anything else for exit 1.
  int (*run)(const ParsedArgs& args);
};

// eager inspect FILE: the tensors of a safetensors checkpoint, .npy or .npz file.
extern const Command kInspectCommand;
// eager tfrecord FILE...: counts, validates or prints the records of TFRecord files.
extern const Command kTFRecordCommand;

// eager image FILE...: prints JPEG shapes, or applies a chain of tf.image ops and writes the results.
extern const Command kImageCommand;

// Writes "eager <command>: <message>" and a newline to stderr, after what is
// pending on stdout.
void print_error(std::string_view command, std::string_view message);

}  // namespace eager::cli
