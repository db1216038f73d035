// color_bench: throughput of the tf.image colour kernels (issue 5,
// adjust_hue_mpxs) on a 512x512 RGB image of uniform random values, in
// megapixels per second, median of several timed batches after a warm-up.
// Prints JSON lines like the other benchmarks; bench/peers/tf_color_bench.py
// times TensorFlow's kernels on the same workloads and, given these lines
// (--eager FILE), prints the eager/TensorFlow ratios and the target
// (adjust_hue >= 3x TensorFlow's CPU kernel).
//
//   color_bench > color.jsonl
//   /work/tfvenv/bin/python bench/peers/tf_color_bench.py --eager color.jsonl
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "eager/eager.hpp"
#include "eager/image.hpp"

namespace {

namespace image = eager::image;
using eager::DType;
using eager::Tensor;

constexpr std::int64_t kSide = 512;
constexpr double kMegapixels = kSide * kSide / 1e6;

Tensor random_image() {
  std::vector<float> values = bench::pseudo_random(kSide * kSide * 3, 7);
  for (float& v : values) v = 0.5f * (v + 1.0f);  // [-1, 1) -> [0, 1)
  return eager::constant(values, {kSide, kSide, 3});
}

void run(const std::string& name, const std::function<Tensor()>& fn, const std::string& input) {
  try {
    bench::warm_up(fn, 5);
    const double seconds = bench::time_median(fn, 21, 5);
    bench::Line(name, kMegapixels / seconds, "Mpx/s", "eager")
        .field("input", input)
        .field("threads", static_cast<double>(std::thread::hardware_concurrency()));
  } catch (const std::exception& e) {
    bench::Line(name, std::nan(""), "Mpx/s", "eager").field("error", e.what());
  }
}

}  // namespace

int main() {
  const Tensor rgb = random_image();
  const Tensor u8 = image::convert_image_dtype(rgb, DType::UInt8);
  const Tensor hsv = image::rgb_to_hsv(rgb);
  const std::string f32 = "512x512x3 float32, uniform [0, 1)";
  const std::string u8_input = "512x512x3 uint8, uniform";
  run("adjust_hue_mpxs", [&] { return image::adjust_hue(rgb, 0.2); }, f32);
  run("adjust_saturation_mpxs", [&] { return image::adjust_saturation(rgb, 1.5); }, f32);
  run("rgb_to_hsv_mpxs", [&] { return image::rgb_to_hsv(rgb); }, f32);
  run("hsv_to_rgb_mpxs", [&] { return image::hsv_to_rgb(hsv); }, "512x512x3 float32, rgb_to_hsv of the above");
  run("adjust_hue_uint8_mpxs", [&] { return image::adjust_hue(u8, 0.2); }, u8_input);
  run("adjust_brightness_uint8_mpxs", [&] { return image::adjust_brightness(u8, 0.1); }, u8_input);
  run("adjust_contrast_mpxs", [&] { return image::adjust_contrast(rgb, 1.5); }, f32);
  return 0;
}
