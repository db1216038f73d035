// serialize_bench: the checkpoint and NumPy-file targets (issue 6). Prints
// one JSON object per line like eager_bench. See docs/benchmarks.md,
// "Checkpoints and files".
//
//   serialize_bench [--dir DIR] [--mb N]
//
// DIR (default: the system temp directory) must be on the disk to measure.
// The save target compares eager's checkpoint save with a plain write + fsync
// of the same bytes by this program, alternating the two, so that both see
// the same disk and the same neighbours.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "eager/eager.hpp"
#include "eager/io/npy.hpp"
#include "eager/train.hpp"
#include "eager_bench_util.hpp"

namespace {

namespace fs = std::filesystem;
using bench::add_target;
using bench::guarded;

constexpr int kRuns = 5;
constexpr std::int64_t kTensorFloats = 1 << 20;  // 4 MB per variable

double gigabytes(std::uint64_t bytes) { return static_cast<double>(bytes) / 1e9; }

// The disk's speed as any program sees it: one file, written whole, fsynced.
double plain_write_seconds(const std::string& path, const std::vector<eager::Variable>& variables) {
  const auto start = bench::Clock::now();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw eager::Unavailable("cannot create " + path + ": " + std::strerror(errno));
  for (const auto& v : variables) {
    const auto* bytes = static_cast<const char*>(v.handle().raw_data());
    std::size_t left = static_cast<std::size_t>(v.handle().num_elements()) * sizeof(float);
    while (left > 0) {
      const ssize_t n = ::write(fd, bytes, left);
      if (n < 0) throw eager::Unavailable("cannot write " + path + ": " + std::strerror(errno));
      bytes += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  ::fsync(fd);
  ::close(fd);
  const double seconds = bench::seconds_since(start);
  fs::remove(path);
  return seconds;
}

void bench_checkpoints(const std::string& dir, std::int64_t megabytes) {
  const std::int64_t count = std::max<std::int64_t>(1, megabytes * (1 << 20) / (kTensorFloats * 4));
  std::vector<eager::Variable> variables;
  for (std::int64_t i = 0; i < count; ++i)
    variables.emplace_back(eager::random::uniform(eager::Shape{kTensorFloats}, 0, 1, eager::DType::Float32, i),
                           "layer" + std::to_string(i) + "/weights");
  const std::uint64_t bytes = static_cast<std::uint64_t>(count * kTensorFloats * 4);
  eager::train::Checkpoint checkpoint;
  checkpoint.add(variables);

  std::vector<double> eager_seconds, plain_seconds;
  std::string path;
  for (int run = 0; run < kRuns; ++run) {
    plain_seconds.push_back(plain_write_seconds(dir + "/plain.bin", variables));
    const auto start = bench::Clock::now();
    path = checkpoint.save(dir + "/bench");
    eager_seconds.push_back(bench::seconds_since(start));
  }
  const double eager_gbps = gigabytes(bytes) / bench::median(eager_seconds);
  const double plain_gbps = gigabytes(bytes) / bench::median(plain_seconds);
  const double ratio = eager_gbps / plain_gbps;
  {
    bench::Line line("ckpt_save_gbps", eager_gbps, "GB/s", "eager");
    line.field("plain_write_fsync_gbps", plain_gbps).field("ratio_to_plain", ratio);
    add_target(line.field("bytes", static_cast<double>(bytes)), ratio, {0.7, false});
  }

  // Warm cache: the file was just written; one untimed restore first.
  checkpoint.restore(path);
  std::vector<double> load_seconds;
  for (int run = 0; run < kRuns; ++run) {
    const auto start = bench::Clock::now();
    checkpoint.restore(path);
    load_seconds.push_back(bench::seconds_since(start));
  }
  const double load_gbps = gigabytes(bytes) / bench::median(load_seconds);
  bench::Line load_line("ckpt_load_gbps", load_gbps, "GB/s", "eager");
  add_target(load_line.field("bytes", static_cast<double>(bytes)), load_gbps, {2.0, false});
  fs::remove(path);
}

void bench_npy(const std::string& dir, std::int64_t megabytes) {
  const std::int64_t floats = megabytes * (1 << 20) / 4;
  const std::string path = dir + "/bench.npy";
  eager::io::save_npy(path, eager::random::uniform(eager::Shape{floats / 1024, 1024}, 0, 1, eager::DType::Float32, 7));
  eager::io::load_npy(path);
  std::vector<double> seconds;
  for (int run = 0; run < kRuns; ++run) {
    const auto start = bench::Clock::now();
    const eager::Tensor loaded = eager::io::load_npy(path);
    seconds.push_back(bench::seconds_since(start));
    if (loaded.num_elements() != floats) throw eager::Error("load_npy returned the wrong size");
  }
  const double gbps = gigabytes(static_cast<std::uint64_t>(floats) * 4) / bench::median(seconds);
  bench::Line line("npy_load_gbps", gbps, "GB/s", "eager");
  add_target(line.field("bytes", static_cast<double>(floats * 4)), gbps, {2.0, false});
  fs::remove(path);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = fs::temp_directory_path().string();
  std::int64_t megabytes = 256;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--dir") dir = argv[i + 1];
    else if (flag == "--mb") megabytes = std::atoll(argv[i + 1]);
  }
  const std::string work = dir + "/eager_serialize_bench_" + std::to_string(::getpid());
  fs::create_directories(work);
  bench::Line("serialize_bench_setup", static_cast<double>(megabytes), "MB", "eager").field("dir", work);
  guarded("ckpt_save_gbps", "GB/s", [&] { bench_checkpoints(work, megabytes); });
  guarded("npy_load_gbps", "GB/s", [&] { bench_npy(work, megabytes); });
  fs::remove_all(work);
  return 0;
}
