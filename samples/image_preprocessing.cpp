// The seed's image preprocessing section in C++: decode a JPEG, encode it
// again, resize by every method, crop and pad, central crop, flips and
// transpose, colour adjustments, standardization, a distorted crop sampled
// around annotated boxes and the boxes drawn; then the seed's
// preprocess_for_train over a Dataset of photos. Every result is written as
// a JPEG, and contact_sheet.jpg shows them all side by side (contact_sheet.txt
// names the tiles).
//
//   image_preprocessing [--image cat.jpg] [--out DIRECTORY]
//   (defaults: the cat photo of the tests, a fresh temporary directory)
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "eager/data.hpp"
#include "eager/eager.hpp"
#include "eager/image.hpp"
#include "flags.hpp"

namespace {

using eager::DType;
using eager::Tensor;
namespace image = eager::image;

constexpr std::int64_t kSeed = 2026;

// The results in the order they were made, for the contact sheet.
class Results {
 public:
  explicit Results(std::string dir) : dir_(std::move(dir)) {}

  // Writes `picture` (uint8, or float in [0, 1]; HWC) as <name>.jpg.
  void add(const std::string& name, const Tensor& picture) {
    const Tensor pixels = picture.dtype() == DType::UInt8
                              ? picture
                              : image::convert_image_dtype(picture, DType::UInt8, /*saturate=*/true);
    eager::io::write_file(dir_ + "/" + name + ".jpg", image::encode_jpeg(pixels));
    std::printf("  %-28s %s\n", (name + ".jpg").c_str(), pixels.shape().to_string().c_str());
    pictures_.emplace_back(name, pixels);
  }

  // Every picture letterboxed into a kTile x kTile cell, kColumns to a row,
  // on a white background.
  void write_contact_sheet() const {
    constexpr std::int64_t kTile = 160, kGap = 6, kColumns = 6;
    const std::int64_t cell = kTile + kGap;
    std::vector<Tensor> rows, row;
    std::string legend;
    for (std::size_t i = 0; i < pictures_.size(); ++i) {
      Tensor picture = image::convert_image_dtype(pictures_[i].second, DType::Float32);
      if (picture.dim(-1) == 1) picture = image::grayscale_to_rgb(picture);
      // White letterbox bars: pad 1 - x with zeros, then flip back.
      const Tensor tile = 1.0 - image::resize_with_pad(1.0 - picture, kTile, kTile, image::ResizeMethod::Area);
      row.push_back(1.0 - image::pad_to_bounding_box(1.0 - tile, kGap / 2, kGap / 2, cell, cell));
      legend += "row " + std::to_string(i / kColumns + 1) + ", column " + std::to_string(i % kColumns + 1) + ": " +
                pictures_[i].first + "\n";
      if (row.size() == kColumns || i + 1 == pictures_.size()) {
        while (row.size() < kColumns) row.push_back(eager::ones({cell, cell, 3}));
        rows.push_back(eager::concat(row, 1));
        row.clear();
      }
    }
    const Tensor sheet = image::convert_image_dtype(eager::concat(rows, 0), DType::UInt8, /*saturate=*/true);
    eager::io::write_file(dir_ + "/contact_sheet.jpg", image::encode_jpeg(sheet));
    eager::io::write_file(dir_ + "/contact_sheet.txt", legend);
    std::printf("contact sheet: %s/contact_sheet.jpg %s, legend in contact_sheet.txt\n", dir_.c_str(),
                sheet.shape().to_string().c_str());
  }

