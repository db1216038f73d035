#pragma once
// Command-line flags for the samples: "--name value" pairs bound to
// variables, --help, and exit status 2 with the usage text for anything else.
//
//   Flags flags("mnist_eval", "Evaluates each new checkpoint of mnist_train.");
//   flags.add("--interval", options.interval, "SECONDS");
//   flags.parse(argc, argv);
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace samples {

class Flags {
 public:
  Flags(std::string program, std::string description)
      : program_(std::move(program)), description_(std::move(description)) {}

  // Binds "--name VALUE" to `target` (an integer, a floating-point number or a
  // string); the value keeps its initial content when the flag is absent.
  template <class T> void add(const std::string& name, T& target, const std::string& value_name) {
    flags_.push_back({name, value_name, [&target](const std::string& text) {
                        if constexpr (std::is_same_v<T, std::string>) {
                          target = text;
                        } else if constexpr (std::is_floating_point_v<T>) {
                          target = static_cast<T>(std::stod(text));
                        } else {
                          target = static_cast<T>(std::stoll(text));
                        }
                      }});
  }
  // Binds a flag without a value to `target`, set true when present.
  void add_switch(const std::string& name, bool& target) {
    flags_.push_back({name, "", [&target](const std::string&) { target = true; }});
  }

  void parse(int argc, char** argv) const {
    for (int i = 1; i < argc; ++i) {
      const std::string name = argv[i];
      if (name == "--help" || name == "-h") fail(description_);
      const Flag* flag = find(name);
      if (!flag) fail("unknown flag " + name);
      if (flag->value_name.empty()) {
        flag->set("");
        continue;
      }
      if (i + 1 >= argc) fail("missing value after " + name);
      const std::string value = argv[++i];
      try {
        flag->set(value);
      } catch (const std::logic_error&) {
        fail("bad value '" + value + "' for " + name);
      }
    }
  }

  // Prints the problem and the usage, and exits with status 2.
  [[noreturn]] void fail(const std::string& problem) const {
    std::string usage = "usage: " + program_;
    for (const Flag& flag : flags_)
      usage += " [" + flag.name + (flag.value_name.empty() ? "" : " " + flag.value_name) + "]";
    std::fprintf(stderr, "%s\n%s\n", problem.c_str(), usage.c_str());
    std::exit(2);
  }

 private:
  struct Flag {
    std::string name;
    std::string value_name;  // empty for a switch
    std::function<void(const std::string&)> set;
  };
  const Flag* find(const std::string& name) const {
    for (const Flag& flag : flags_)
      if (flag.name == name) return &flag;
    return nullptr;
  }

  std::string program_;
  std::string description_;
  std::vector<Flag> flags_;
};

// Runs a sample's body; an exception becomes a message and exit status 1.
template <class Fn> int run_guarded(const char* program, Fn&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return 1;
  }
}

}  // namespace samples
