// eager image: prints the shape of JPEG files, or decodes them, applies a
// chain of tf.image operations in the order given on the command line and
// writes the results as JPEG or .npy files. This is the command-line way to
// prototype a preprocessing chain before writing it in C++.
#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "eager/array_ops.hpp"
#include "eager/creation.hpp"
#include "eager/image.hpp"
#include "eager/io/npy.hpp"
#include "eager/math.hpp"
#include "eager/random.hpp"

namespace eager::cli {
namespace {

constexpr std::string_view kHelp = R"(usage: eager image FILE... [steps] [options] [-o OUT]

Without steps, prints each JPEG's shape (height x width x channels) from its
headers. With steps, decodes each file, converts it to float32 in [0, 1]
(tf.image.convert_image_dtype), applies the steps in the order given and
writes the result; without -o it only prints the resulting shape.

  eager image cat.jpg
  eager image cat.jpg --resize 224x224 --method bicubic --adjust-hue 0.1 -o out.jpg
  eager image a.jpg b.jpg --central-crop 0.5 --flip-left-right -o outdir/

steps (tf.image functions; each may be repeated):
  --resize HxW                   resize (see --method, --antialias,
                                 --preserve-aspect-ratio)
  --resize-with-pad HxW          resize_with_pad (keeps the aspect ratio)
  --resize-with-crop-or-pad HxW  resize_with_crop_or_pad
  --crop Y,X,H,W                 crop_to_bounding_box
  --pad Y,X,H,W                  pad_to_bounding_box (H, W: the new size)
  --central-crop F               central_crop, F in (0, 1]
  --flip-left-right, --flip-up-down, --transpose
  --rot90 K                      rotate K quarter turns counter-clockwise
  --adjust-brightness D          add D
  --adjust-contrast F            (x - mean) * F + mean, per channel
  --adjust-hue D                 rotate hue by D turns, D in [-1, 1]
  --adjust-saturation F          scale saturation by F
  --adjust-gamma G               x^G
  --grayscale                    rgb_to_grayscale (one channel)
  --standardize                  per_image_standardization (write it as
                                 .npy: its values are not in [0, 1])
  --random-flip-left-right, --random-flip-up-down
  --random-brightness D          a delta in [-D, D)
  --random-contrast L,U          a factor in [L, U)
  --random-hue D                 a delta in [-D, D)
  --random-saturation L,U        a factor in [L, U)
  --distorted-crop C             sample_distorted_bounding_box with the whole
                                 image as the box and min_object_covered C,
                                 then the crop

options:
  --method M                 for --resize and --resize-with-pad: bilinear
                             (default), nearest, bicubic, area, lanczos3,
                             lanczos5, gaussian or mitchellcubic
  --antialias                antialiased resizing when downscaling
  --preserve-aspect-ratio    --resize fits the image inside HxW
  --seed N                   random steps use the stateless seed (N, step
                             number): the same output every run, and the same
                             draw for every file; without --seed they differ
                             on every run
  --ratio R                  decode at 1/R of the size (1, 2, 4 or 8)
  --dct fast|accurate        the decoder's IDCT (default fast, as TensorFlow)
  --quality Q                JPEG quality of the output, 0..100 (default 95)
  --progressive              write progressive JPEG
  -o, --output PATH          where to write: a .jpg/.jpeg or .npy file for one
                             input, a directory for several (names kept)
  -h, --help                 show this help

JPEG output converts back to uint8 with saturation. Exit status: 0 on
success, 1 when a file cannot be read or decoded (the error is on stderr), 2
for bad usage.
)";

// Steps take their value (or none) and transform the float image.
struct StepSpec {
  std::string_view name;
  bool takes_value;
};
constexpr StepSpec kSteps[] = {
    {"--resize", true},
    {"--resize-with-pad", true},
    {"--resize-with-crop-or-pad", true},
    {"--crop", true},
    {"--pad", true},
    {"--central-crop", true},
    {"--flip-left-right", false},
    {"--flip-up-down", false},
    {"--transpose", false},
    {"--rot90", true},
    {"--adjust-brightness", true},
    {"--adjust-contrast", true},
    {"--adjust-hue", true},
    {"--adjust-saturation", true},
    {"--adjust-gamma", true},
    {"--grayscale", false},
    {"--standardize", false},
    {"--random-flip-left-right", false},
    {"--random-flip-up-down", false},
    {"--random-brightness", true},
    {"--random-contrast", true},
    {"--random-hue", true},
    {"--random-saturation", true},
    {"--distorted-crop", true},
};

const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs = [] {
    std::vector<OptionSpec> all;
    for (const StepSpec& step : kSteps) all.push_back({step.name, step.takes_value});
    for (const OptionSpec& o : {OptionSpec{"--method", true}, OptionSpec{"--antialias", false},
                                OptionSpec{"--preserve-aspect-ratio", false}, OptionSpec{"--seed", true},
                                OptionSpec{"--ratio", true}, OptionSpec{"--dct", true},
                                OptionSpec{"--quality", true}, OptionSpec{"--progressive", false},
                                OptionSpec{"-o", true}, OptionSpec{"--output", true}})
      all.push_back(o);
    return all;
  }();
  return specs;
}