 private:
  std::string dir_;
  std::vector<std::pair<std::string, Tensor>> pictures_;
};

// The seed: decode_jpeg, print the shape, encode_jpeg and write it back.
Tensor decode_and_encode(const std::string& path, Results& results) {
  const std::string raw = eager::io::read_file(path);
  const Tensor decoded = image::decode_jpeg(raw);
  std::printf("decoded %s: %s\n", path.c_str(), decoded.shape().to_string().c_str());
  results.add("reencoded", decoded);
  return decoded;
}

// resize_images(image_float, [300, 300], method=...) for every method; the
// seed's advice holds: convert to float in [0, 1] first.
void resize_every_way(const Tensor& image_float, Results& results) {
  for (const auto method : {image::ResizeMethod::Bilinear, image::ResizeMethod::Nearest,
                            image::ResizeMethod::Bicubic, image::ResizeMethod::Area, image::ResizeMethod::Lanczos3,
                            image::ResizeMethod::Lanczos5, image::ResizeMethod::Gaussian,
                            image::ResizeMethod::MitchellCubic}) {
    image::ResizeOptions options;
    options.method = method;
    results.add(std::string("resize_") + image::to_string(method), image::resize(image_float, 300, 300, options));
  }
}

// resize_image_with_crop_or_pad, central_crop, flips and transpose. The seed
// crops its 2673x1797 photo to 1000x1000 and pads it to 3000x3000; the same
// proportions of this photo are used.
void crop_pad_flip(const Tensor& decoded, Results& results) {
  const std::int64_t height = decoded.dim(0), width = decoded.dim(1);
  results.add("cropped", image::resize_with_crop_or_pad(decoded, height / 2, width / 3));
  results.add("padded", image::resize_with_crop_or_pad(decoded, height * 3 / 2, width * 3 / 2));
  results.add("central_crop", image::central_crop(decoded, 0.5));
  results.add("flip_up_down", image::flip_up_down(decoded));
  results.add("flip_left_right", image::flip_left_right(decoded));
  results.add("transpose", image::transpose(decoded));
  results.add("random_flip_up_down", image::random_flip_up_down(decoded, kSeed));
}

// Brightness, contrast, hue, saturation and standardization, each clipped to
// [0, 1] before it is shown, as the seed does.
void adjust_colours(const Tensor& image_float, Results& results) {
  const auto show = [&](const std::string& name, const Tensor& adjusted) {
    results.add(name, eager::clip_by_value(adjusted, 0.0, 1.0));
  };
  show("brightness_minus_0.5", image::adjust_brightness(image_float, -0.5));
  show("random_brightness", image::random_brightness(image_float, 0.5, kSeed));
  show("contrast_5", image::adjust_contrast(image_float, 5));
  show("random_contrast", image::random_contrast(image_float, 0.2, 5, kSeed));
  show("hue_0.1", image::adjust_hue(image_float, 0.1));
  show("random_hue", image::random_hue(image_float, 0.5, kSeed));
  show("saturation_minus_5", image::adjust_saturation(image_float, -5));
  show("random_saturation", image::random_saturation(image_float, 0, 5, kSeed));
  show("standardized", image::per_image_standardization(image_float));
}

// Annotated boxes [ymin, xmin, ymax, xmax]; a distorted crop covering at
// least 40% of one of them; the crop drawn on a small copy of the photo.
void boxes_and_distorted_crop(const Tensor& image_float, Results& results) {
  const Tensor boxes = eager::constant({0.05f, 0.05f, 0.9f, 0.7f, 0.35f, 0.47f, 0.5f, 0.56f}).reshape({1, 2, 4});
  image::SampleDistortedBoundingBoxOptions options;
  options.min_object_covered = 0.4f;
  const image::DistortedBoundingBox box =
      image::sample_distorted_bounding_box(image_float.shape(), boxes, options, kSeed);
  const Tensor distorted =
      eager::slice(image_float, box.begin.to_vector<std::int64_t>(), box.size.to_vector<std::int64_t>());
  results.add("distorted_crop", distorted);

  const Tensor batched = eager::expand_dims(image::resize(image_float, 180, 267), 0);
  std::printf("bbox_for_draw: %s\n", box.bboxes.values_string().c_str());
  results.add("crop_box_drawn", image::draw_bounding_boxes(batched, box.bboxes)[0]);
  results.add("annotations_drawn", image::draw_bounding_boxes(batched, boxes)[0]);
}

// Independent draws for the random steps of one element.
eager::random::SeedPair sub_seed(eager::random::SeedPair seed, std::int64_t step) {
  return {seed[0], seed[1] ^ static_cast<std::int64_t>(0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(step + 1))};
}

// The seed's distort_color: the same four random adjustments in one of two
// orders, then clipped to [0, 1].
Tensor distort_color(Tensor picture, bool saturation_first, eager::random::SeedPair seed) {
  const auto brightness = [&](const Tensor& x) { return image::stateless_random_brightness(x, 32.0 / 255, sub_seed(seed, 0)); };
  const auto saturation = [&](const Tensor& x) { return image::stateless_random_saturation(x, 0.5, 1.5, sub_seed(seed, 1)); };
  const auto hue = [&](const Tensor& x) { return image::stateless_random_hue(x, 0.2, sub_seed(seed, 2)); };
  const auto contrast = [&](const Tensor& x) { return image::stateless_random_contrast(x, 0.5, 1.5, sub_seed(seed, 3)); };
  picture = saturation_first ? contrast(hue(brightness(saturation(picture))))
                             : contrast(hue(saturation(brightness(picture))));
  return eager::clip_by_value(picture, 0.0, 1.0);
}

// The seed's preprocess_for_train(image, height, width, bbox=None): a distorted
// crop of the whole image, resized by a random method, randomly flipped and
// colour-distorted. Pure in `seed`, so a parallel map gives the same batch.
Tensor preprocess_for_train(const Tensor& decoded, std::int64_t height, std::int64_t width,
                            eager::random::SeedPair seed) {
  const Tensor picture = image::convert_image_dtype(decoded, DType::Float32);
  const Tensor whole_image = eager::constant({0.0f, 0.0f, 1.0f, 1.0f}).reshape({1, 1, 4});
  image::SampleDistortedBoundingBoxOptions crop_options;
  crop_options.min_object_covered = 0.4f;
  const image::DistortedBoundingBox box =
      image::stateless_sample_distorted_bounding_box(picture.shape(), whole_image, sub_seed(seed, 4), crop_options);
  const Tensor crop = eager::slice(picture, box.begin.to_vector<std::int64_t>(), box.size.to_vector<std::int64_t>());
  // The seed picks one of resize_images' four methods at random.
  const std::vector<std::int64_t> draws =
      eager::random::stateless_uniform({2}, sub_seed(seed, 5), 0, 4, DType::Int64).to_vector<std::int64_t>();
  const image::ResizeMethod methods[] = {image::ResizeMethod::Bilinear, image::ResizeMethod::Nearest,
                                         image::ResizeMethod::Bicubic, image::ResizeMethod::Area};
  image::ResizeOptions resize_options;
  resize_options.method = methods[draws[0]];
  const Tensor resized = image::resize(crop, height, width, resize_options);
  const Tensor flipped = image::stateless_random_flip_left_right(resized, sub_seed(seed, 6));
  return distort_color(flipped, draws[1] % 2 == 1, seed);
}

// dataset.map(lambda image: preprocess_for_train(image, 299, 299, None)).batch(...)
void preprocess_dataset(const std::string& photo_dir, Results& results) {
  namespace data = eager::data;
  eager::data::MapOptions options;
  options.seed = kSeed;
  options.num_parallel_calls = 2;
  const auto dataset = data::list_files(photo_dir + "/*.jpg")
                           .map(
                               [](const std::string& path, const data::ElementContext& context) {
                                 const Tensor decoded = image::decode_jpeg(eager::io::read_file(path));
                                 return preprocess_for_train(decoded, 299, 299, context.seed);
                               },
                               options)
                           .batch(2);
  int batch_number = 0;
  for (const Tensor& batch : dataset) {
    std::printf("preprocess_for_train batch %d: %s\n", batch_number, batch.shape().to_string().c_str());
    for (std::int64_t i = 0; i < batch.dim(0); ++i)
      results.add("train_batch" + std::to_string(batch_number) + "_" + std::to_string(i), batch[i]);
    ++batch_number;
  }
}

std::string fresh_directory() {
  const auto dir = std::filesystem::temp_directory_path() / ("eager_image_preprocessing_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace

int main(int argc, char** argv) {
  return samples::run_guarded("image_preprocessing", [&] {
    std::string photo = EAGER_SAMPLE_PHOTO, out;
    samples::Flags flags("image_preprocessing", "The seed's tf.image section: writes each result as a JPEG.");
    flags.add("--image", photo, "PATH");
    flags.add("--out", out, "DIRECTORY");
    flags.parse(argc, argv);
    if (out.empty()) out = fresh_directory();
    std::filesystem::create_directories(out);
    std::printf("writing to %s\n", out.c_str());

    Results results(out);
    const Tensor decoded = decode_and_encode(photo, results);
    const Tensor image_float = image::convert_image_dtype(decoded, DType::Float32);
    resize_every_way(image_float, results);
    crop_pad_flip(decoded, results);
    adjust_colours(image_float, results);
    boxes_and_distorted_crop(image_float, results);
    preprocess_dataset(std::filesystem::path(photo).parent_path().string(), results);
    results.write_contact_sheet();
    return 0;
  });
}
