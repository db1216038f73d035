// resize_bench: tf.image.resize on a 1920x1080 RGB photo (issue 5), JSON lines.
//
//   /usr/bin/python3 bench/peers/resize_peers.py --save-npy /tmp/wallpaper.npy > /tmp/peers.jsonl
//   build/bench/resize_bench /tmp/wallpaper.npy /tmp/peers.jsonl
//
// IMAGE is a .npy (uint8 HWC, e.g. the peer script's Pillow decode, so both
// sides resize the very same pixels) or a .jpg (decoded by eager); without it
// a deterministic synthetic 1920x1080 picture is used. PEERS is the peer
// script's output; with it the lines carry the peer's figure, the ratio and
// whether the target is met. Workloads (medians of several runs):
//   - resize_bilinear_mpxs: uint8 -> 224x224, bilinear with antialias, source
//     megapixels per second; target >= 2x Pillow's Image.resize BILINEAR;
//   - resize_noaa_ratio: bilinear without antialias on float32, the whole
//     image -> 224x224, OpenCV's INTER_LINEAR time / eager's; target >= 1;
//   - resize_noaa_up_ratio: the same for the top-left 512x512 -> 1024x1024.
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>

#include "bench_util.hpp"
#include "eager/eager.hpp"
#include "eager/image.hpp"
#include "eager/io/npy.hpp"
#include "eager_bench_util.hpp"

namespace {

using eager::DType;
using eager::Tensor;
namespace image = eager::image;

Tensor synthetic_picture() {
  constexpr std::int64_t kH = 1080, kW = 1920;
  std::vector<std::uint8_t> v(kH * kW * 3);
  const std::vector<float> noise = bench::pseudo_random(kH * kW * 3, 7);
  for (std::int64_t y = 0; y < kH; ++y)
    for (std::int64_t x = 0; x < kW; ++x)
      for (std::int64_t c = 0; c < 3; ++c) {
        const std::int64_t i = (y * kW + x) * 3 + c;
        const double smooth = 127.5 + 100.0 * std::sin(0.01 * x * (c + 1) + 0.013 * y);
        v[i] = static_cast<std::uint8_t>(std::clamp(smooth + 20.0 * noise[i], 0.0, 255.0));
      }
  return eager::constant(v, {kH, kW, 3}, DType::UInt8);
}

Tensor load_picture(const std::string& path) {
  if (path.empty()) return synthetic_picture();
  if (path.size() > 4 && path.substr(path.size() - 4) == ".npy") return eager::io::load_npy(path);
  return image::decode_jpeg(eager::io::read_file(path));
}

// {"name": ..., "value": ...} of each peer line (only what the ratios need).
std::map<std::string, double> read_peers(const std::string& path) {
  std::map<std::string, double> peers;
  if (path.empty()) return peers;
  std::ifstream in(path);
  for (std::string text; std::getline(in, text);) {
    const auto name_at = text.find("\"name\": \"");
    const auto value_at = text.find("\"value\": ");
    if (name_at == std::string::npos || value_at == std::string::npos) continue;
    const auto name_begin = name_at + 9;
    peers[text.substr(name_begin, text.find('"', name_begin) - name_begin)] = std::stod(text.substr(value_at + 9));
  }
  return peers;
}

double seconds_per_call(const std::function<void()>& fn) {
  bench::warm_up(fn, 3);
  return bench::time_median(fn, 31);
}

}  // namespace

int main(int argc, char** argv) {
  const Tensor picture = load_picture(argc > 1 ? argv[1] : "");
  const auto peers = read_peers(argc > 2 ? argv[2] : "");
  const std::int64_t height = picture.dim(0), width = picture.dim(1);
  const std::string source = (argc > 1 ? std::string(argv[1]) : std::string("synthetic")) + " " +
                             std::to_string(width) + "x" + std::to_string(height);

  bench::guarded("resize_bilinear_mpxs", "MP/s", [&] {
    image::ResizeOptions options;
    options.antialias = true;
    const double s = seconds_per_call([&] { image::resize(picture, 224, 224, options); });
    const double mpxs = double(height * width) / s / 1e6;
    bench::Line line("resize_bilinear_mpxs", mpxs, "MP/s", "eager");
    line.field("image", source).field("ms", s * 1e3);
    if (peers.count("resize_bilinear_mpxs")) {
      const double ratio = mpxs / peers.at("resize_bilinear_mpxs");
      line.field("peer", "pillow").field("peer_value", peers.at("resize_bilinear_mpxs")).field("ratio", ratio);
      line.field("target_of", "ratio");
      bench::add_target(line, ratio, {2.0, false});
    }
  });

  const Tensor whole = picture.cast(DType::Float32);
  const Tensor corner = eager::slice(whole, {0, 0, 0}, {512, 512, 3}).contiguous();
  struct Workload {
    const char* name;
    const char* peer;
    const char* what;
    const Tensor* input;
    std::int64_t h, w;
  };
  for (const Workload& wl : {Workload{"resize_noaa_ratio", "resize_noaa_down_ms", "float32 -> 224x224", &whole, 224, 224},
                             Workload{"resize_noaa_up_ratio", "resize_noaa_up_ms",
                                      "float32 top-left 512x512 -> 1024x1024", &corner, 1024, 1024}}) {
    bench::guarded(wl.name, "ratio", [&] {
      const double s = seconds_per_call([&] { image::resize(*wl.input, wl.h, wl.w); });
      const double ms = s * 1e3;
      const bool have_peer = peers.count(wl.peer) != 0;
      const double ratio = have_peer ? peers.at(wl.peer) / ms : std::nan("");
      bench::Line line(wl.name, ratio, "ratio", "eager");
      line.field("workload", wl.what).field("image", source).field("eager_ms", ms);
      if (have_peer) {
        line.field("peer", "opencv").field("peer_ms", peers.at(wl.peer));
        bench::add_target(line, ratio, {1.0, false});
      }
    });
  }
  return 0;
}
