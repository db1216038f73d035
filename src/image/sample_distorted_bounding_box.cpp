// tf.image.sample_distorted_bounding_box: TensorFlow's kernel
// (core/kernels/image/sample_distorted_bounding_box_op.cc) ported step by
// step, with its float32 arithmetic and rounding kept, and eager's Philox in
// place of TF's generator.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "eager/creation.hpp"
#include "eager/error.hpp"
#include "eager/image/boxes.hpp"
#include "image/image_shape.hpp"
#include "tensor/dispatch.hpp"
#include "tensor/philox.hpp"

namespace eager::image {

namespace {

namespace px = eager::detail::philox;

// Each call draws two 62-bit words through eager::random (so the seed rules
// are eager::random's) and turns them into the Philox key of a stream of its
// own, tagged so that it never coincides with a key of eager::random.
constexpr std::uint32_t kCropKeyDomain = 0x53444242u;  // "SDBB"
constexpr std::int64_t kKeyWordBound = std::int64_t{1} << 62;

// Attempt i reads counter rows 4i (its aspect ratio), 4i + 1 (height),
// 4i + 2 (y) and 4i + 3 (x), so attempts never share random bits.
class AttemptRandom {
 public:
  AttemptRandom(px::Key key, std::uint64_t attempt) : key_(key), row_(4 * attempt) {}
  float aspect_unit() const { return px::uint32_to_float(px::draw(key_, row_).w[0]); }
  // Uniform in [0, n), n >= 1, exactly (TF's SimplePhilox::Uniform is n's
  // remainder of 32 bits and slightly biased).
  std::int64_t height_offset(std::int64_t n) const { return below(1, n); }
  std::int64_t y(std::int64_t n) const { return below(2, n); }
  std::int64_t x(std::int64_t n) const { return below(3, n); }

