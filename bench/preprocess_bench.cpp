// preprocess_bench: the training-input chain users ask about (issue 5,
// preprocess_chain_ips): read and decode a JPEG, take a random distorted
// crop, resize it to 224x224, flip it at random, jitter its colours and
// standardize it. Prints JSON lines like the other benchmarks:
//   - the chain on one image at a time on this thread (ops may still use
//     eager's thread pool inside), images per second;
//   - the chain as a Dataset with a parallel map on every core, images per
//     second in all and per core (the figure the issue asks for).
//
//   preprocess_bench [PHOTO_DIRECTORY]   (default: the test photos)
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "eager/data.hpp"
#include "eager/eager.hpp"
#include "eager/image.hpp"
#include "eager_bench_util.hpp"

namespace {

namespace image = eager::image;
using eager::DType;
using eager::Tensor;
using eager::random::SeedPair;

constexpr std::int64_t kSize = 224;

SeedPair step_seed(SeedPair seed, std::int64_t step) { return {seed[0], seed[1] * 8 + step}; }

Tensor preprocess(const std::string& jpeg, SeedPair seed) {
  const Tensor picture = image::convert_image_dtype(image::decode_jpeg(jpeg), DType::Float32);
  const Tensor whole = eager::constant({0.0f, 0.0f, 1.0f, 1.0f}).reshape({1, 1, 4});
  const image::DistortedBoundingBox box =
      image::stateless_sample_distorted_bounding_box(picture.shape(), whole, step_seed(seed, 0));
  const Tensor crop = eager::slice(picture, box.begin.to_vector<std::int64_t>(), box.size.to_vector<std::int64_t>());
  Tensor x = image::resize(crop, kSize, kSize);
  x = image::stateless_random_flip_left_right(x, step_seed(seed, 1));
  x = image::stateless_random_brightness(x, 32.0 / 255, step_seed(seed, 2));
  x = image::stateless_random_saturation(x, 0.5, 1.5, step_seed(seed, 3));
  x = image::stateless_random_hue(x, 0.2, step_seed(seed, 4));
  x = image::stateless_random_contrast(x, 0.5, 1.5, step_seed(seed, 5));
  return image::per_image_standardization(eager::clip_by_value(x, 0.0, 1.0));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : EAGER_BENCH_PHOTOS;
  const std::vector<std::string> paths = eager::data::glob(dir + "/*.jpg");
  if (paths.empty()) {
    std::fprintf(stderr, "preprocess_bench: no .jpg files in %s\n", dir.c_str());
    return 1;
  }
  std::vector<std::string> jpegs;
  for (const std::string& path : paths) jpegs.push_back(eager::io::read_file(path));
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::string photos = std::to_string(jpegs.size()) + " photos from " + dir;

  bench::guarded("preprocess_chain_single_ips", "images/s", [&] {
    std::int64_t next = 0;
    const auto one = [&] {
      preprocess(jpegs[static_cast<std::size_t>(next % static_cast<std::int64_t>(jpegs.size()))], {1, next});
      ++next;
    };
    bench::warm_up(one, static_cast<int>(jpegs.size()));
    const double seconds = bench::time_median(one, 15, static_cast<int>(jpegs.size()));
    bench::Line("preprocess_chain_single_ips", 1 / seconds, "images/s", "eager").field("photos", photos);
  });

  bench::guarded("preprocess_chain_ips", "images/s/core", [&] {
    constexpr std::int64_t kPasses = 8;
    eager::data::MapOptions options;
    options.num_parallel_calls = cores;
    options.seed = 1;
    const auto dataset = eager::data::from_tensor_slices(jpegs)
                             .repeat(kPasses)
                             .map([](const std::string& jpeg,
                                     const eager::data::ElementContext& context) { return preprocess(jpeg, context.seed); },
                                  options)
                             .batch(32);
    std::vector<double> rates;
    for (int sample = 0; sample < 5; ++sample) {
      std::int64_t images = 0;
      const auto start = bench::Clock::now();
      for (const Tensor& batch : dataset) images += batch.dim(0);
      rates.push_back(static_cast<double>(images) / bench::seconds_since(start));
    }
    const double total = bench::median(rates);
    bench::Line("preprocess_chain_ips", total / cores, "images/s/core", "eager")
        .field("images_per_second", total)
        .field("cores", cores)
        .field("photos", photos);
  });
  return 0;
}
