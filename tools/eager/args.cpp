#include "args.hpp"

#include <algorithm>
#include <charconv>

namespace eager::cli {

bool ParsedArgs::has(std::string_view name) const {
  return std::any_of(options_.begin(), options_.end(), [&](const auto& option) { return option.first == name; });
}

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  for (auto it = options_.rbegin(); it != options_.rend(); ++it)
    if (it->first == name) return it->second;
  return std::nullopt;
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
  std::vector<std::string> found;
  for (const auto& [option, value] : options_)
    if (option == name) found.push_back(value);
  return found;
}

ParsedArgs parse_args(std::span<const std::string> args, std::span<const OptionSpec> options) {
  ParsedArgs parsed;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    // A lone "-" is the conventional name of standard input: positional.
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      parsed.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    const std::size_t equals = arg.find('=');
    const std::string_view name = std::string_view(arg).substr(0, equals);
    const auto spec = std::find_if(options.begin(), options.end(), [&](const OptionSpec& o) { return o.name == name; });
    if (spec == options.end()) throw UsageError("unknown option '" + std::string(name) + "'");
    if (!spec->takes_value) {
      if (equals != std::string::npos) throw UsageError("option '" + std::string(name) + "' takes no value");
      parsed.add(name, "");
    } else if (equals != std::string::npos) {
      parsed.add(name, arg.substr(equals + 1));
    } else {
      if (i + 1 == args.size()) throw UsageError("option '" + std::string(name) + "' needs a value");
      parsed.add(name, args[++i]);
    }
  }
  return parsed;
}

std::int64_t parse_count(std::string_view option, std::string_view text) {
  std::int64_t count = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || count < 0)
    throw UsageError(std::string(option) + ": expected a non-negative integer, got '" + std::string(text) + "'");
  return count;
}

}  // namespace eager::cli
