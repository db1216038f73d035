#pragma once
// File and Python helpers shared by the file-format tests (safetensors, npy,
// TensorBoard events).
#include <catch2/catch.hpp>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

namespace eager::test {

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A new file rather than a truncated one: ext4 flushes a file rewritten after
// truncation to zero when it is closed (auto_da_alloc), which would make the
// tests that write thousands of corrupted files wait on the disk.
inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::filesystem::remove(path);
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// Runs a shell command (stderr joined to stdout), checks that it exited
// with status 0, and returns what it printed.
inline std::string run_successfully(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  INFO(output);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  return output;
}

// The Python for an optional cross-check: $EAGER_PYTHON, else `default_python`,
// when it exists and imports `modules` (comma-separated). Otherwise prints
// "skipped: ..." with `install_hint` and returns nullopt.
inline std::optional<std::string> python_with(const std::string& default_python, const std::string& modules,
                                              const std::string& install_hint) {
  const char* configured = std::getenv("EAGER_PYTHON");
  const std::string python = configured ? configured : default_python;
  if (::access(python.c_str(), X_OK) != 0) {
    WARN("skipped: no Python at " << python << " (set EAGER_PYTHON)");
    return std::nullopt;
  }
  if (std::system((python + " -c 'import " + modules + "' >/dev/null 2>&1").c_str()) != 0) {
    WARN("skipped: " << python << " cannot import " << modules << " (" << install_hint << ")");
    return std::nullopt;
  }
  return python;
}

// Caps the size of every file this process writes (RLIMIT_FSIZE), so that
// writes past `bytes` fail with EFBIG, as on a full disk; SIGXFSZ, which
// would kill the process, is ignored meanwhile.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*previous_handler_)(int) = nullptr;
};

}  // namespace eager::test