bool is_step(std::string_view name) {
  for (const StepSpec& step : kSteps)
    if (step.name == name) return true;
  return false;
}

double parse_number(std::string_view option, std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    throw UsageError(fmt::format("{}: expected a number, got '{}'", option, text));
  return value;
}

std::int64_t parse_integer(std::string_view option, std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    throw UsageError(fmt::format("{}: expected an integer, got '{}'", option, text));
  return value;
}

// "a<sep>b<sep>..." with exactly `count` parts.
std::vector<std::string_view> split_exactly(std::string_view option, std::string_view text, char separator,
                                            std::size_t count, std::string_view form) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  if (parts.size() != count) throw UsageError(fmt::format("{}: expected {}, got '{}'", option, form, text));
  return parts;
}

std::pair<std::int64_t, std::int64_t> parse_size(std::string_view option, std::string_view text) {
  const auto parts = split_exactly(option, text, 'x', 2, "HEIGHTxWIDTH");
  return {parse_count(option, parts[0]), parse_count(option, parts[1])};
}

std::vector<double> parse_numbers(std::string_view option, std::string_view text, std::size_t count,
                                  std::string_view form) {
  std::vector<double> values;
  for (std::string_view part : split_exactly(option, text, ',', count, form)) values.push_back(parse_number(option, part));
  return values;
}

struct Settings {
  image::ResizeOptions resize;
  std::optional<std::int64_t> seed;
  image::DecodeJpegOptions decode;
  image::EncodeJpegOptions encode;
  std::optional<std::string> output;
};

Settings parse_settings(const ParsedArgs& args) {
  Settings s;
  if (auto method = args.value("--method")) {
    try {
      s.resize.method = image::resize_method_from_string(*method);
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("--method: ") + e.what());
    }
  }
  s.resize.antialias = args.has("--antialias");
  s.resize.preserve_aspect_ratio = args.has("--preserve-aspect-ratio");
  if (auto seed = args.value("--seed")) s.seed = parse_integer("--seed", *seed);
  if (auto ratio = args.value("--ratio")) {
    s.decode.ratio = static_cast<int>(parse_count("--ratio", *ratio));
    if (s.decode.ratio != 1 && s.decode.ratio != 2 && s.decode.ratio != 4 && s.decode.ratio != 8)
      throw UsageError("--ratio: expected 1, 2, 4 or 8, got '" + *ratio + "'");
  }
  if (auto dct = args.value("--dct")) {
    if (*dct == "fast") s.decode.dct_method = image::DctMethod::Fast;
    else if (*dct == "accurate") s.decode.dct_method = image::DctMethod::Accurate;
    else throw UsageError("--dct: expected fast or accurate, got '" + *dct + "'");
  }
  if (auto quality = args.value("--quality")) {
    s.encode.quality = static_cast<int>(parse_count("--quality", *quality));
    if (s.encode.quality > 100) throw UsageError("--quality: expected 0..100, got '" + *quality + "'");
  }
  s.encode.progressive = args.has("--progressive");
  if (args.has("-o") && args.has("--output")) throw UsageError("give the output once, as -o or as --output");
  s.output = args.has("-o") ? args.value("-o") : args.value("--output");
  return s;
}

struct Step {
  std::string name;
  std::string value;
  std::int64_t index;  // position among the steps: the stateless seed's second half
};

