#pragma once
// Command-line parsing shared by the subcommands, with the usual conventions:
// options may come before, between or after the positional arguments;
// "--name VALUE" and "--name=VALUE" are the same; "--" ends the options (what
// follows is positional even if it starts with '-'); "-h" and "--help" ask
// for help. A repeated option keeps every value (value() gives the last).
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eager::cli {

// Bad usage: an unknown option, a missing or malformed value, the wrong
// number of arguments. main() prints it with a pointer to --help and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string_view name;  // with its dashes: "--tensor"
  bool takes_value;
};

class ParsedArgs {
 public:
  bool help = false;
  std::vector<std::string> positionals;

  bool has(std::string_view name) const;
  // The value of the last occurrence of `name`, nullopt when it was not given.
  std::optional<std::string> value(std::string_view name) const;
  // Every value of `name`, in the order given.
  std::vector<std::string> values(std::string_view name) const;
  // Every option with its value ("" for flags), in command-line order: for
  // commands whose options are steps applied in the order given.
  const std::vector<std::pair<std::string, std::string>>& in_order() const { return options_; }

  void add(std::string_view name, std::string value) { options_.emplace_back(name, std::move(value)); }

 private:
  std::vector<std::pair<std::string, std::string>> options_;  // flags hold ""
};

// Splits `args` into options of `options` and positional arguments. Throws
// UsageError for an option not in `options`, a flag given a value
// ("--all=1"), or an option that takes a value given none.
ParsedArgs parse_args(std::span<const std::string> args, std::span<const OptionSpec> options);

// A non-negative decimal integer, the value of `option`; UsageError naming the
// option otherwise ("--print: expected a non-negative integer, got 'x'").
std::int64_t parse_count(std::string_view option, std::string_view text);

}  // namespace eager::cli