 private:
  std::int64_t below(std::uint64_t which, std::int64_t n) const {
    return static_cast<std::int64_t>(px::uniform_below(key_, row_ + which, static_cast<std::uint64_t>(n)));
  }
  px::Key key_;
  std::uint64_t row_;
};

// TF keeps these in int and float; int64 and explicit double products keep
// the same values wherever TF's int arithmetic does not overflow, without
// undefined behaviour where it would.
struct Rect {
  std::int64_t min_x = 0, min_y = 0, max_x = 0, max_y = 0;
  float area() const { return static_cast<float>(static_cast<double>(max_x - min_x) * (max_y - min_y)); }
  Rect intersect(const Rect& r) const {
    const Rect p{std::max(min_x, r.min_x), std::max(min_y, r.min_y), std::min(max_x, r.max_x),
                 std::min(max_y, r.max_y)};
    if (p.min_x > p.max_x || p.min_y > p.max_y) return Rect{};
    return p;
  }
};

bool satisfies_overlap(const Rect& crop, float min_object_covered, const std::vector<Rect>& boxes) {
  constexpr float kMinArea = 1.0f;
  if (crop.area() < kMinArea) return false;
  for (const Rect& box : boxes) {
    const float object_area = box.area();
    if (object_area < kMinArea) continue;
    if (crop.intersect(box).area() / object_area >= min_object_covered) return true;
  }
  return false;
}

// Sizes are below 2^31, so 2^40 stands in for "larger than any dimension":
// the rounding of huge or infinite values (a tiny aspect ratio) stays defined
// and gives the same decision as any larger number would.
constexpr std::int64_t kHuge = std::int64_t{1} << 40;
std::int64_t round_capped(float v) { return v < static_cast<float>(kHuge) ? std::lrint(v) : kHuge; }
float int_area(std::int64_t width, std::int64_t height) {
  return static_cast<float>(static_cast<double>(width) * static_cast<double>(height));
}

// TF's GenerateRandomCrop.
bool generate_random_crop(std::int64_t original_width, std::int64_t original_height, float min_relative_area,
                          float max_relative_area, float aspect_ratio, const AttemptRandom& random, Rect& crop) {
  if (max_relative_area <= 0.0f || aspect_ratio <= 0.0f || original_width <= 0 || original_height <= 0 ||
      min_relative_area > max_relative_area)
    return false;
  const float min_area = min_relative_area * static_cast<float>(original_width) * static_cast<float>(original_height);
  const float max_area = max_relative_area * static_cast<float>(original_width) * static_cast<float>(original_height);

  std::int64_t height = round_capped(std::sqrt(min_area / aspect_ratio));
  std::int64_t max_height = round_capped(std::sqrt(max_area / aspect_ratio));
  if (round_capped(static_cast<float>(max_height) * aspect_ratio) > original_width) {
    // The largest max_height with round(max_height * aspect_ratio) <= width.
    const float kEps = 0.0000001f;
    const double limit = (static_cast<double>(original_width) + 0.5 - kEps) / aspect_ratio;
    max_height = limit < static_cast<double>(kHuge) ? static_cast<std::int64_t>(limit) : kHuge;
    if (round_capped(static_cast<float>(max_height) * aspect_ratio) > original_width) max_height -= 1;
  }
  if (max_height > original_height) max_height = original_height;
  if (height >= max_height) height = max_height;
  if (height < max_height) height += random.height_offset(max_height - height + 1);

  std::int64_t width = round_capped(static_cast<float>(height) * aspect_ratio);
  // Rounding may leave the area just outside the range: one row more, then
  // one row less, before giving up.
  float area = int_area(width, height);
  if (area < min_area) {
    height += 1;
    width = round_capped(static_cast<float>(height) * aspect_ratio);
    area = int_area(width, height);
  }
  if (area > max_area) {
    height -= 1;
    width = round_capped(static_cast<float>(height) * aspect_ratio);
    area = int_area(width, height);
  }
  if (area < min_area || area > max_area || width > original_width || height > original_height || width <= 0 ||
      height <= 0)
    return false;

  const std::int64_t y = height < original_height ? random.y(original_height - height) : 0;
  const std::int64_t x = width < original_width ? random.x(original_width - width) : 0;
  crop = Rect{x, y, x + width, y + height};
  return true;
}

struct Validated {
  std::int64_t height = 0, width = 0;
  std::vector<Rect> boxes;
};

std::string range_string(const std::array<float, 2>& r) { return fmt::format("[{}, {}]", r[0], r[1]); }

Validated validate(const char* op, const Shape& image_size, const Tensor& bounding_boxes,
                   const SampleDistortedBoundingBoxOptions& o) {
  const auto fail = [op](const std::string& what) { throw InvalidArgument(std::string(op) + ": " + what); };
  const auto& ar = o.aspect_ratio_range;
  if (!(ar[0] > 0 && ar[1] > 0) || !std::isfinite(ar[0]) || !std::isfinite(ar[1]))
    fail("aspect_ratio_range must be positive and finite, got " + range_string(ar));
  const auto& area = o.area_range;
  if (!(area[0] > 0 && area[1] > 0 && area[0] <= 1 && area[1] <= 1))
    fail("area_range must lie in (0, 1], got " + range_string(area));
  if (o.max_attempts <= 0) fail("max_attempts must be > 0, got " + std::to_string(o.max_attempts));
  if (!(o.min_object_covered >= 0))
    fail(fmt::format("min_object_covered must be >= 0, got {}", o.min_object_covered));

  if (image_size.rank() != 3)
    fail("image_size must be [height, width, channels], got " + image_size.to_string());
  Validated v;
  v.height = image_size[0];
  v.width = image_size[1];
  constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
  if (v.height < 0 || v.height >= kMax || v.width < 0 || v.width >= kMax)
    fail("image height and width must lie in [0, 2^31 - 1), got image_size " + image_size.to_string());

  if (!bounding_boxes.defined()) fail("bounding_boxes is an undefined Tensor");
  const Shape& bs = bounding_boxes.shape();
  if ((bs.rank() != 3 && bs.rank() != 2) || bs[bs.rank() - 1] != 4)
    fail("bounding_boxes must have shape [batch, N, 4] or [N, 4], got " + eager::detail::describe(bounding_boxes));
  if (!is_floating(bounding_boxes.dtype()))
    fail("bounding_boxes must be float32 or float64, got " + eager::detail::describe(bounding_boxes));

  const std::vector<float> coords =
      image::detail::cpu_input(op, bounding_boxes, "bounding_boxes tensor").to_vector<float>();
  const float h = static_cast<float>(v.height), w = static_cast<float>(v.width);
  for (std::size_t b = 0; b + 4 <= coords.size(); b += 4) {
    for (std::size_t i = 0; i < 4; ++i)
      if (!(coords[b + i] >= 0.0f && coords[b + i] <= 1.0f))
        fail(fmt::format("all bounding box coordinates must be in [0.0, 1.0], got {} in box {}", coords[b + i],
                         b / 4));
    v.boxes.push_back(Rect{static_cast<std::int64_t>(coords[b + 1] * w), static_cast<std::int64_t>(coords[b] * h),
                           static_cast<std::int64_t>(coords[b + 3] * w), static_cast<std::int64_t>(coords[b + 2] * h)});
  }
  if (v.boxes.empty()) {
    if (!o.use_image_if_no_bounding_boxes)
      fail("no bounding boxes were given; set use_image_if_no_bounding_boxes to use the whole image");
    v.boxes.push_back(Rect{0, 0, v.width, v.height});
  }
  return v;
}

DistortedBoundingBox sample(const Validated& v, const SampleDistortedBoundingBoxOptions& o, const Tensor& key_words) {
  const std::vector<std::int64_t> words = key_words.to_vector<std::int64_t>();
  const px::Key key = px::derive_key(static_cast<std::uint64_t>(words[0]), static_cast<std::uint64_t>(words[1]),
                                     kCropKeyDomain);

  const float min_aspect = o.aspect_ratio_range[0], max_aspect = o.aspect_ratio_range[1];
  Rect crop;
  bool found = false;
  for (int i = 0; i < o.max_attempts && !found; ++i) {
    const AttemptRandom random(key, static_cast<std::uint64_t>(i));
    const float aspect = random.aspect_unit() * (max_aspect - min_aspect) + min_aspect;
    found = generate_random_crop(v.width, v.height, o.area_range[0], o.area_range[1], aspect, random, crop) &&
            satisfies_overlap(crop, o.min_object_covered, v.boxes);
  }
  if (!found) crop = Rect{0, 0, v.width, v.height};

  const auto i32 = [](std::int64_t x) { return static_cast<std::int32_t>(x); };
  const float h = static_cast<float>(v.height), w = static_cast<float>(v.width);
  DistortedBoundingBox out;
  out.begin = constant(std::vector<std::int32_t>{i32(crop.min_y), i32(crop.min_x), 0}, Shape{3});
  out.size = constant(std::vector<std::int32_t>{i32(crop.max_y - crop.min_y), i32(crop.max_x - crop.min_x), -1},
                      Shape{3});
  out.bboxes = constant(std::vector<float>{static_cast<float>(crop.min_y) / h, static_cast<float>(crop.min_x) / w,
                                           static_cast<float>(crop.max_y) / h, static_cast<float>(crop.max_x) / w},
                        Shape{1, 1, 4});
  return out;
}

}  // namespace

DistortedBoundingBox sample_distorted_bounding_box(const Shape& image_size, const Tensor& bounding_boxes,
                                                   const SampleDistortedBoundingBoxOptions& options,
                                                   std::optional<std::int64_t> seed) {
  // Validation comes first so that a rejected call takes no op seed from
  // the set_seed counter.
  const Validated v = validate("image::sample_distorted_bounding_box", image_size, bounding_boxes, options);
  return sample(v, options, random::uniform(Shape{2}, 0, kKeyWordBound, DType::Int64, seed, Device::cpu()));
}

DistortedBoundingBox stateless_sample_distorted_bounding_box(const Shape& image_size, const Tensor& bounding_boxes,
                                                             random::SeedPair seed,
                                                             const SampleDistortedBoundingBoxOptions& options) {
  const Validated v =
      validate("image::stateless_sample_distorted_bounding_box", image_size, bounding_boxes, options);
  return sample(v, options, random::stateless_uniform(Shape{2}, seed, 0, kKeyWordBound, DType::Int64, Device::cpu()));
}

}  // namespace eager::image
