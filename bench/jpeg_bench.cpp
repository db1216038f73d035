// jpeg_bench: eager::image::decode_jpeg against libjpeg-turbo's TurboJPEG API
// called directly (tjDecompress2 into a buffer allocated once), per photo, in
// the same run. The two decoders alternate call by call so that both see the
// same machine load, and each figure is a median.
//
//   jpeg_bench [DIR]     (default: ../shared/testdata/images beside the source tree)
//
// Both decode to RGB with libjpeg's fast integer IDCT (TensorFlow's default,
// and eager's) and fancy upsampling. One line per photo:
//   {"name": "jpeg_decode_ratio", "photo": ..., "value": turbojpeg_ms / eager_ms,
//    "unit": "ratio", "eager_ms": ..., "turbojpeg_ms": ...}
// (target: >= 0.95, eager within 5% of TurboJPEG), then the median ratio.
#include <turbojpeg.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "eager/eager.hpp"
#include "eager/image.hpp"

namespace {

namespace fs = std::filesystem;

// Enough calls for a stable median on small photos, few on big ones.
int calls_for(double seconds_per_call) {
  return std::clamp(static_cast<int>(1.5 / std::max(seconds_per_call, 1e-6)), 15, 301);
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::path(EAGER_BENCH_TESTDATA);
  std::vector<fs::path> photos;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".JPG") photos.push_back(entry.path());
  }
  if (ec || photos.empty()) {
    std::fprintf(stderr, "jpeg_bench: no .jpg files in %s\n", dir.c_str());
    return 1;
  }
  std::sort(photos.begin(), photos.end());

  tjhandle tj = tjInitDecompress();
  eager::image::DecodeJpegOptions options;
  options.channels = 3;
  std::vector<double> ratios;
  for (const fs::path& path : photos) {
    const std::string data = eager::io::read_file(path.string());
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    const auto size = static_cast<unsigned long>(data.size());
    int width = 0, height = 0, subsampling = 0, colorspace = 0;
    if (tjDecompressHeader3(tj, bytes, size, &width, &height, &subsampling, &colorspace) != 0) {
      std::fprintf(stderr, "jpeg_bench: %s: %s\n", path.c_str(), tjGetErrorStr2(tj));
      continue;
    }
    std::vector<unsigned char> buffer(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    auto run_turbojpeg = [&] {
      if (tjDecompress2(tj, bytes, size, buffer.data(), width, 0, height, TJPF_RGB, TJFLAG_FASTDCT) != 0)
        std::fprintf(stderr, "jpeg_bench: %s: %s\n", path.c_str(), tjGetErrorStr2(tj));
    };
    auto run_eager = [&] { return eager::image::decode_jpeg(data, options); };

    bench::warm_up(run_turbojpeg, 3);
    bench::warm_up(run_eager, 3);
    const auto probe = bench::Clock::now();
    run_eager();
    const int calls = calls_for(bench::seconds_since(probe));
    std::vector<double> eager_s, turbojpeg_s;
    for (int i = 0; i < calls; ++i) {
      // Alternate which goes first, so neither always runs on a warmer cache.
      for (int k = 0; k < 2; ++k) {
        const bool eager_turn = (i + k) % 2 == 0;
        const auto start = bench::Clock::now();
        if (eager_turn)
          run_eager();
        else
          run_turbojpeg();
        (eager_turn ? eager_s : turbojpeg_s).push_back(bench::seconds_since(start));
      }
    }
    const double eager_ms = bench::median(eager_s) * 1e3, turbojpeg_ms = bench::median(turbojpeg_s) * 1e3;
    const double ratio = turbojpeg_ms / eager_ms;
    ratios.push_back(ratio);
    bench::Line("jpeg_decode_ratio", ratio, "ratio", "eager")
        .field("photo", path.filename().string())
        .field("eager_ms", eager_ms)
        .field("turbojpeg_ms", turbojpeg_ms)
        .field("width", width)
        .field("height", height)
        .field("calls", calls);
  }
  tjDestroy(tj);
  if (ratios.empty()) return 1;
  bench::Line("jpeg_decode_ratio_median", bench::median(ratios), "ratio", "eager")
      .field("photos", static_cast<double>(ratios.size()))
      .field("target", 0.95);
  return 0;
}