// Runs one step. Throws UsageError for a malformed value; eager's own
// exceptions (a crop larger than the image, ...) pass through unchanged.
Tensor apply_step(const Step& step, const Tensor& image, const Settings& s) {
  const std::string_view name = step.name, value = step.value;
  const auto seed_pair = [&] { return random::SeedPair{*s.seed, step.index}; };
  const auto pair = [&](std::string_view form) { return parse_numbers(name, value, 2, form); };
  if (name == "--resize") {
    const auto [h, w] = parse_size(name, value);
    return image::resize(image, h, w, s.resize);
  }
  if (name == "--resize-with-pad") {
    const auto [h, w] = parse_size(name, value);
    return image::resize_with_pad(image, h, w, s.resize.method, s.resize.antialias);
  }
  if (name == "--resize-with-crop-or-pad") {
    const auto [h, w] = parse_size(name, value);
    return image::resize_with_crop_or_pad(image, h, w);
  }
  if (name == "--crop" || name == "--pad") {
    std::vector<std::int64_t> box;
    for (std::string_view part : split_exactly(name, value, ',', 4, "Y,X,HEIGHT,WIDTH"))
      box.push_back(parse_integer(name, part));
    return name == "--crop" ? image::crop_to_bounding_box(image, box[0], box[1], box[2], box[3])
                            : image::pad_to_bounding_box(image, box[0], box[1], box[2], box[3]);
  }
  if (name == "--central-crop") return image::central_crop(image, parse_number(name, value));
  if (name == "--flip-left-right") return image::flip_left_right(image);
  if (name == "--flip-up-down") return image::flip_up_down(image);
  if (name == "--transpose") return image::transpose(image);
  if (name == "--rot90") return image::rot90(image, static_cast<int>(parse_integer(name, value)));
  if (name == "--adjust-brightness") return image::adjust_brightness(image, parse_number(name, value));
  if (name == "--adjust-contrast") return image::adjust_contrast(image, parse_number(name, value));
  if (name == "--adjust-hue") return image::adjust_hue(image, parse_number(name, value));
  if (name == "--adjust-saturation") return image::adjust_saturation(image, parse_number(name, value));
  if (name == "--adjust-gamma") return image::adjust_gamma(image, parse_number(name, value));
  if (name == "--grayscale") return image::rgb_to_grayscale(image);
  if (name == "--standardize") return image::per_image_standardization(image);
  if (name == "--random-flip-left-right")
    return s.seed ? image::stateless_random_flip_left_right(image, seed_pair()) : image::random_flip_left_right(image);
  if (name == "--random-flip-up-down")
    return s.seed ? image::stateless_random_flip_up_down(image, seed_pair()) : image::random_flip_up_down(image);
  if (name == "--random-brightness") {
    const double delta = parse_number(name, value);
    return s.seed ? image::stateless_random_brightness(image, delta, seed_pair())
                  : image::random_brightness(image, delta);
  }
  if (name == "--random-hue") {
    const double delta = parse_number(name, value);
    return s.seed ? image::stateless_random_hue(image, delta, seed_pair()) : image::random_hue(image, delta);
  }
  if (name == "--random-contrast" || name == "--random-saturation") {
    const auto range = pair("LOWER,UPPER");
    if (name == "--random-contrast")
      return s.seed ? image::stateless_random_contrast(image, range[0], range[1], seed_pair())
                    : image::random_contrast(image, range[0], range[1]);
    return s.seed ? image::stateless_random_saturation(image, range[0], range[1], seed_pair())
                  : image::random_saturation(image, range[0], range[1]);
  }
  if (name == "--distorted-crop") {
    image::SampleDistortedBoundingBoxOptions options;
    options.min_object_covered = static_cast<float>(parse_number(name, value));
    const Tensor whole_image = constant(std::vector<float>{0, 0, 1, 1}, Shape{1, 1, 4});
    const image::DistortedBoundingBox box =
        s.seed ? image::stateless_sample_distorted_bounding_box(image.shape(), whole_image, seed_pair(), options)
               : image::sample_distorted_bounding_box(image.shape(), whole_image, options);
    return slice(image, box.begin.to_vector<std::int64_t>(), box.size.to_vector<std::int64_t>());
  }
  throw UsageError("unknown step " + step.name);  // kSteps and this function disagree
}

