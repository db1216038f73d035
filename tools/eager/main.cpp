// The `eager` command-line tool: `eager <command> [options]`, one command per
// file (see commands.hpp), dispatched here. Errors end up here too, so that
// every command reports them the same way: the message on stderr prefixed
// with "eager <command>: ", exit status 1 for files that cannot be read and
// 2 for bad usage.
#include <algorithm>
#include <exception>
#include <iostream>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "args.hpp"
#include "commands.hpp"

namespace eager::cli {
namespace {

const Command* const kCommands[] = {&kInspectCommand, &kTFRecordCommand, &kImageCommand};

void print_overview(std::ostream& out) {
  out << "usage: eager <command> [options]\n\n"
         "Inspect the files eager and TensorFlow write; try image preprocessing.\n\n"
         "commands:\n";
  std::size_t width = 0;
  for (const Command* command : kCommands) width = std::max(width, command->name.size());
  for (const Command* command : kCommands)
    out << "  " << command->name << std::string(width - command->name.size() + 2, ' ') << command->summary << '\n';
  out << "\nRun 'eager <command> --help' for the options of a command.\n";
}

const Command* find_command(std::string_view name) {
  const auto it = std::find_if(std::begin(kCommands), std::end(kCommands),
                               [&](const Command* command) { return command->name == name; });
  return it == std::end(kCommands) ? nullptr : *it;
}

int run_command(const Command& command, std::span<const std::string> args) {
  try {
    const ParsedArgs parsed = parse_args(args, command.options);
    if (parsed.help) {
      std::cout << command.help;
      return kExitOk;
    }
    return command.run(parsed);
  } catch (const UsageError& e) {
    print_error(command.name, e.what());
    std::cerr << "Try 'eager " << command.name << " --help'.\n";
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    print_error(command.name, "out of memory");
  } catch (const std::exception& e) {
    print_error(command.name, e.what());
  }
  return kExitFailure;
}

}  // namespace

void print_error(std::string_view command, std::string_view message) {
  std::cout.flush();  // keep what was printed before the error in order when both go to one terminal
  std::cerr << "eager " << command << ": " << message << '\n';
}

}  // namespace eager::cli

int main(int argc, char** argv) {
  using namespace eager::cli;
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_overview(std::cerr);
    return kExitUsage;
  }
  const std::string& name = args[0];
  if (name == "-h" || name == "--help" || (name == "help" && args.size() == 1)) {
    print_overview(std::cout);
    return kExitOk;
  }
  const bool help = name == "help";  // eager help <command>
  const Command* command = find_command(help ? args[1] : name);
  if (!command) {
    std::cerr << "eager: unknown command '" << (help ? args[1] : name) << "'; run 'eager --help' for the list\n";
    return kExitUsage;
  }
  if (help) {
    std::cout << command->help;
    return kExitOk;
  }
  return run_command(*command, std::span<const std::string>(args).subspan(1));
}