std::string shape_text(const Shape& shape) {
  std::string text;
  for (int i = 0; i < shape.rank(); ++i) {
    if (i > 0) text += 'x';
    text += std::to_string(shape[i]);
  }
  return text;
}

bool has_extension(const std::string& path, std::initializer_list<std::string_view> extensions) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view e : extensions)
    if (ext == e) return true;
  return false;
}

void write_result(const Tensor& result, const std::string& path, const Settings& s) {
  if (has_extension(path, {".npy"})) {
    io::save_npy(path, result);
    return;
  }
  const Tensor pixels = image::convert_image_dtype(result, DType::UInt8, /*saturate=*/true);
  io::write_file(path, image::encode_jpeg(pixels, s.encode));
}

// The library's messages name the function, not the file; with several
// inputs the user needs both.
template <class Fn> Tensor naming_file(const std::string& path, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

// Where each input goes: `output` itself for one input, output/<file name>
// for several. Refuses, before anything is written, an output that would
// replace an input or another output of the same run.
std::vector<std::string> output_paths(const std::vector<std::string>& inputs, const std::optional<std::string>& output) {
  namespace fs = std::filesystem;
  std::vector<std::string> outputs;
  if (!output) return outputs;
  std::set<std::string> taken;
  for (const std::string& input : inputs) {
    const fs::path out = inputs.size() > 1 ? fs::path(*output) / fs::path(input).filename() : fs::path(*output);
    std::error_code ignored;
    if (fs::equivalent(out, input, ignored))
      throw UsageError("-o: '" + out.string() + "' is the input '" + input + "' itself; write elsewhere");
    if (!taken.insert(fs::weakly_canonical(out).string()).second)
      throw UsageError("-o: two inputs would both be written to '" + out.string() + "'");
    outputs.push_back(out.string());
  }
  return outputs;
}

int run(const ParsedArgs& args) {
  if (args.positionals.empty()) throw UsageError("expected at least one JPEG file");
  const Settings settings = parse_settings(args);
  std::vector<Step> steps;
  for (const auto& [name, value] : args.in_order())
    if (is_step(name)) steps.push_back({name, value, static_cast<std::int64_t>(steps.size())});

  const bool several = args.positionals.size() > 1;
  if (settings.output) {
    if (several && !std::filesystem::is_directory(*settings.output))
      throw UsageError("-o: with several inputs the output must be an existing directory, got '" +
                       *settings.output + "'");
    if (!several && !has_extension(*settings.output, {".jpg", ".jpeg", ".npy"}))
      throw UsageError("-o: the output must end in .jpg, .jpeg or .npy, got '" + *settings.output + "'");
  }
  const std::vector<std::string> outputs = output_paths(args.positionals, settings.output);

  for (std::size_t file = 0; file < args.positionals.size(); ++file) {
    const std::string& path = args.positionals[file];
    const std::string bytes = io::read_file(path);
    if (steps.empty() && !settings.output) {
      const Tensor shape = naming_file(path, [&] { return image::extract_jpeg_shape(bytes); });
      fmt::print("{}: {}\n", path, shape_text(Shape(shape.to_vector<std::int64_t>())));
      continue;
    }
    const Tensor decoded = naming_file(path, [&] { return image::decode_jpeg(bytes, settings.decode); });
    Tensor result = image::convert_image_dtype(decoded, DType::Float32);
    for (const Step& step : steps) {
      try {
        result = apply_step(step, result, settings);
      } catch (const UsageError&) {
        throw;
      } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("{}: {} {}: {}", path, step.name, step.value, e.what()));
      }
    }
    if (!settings.output) {
      fmt::print("{}: {} -> {}\n", path, shape_text(decoded.shape()), shape_text(result.shape()));
      continue;
    }
    write_result(result, outputs[file], settings);
    fmt::print("{} -> {} ({})\n", path, outputs[file], shape_text(result.shape()));
  }
  return kExitOk;
}

}  // namespace

const Command kImageCommand{"image", "print JPEG shapes, or apply tf.image steps to JPEG files and write the results",
                            kHelp, option_specs(), &run};

}  // namespace eager::cli
