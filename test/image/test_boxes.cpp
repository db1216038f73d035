// tf.image bounding-box functions: draw_bounding_boxes and
// non_max_suppression against TensorFlow's outputs
// (tools/image_golden/boxes.py), sample_distorted_bounding_box against TF
// where the result does not depend on the random numbers and against its
// invariants over many seeds, and the argument checks.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "image/image_test_util.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::Golden;
using eager::test::MessageContains;
using eager::test::require_images_close;

namespace {

const Golden& golden() {
  static const Golden g("boxes.npz");
  return g;
}

void require_exact(const Tensor& actual, const std::string& name) {
  const Tensor expected = golden()[name];
  REQUIRE(actual.dtype() == expected.dtype());
  require_images_close(actual, expected, 0.0, name);
}

}  // namespace

// ---- draw_bounding_boxes ------------------------------------------------------------

TEST_CASE("boxes: draw_bounding_boxes equals TensorFlow's kernel", "[image][boxes]") {
  const Tensor boxes = golden()["draw_boxes"], colors = golden()["draw_colors"];
  const Tensor images = golden()["draw_images"];
  SECTION("RGB, default palette and given colours") {
    require_exact(image::draw_bounding_boxes(images, boxes), "draw_rgb");
    require_exact(image::draw_bounding_boxes(images, boxes, colors), "draw_rgb_colors");
    // Colours with no rows select the default palette, as in TF.
    require_exact(image::draw_bounding_boxes(images, boxes, zeros(Shape{0, 4})), "draw_rgb");
  }
  SECTION("grey and RGBA") {
    require_exact(image::draw_bounding_boxes(golden()["draw_grey_input"], boxes), "draw_grey");
    require_exact(image::draw_bounding_boxes(golden()["draw_rgba_input"], boxes), "draw_rgba");
    require_exact(image::draw_bounding_boxes(golden()["draw_rgba_input"], boxes, colors), "draw_rgba_colors");
  }
  SECTION("uint8 equals TF's float drawing converted back to uint8") {
    const Tensor photos = golden()["draw_photos"];
    require_exact(image::draw_bounding_boxes(photos, boxes), "draw_uint8");
    require_exact(image::draw_bounding_boxes(photos, boxes, colors), "draw_uint8_colors");
  }
  SECTION("float64 images and boxes give the float32 results") {
    const Tensor out = image::draw_bounding_boxes(cast(images, DType::Float64), cast(boxes, DType::Float64),
                                                  cast(colors, DType::Float64));
    REQUIRE(out.dtype() == DType::Float64);
    require_images_close(cast(out, DType::Float32), golden()["draw_rgb_colors"], 0.0);
  }
  SECTION("one HWC image with [N, 4] boxes") {
    const Tensor out = image::draw_bounding_boxes(images[1], boxes[1], colors);
    require_images_close(out, golden()["draw_rgb_colors"][1], 0.0);
    require_images_close(image::draw_bounding_boxes(images[1], expand_dims(boxes[1], 0)), golden()["draw_rgb"][1], 0.0);
  }
  SECTION("the input is left unchanged") {
    const Tensor before = images.clone();
    (void)image::draw_bounding_boxes(images, boxes);
    REQUIRE(all_equal(images, before));
  }
}

TEST_CASE("boxes: draw_bounding_boxes edges, clamping and hostile coordinates", "[image][boxes]") {
  const Tensor img = zeros(Shape{1, 5, 7, 1});
  const auto draw = [&](std::vector<float> box) {
    return image::draw_bounding_boxes(img, constant(box, Shape{1, 1, 4}));
  };
  // Rows int(y * 4), columns int(x * 6): (1, 1) to (3, 4), outline only.
  const std::vector<double> outline = {0, 0, 0, 0, 0, 0, 0,  //
                                       0, 1, 1, 1, 1, 0, 0,  //
                                       0, 1, 0, 0, 1, 0, 0,  //
                                       0, 1, 1, 1, 1, 0, 0,  //
                                       0, 0, 0, 0, 0, 0, 0};
  REQUIRE(draw({0.25f, 0.2f, 0.8f, 0.7f}).to_vector<double>() == outline);
  // Top edge above the image: not drawn; the sides start at row 0.
  const std::vector<double> open_top = {0, 1, 0, 0, 1, 0, 0,  //
                                        0, 1, 0, 0, 1, 0, 0,  //
                                        0, 1, 1, 1, 1, 0, 0,  //
                                        0, 0, 0, 0, 0, 0, 0,  //
                                        0, 0, 0, 0, 0, 0, 0};
  REQUIRE(draw({-0.5f, 0.2f, 0.5f, 0.7f}).to_vector<double>() == open_top);
  // Truncation toward zero: -0.2 * 4 = -0.8 becomes row 0, which is drawn.
  REQUIRE(draw({-0.2f, 0.2f, 0.5f, 0.7f}).to_vector<double>()[1] == 1);
  const double zero = 0;
  for (const auto& box : std::vector<std::vector<float>>{{0.8f, 0.2f, 0.3f, 0.7f},  // inverted
                                                          {1.5f, 0.0f, 2.0f, 1.0f},  // below the image
                                                          {0.0f, -3.0f, 1.0f, -1.0f},
                                                          {std::nanf(""), 0.0f, 1.0f, 1.0f},
                                                          {0.0f, 0.0f, 1.0f, std::nanf("")},
                                                          {-1e30f, -1e30f, 1e30f, 1e30f},
                                                          {-INFINITY, 0.0f, INFINITY, 1.0f}}) {
    INFO(box[0] << " " << box[1] << " " << box[2] << " " << box[3]);
    const std::vector<double> out = draw(box).to_vector<double>();
    // Nothing, or only lines that lie inside the image (no crash, no UB).
    for (const double v : out) REQUIRE((v == zero || v == 1));
  }
  REQUIRE(image::draw_bounding_boxes(zeros(Shape{1, 0, 4, 3}), zeros(Shape{1, 2, 4})).shape() == Shape{1, 0, 4, 3});
  REQUIRE(image::draw_bounding_boxes(zeros(Shape{0, 4, 4, 3}), zeros(Shape{0, 2, 4})).shape() == Shape{0, 4, 4, 3});
}

TEST_CASE("boxes: draw_bounding_boxes argument checks", "[image][boxes]") {
  const Tensor img = zeros(Shape{2, 5, 7, 3}), boxes = zeros(Shape{2, 3, 4});
  CHECK_THROWS_MATCHES(image::draw_bounding_boxes(zeros(Shape{2, 5, 7, 2}), boxes), InvalidArgument,
                       MessageContains("1 (grey), 3 (RGB) or 4 (RGBA) channels"));
  CHECK_THROWS_MATCHES(image::draw_bounding_boxes(img, zeros(Shape{1, 3, 4})), InvalidArgument,
                       MessageContains("batch size"));
  CHECK_THROWS_MATCHES(image::draw_bounding_boxes(img, zeros(Shape{2, 3, 5})), InvalidArgument,
                       MessageContains("[batch, N, 4]"));
  CHECK_THROWS_AS(image::draw_bounding_boxes(img, zeros(Shape{3, 4})), InvalidArgument);
  CHECK_THROWS_AS(image::draw_bounding_boxes(img[0], zeros(Shape{2, 3, 4})), InvalidArgument);
  CHECK_THROWS_MATCHES(image::draw_bounding_boxes(img, zeros(Shape{2, 3, 4}, DType::Int32)), InvalidArgument,
                       MessageContains("float32 or float64"));
  CHECK_THROWS_MATCHES(image::draw_bounding_boxes(img, boxes, zeros(Shape{4, 2})), InvalidArgument,
                       MessageContains("colors must be a float matrix"));
  CHECK_THROWS_AS(image::draw_bounding_boxes(img, boxes, zeros(Shape{4})), InvalidArgument);
  CHECK_THROWS_MATCHES(image::draw_bounding_boxes(zeros(Shape{2, 5, 7, 3}, DType::Int32), boxes), InvalidArgument,
                       MessageContains("uint8, float32 or float64"));
  CHECK_THROWS_AS(image::draw_bounding_boxes(zeros(Shape{5, 7}), boxes), InvalidArgument);
}

// ---- non_max_suppression --------------------------------------------------------------

TEST_CASE("boxes: non_max_suppression selects TensorFlow's indices", "[image][boxes]") {
  const Tensor boxes = golden()["nms_boxes"], scores = golden()["nms_scores"];
  for (int i = 0; golden().contains("nms_" + std::to_string(i)); ++i) {
    const std::string name = "nms_" + std::to_string(i);
    const std::vector<double> a = golden()[name + "_args"].to_vector<double>();
    INFO(name << ": max_output_size " << a[0] << ", iou_threshold " << a[1] << ", score_threshold " << a[2]);
    const Tensor got = image::non_max_suppression(boxes, scores, static_cast<std::int64_t>(a[0]), a[1], a[2]);
    require_exact(got, name);
    // float64 inputs are rounded to float32 first: the same selection.
    require_exact(image::non_max_suppression(cast(boxes, DType::Float64), cast(scores, DType::Float64),
                                             static_cast<std::int64_t>(a[0]), a[1], a[2]),
                  name);
  }
  REQUIRE(golden().contains("nms_7"));
}

TEST_CASE("boxes: non_max_suppression_with_scores (Soft-NMS) equals TensorFlow's", "[image][boxes]") {
  const Tensor boxes = golden()["nms_boxes"], scores = golden()["nms_scores"];
  for (int i = 0; golden().contains("soft_nms_" + std::to_string(i)); ++i) {
    const std::string name = "soft_nms_" + std::to_string(i);
    const std::vector<double> a = golden()[name + "_args"].to_vector<double>();
    INFO(name << ": sigma " << a[3]);
    const auto r = image::non_max_suppression_with_scores(boxes, scores, static_cast<std::int64_t>(a[0]), a[1],
                                                          a[2], a[3]);
    require_exact(r.selected_indices, name);
    // exp() of the float32 decay may differ from TF's in the last bit.
    REQUIRE(r.selected_scores.dtype() == DType::Float32);
    require_images_close(r.selected_scores, golden()[name + "_scores"], 1e-6, name + "_scores");
  }
  REQUIRE(golden().contains("soft_nms_2"));
}

TEST_CASE("boxes: non_max_suppression semantics and checks", "[image][boxes]") {
  // Two identical boxes with equal scores: the lower index wins; box order
  // of the corners does not matter; an empty box suppresses nothing.
  const Tensor boxes = constant({{0.f, 0.f, 1.f, 1.f}, {1.f, 1.f, 0.f, 0.f}, {0.5f, 0.5f, 0.5f, 0.9f},
                                 {0.f, 0.f, 0.5f, 1.f}});
  const Tensor scores = constant({0.5f, 0.5f, 0.9f, 0.4f});
  REQUIRE(image::non_max_suppression(boxes, scores, 10).to_vector<std::int32_t>() == std::vector<std::int32_t>{2, 0, 3});
  // IoU of box 3 with box 0 is exactly 0.5: suppressed only when > threshold.
  REQUIRE(image::non_max_suppression(boxes, scores, 10, 0.49).to_vector<std::int32_t>() == std::vector<std::int32_t>{2, 0});
  REQUIRE(image::non_max_suppression(boxes, scores, 10, 1.0).to_vector<std::int32_t>() ==
          std::vector<std::int32_t>{2, 0, 1, 3});
  REQUIRE(image::non_max_suppression(boxes, scores, 10, 0.5, 0.5).to_vector<std::int32_t>() ==
          std::vector<std::int32_t>{2});
  REQUIRE(image::non_max_suppression(zeros(Shape{0, 4}), zeros(Shape{0}), 5).shape() == Shape{0});
  REQUIRE(image::non_max_suppression(boxes, scores, 10).dtype() == DType::Int32);
  // A box with a NaN corner has a NaN IoU: TF's hard weight is 0 unless
  // IoU <= threshold, so the box comes back last with score 0 (TF 2.21's output).
  const float nan = std::nanf("");
  const auto with_nan = image::non_max_suppression_with_scores(
      constant({{0.f, 0.f, 1.f, 1.f}, {nan, 0.f, 1.f, 1.f}, {0.f, 0.f, .5f, .5f}, {2.f, 2.f, 3.f, 3.f}}),
      constant({.9f, .8f, .7f, .6f}), 4);
  REQUIRE(with_nan.selected_indices.to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 2, 3, 1});
  REQUIRE(with_nan.selected_scores.to_vector<float>() == std::vector<float>{.9f, .7f, .6f, 0.f});

  CHECK_THROWS_MATCHES(image::non_max_suppression(boxes, scores, 10, 1.5), InvalidArgument,
                       MessageContains("iou_threshold must be in [0, 1]"));
  CHECK_THROWS_AS(image::non_max_suppression(boxes, scores, 10, std::nan("")), InvalidArgument);
  CHECK_THROWS_MATCHES(image::non_max_suppression(boxes, scores, -1), InvalidArgument,
                       MessageContains("max_output_size must be >= 0"));
  CHECK_THROWS_MATCHES(image::non_max_suppression(boxes, zeros(Shape{3}), 10), InvalidArgument,
                       MessageContains("scores must have shape [N]"));
  CHECK_THROWS_MATCHES(image::non_max_suppression(zeros(Shape{4, 3}), scores, 10), InvalidArgument,
                       MessageContains("boxes must have shape [N, 4]"));
  CHECK_THROWS_AS(image::non_max_suppression(cast(boxes, DType::Int32), scores, 10), InvalidArgument);
  CHECK_THROWS_MATCHES(image::non_max_suppression_with_scores(boxes, scores, 10, 0.5, 0.0, -1.0), InvalidArgument,
                       MessageContains("soft_nms_sigma must be >= 0"));
}

// ---- sample_distorted_bounding_box ---------------------------------------------------

namespace {

image::SampleDistortedBoundingBoxOptions options_from(const std::vector<float>& o) {
  image::SampleDistortedBoundingBoxOptions opt;
  opt.min_object_covered = o[0];
  opt.aspect_ratio_range = {o[1], o[2]};
  opt.area_range = {o[3], o[4]};
  opt.max_attempts = static_cast<int>(o[5]);
  opt.use_image_if_no_bounding_boxes = o[6] != 0;
  return opt;
}

struct Crop {
  std::int64_t y, x, h, w;
  auto key() const { return std::tuple(y, x, h, w); }
};

Crop crop_of(const image::DistortedBoundingBox& r) {
  const auto b = r.begin.to_vector<std::int32_t>(), s = r.size.to_vector<std::int32_t>();
  REQUIRE(b[2] == 0);
  REQUIRE(s[2] == -1);
  return Crop{b[0], b[1], s[0], s[1]};
}

}  // namespace

TEST_CASE("boxes: sample_distorted_bounding_box equals TF where the result is not random", "[image][boxes]") {
  const char* cases[] = {"degenerate_boxes", "unreachable_cover", "inverted_area", "whole_image",
                         "no_boxes",         "one_attempt",       "one_short",     "empty_image"};
  for (const std::string name : cases) {
    INFO(name);
    const std::string p = "sample_" + name + "_";
    const Shape size(golden()[p + "image_size"].to_vector<std::int64_t>());
    const auto opt = options_from(golden()[p + "options"].to_vector<float>());
    for (std::int64_t seed = 1; seed <= 5; ++seed) {
      const auto r = image::stateless_sample_distorted_bounding_box(size, golden()[p + "boxes"], {seed, 3}, opt);
      require_exact(r.begin, p + "begin");
      require_exact(r.size, p + "size");
      require_exact(r.bboxes, p + "bboxes");
    }
    const auto r = image::sample_distorted_bounding_box(size, golden()[p + "boxes"], opt);
    require_exact(r.size, p + "size");
  }
}

TEST_CASE("boxes: sample_distorted_bounding_box invariants over many seeds", "[image][boxes]") {
  struct Config {
    std::int64_t height, width;
    image::SampleDistortedBoundingBoxOptions opt;
  };
  std::vector<Config> configs(3);
  configs[0] = {100, 150, {}};
  configs[1] = {64, 48, {}};
  configs[1].opt.min_object_covered = 0.6f;
  configs[1].opt.aspect_ratio_range = {0.5f, 2.0f};
  configs[1].opt.area_range = {0.1f, 0.5f};
  configs[2] = {37, 211, {}};
  configs[2].opt.min_object_covered = 0.0f;
  configs[2].opt.aspect_ratio_range = {3.0f, 4.0f};
  configs[2].opt.area_range = {0.3f, 0.9f};
  configs[2].opt.max_attempts = 3;

  std::mt19937 gen(17);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (std::size_t c = 0; c < configs.size(); ++c) {
    const Config& cfg = configs[c];
    INFO("config " << c);
    // Two random boxes per image, in TF's pixel rectangles.
    std::vector<float> coords;
    for (int b = 0; b < 2; ++b) {
      const float y0 = unit(gen) * 0.6f, x0 = unit(gen) * 0.6f;
      coords.insert(coords.end(), {y0, x0, y0 + 0.1f + unit(gen) * 0.3f, x0 + 0.1f + unit(gen) * 0.3f});
    }
    const Tensor boxes = constant(coords, Shape{1, 2, 4});
    const float H = static_cast<float>(cfg.height), W = static_cast<float>(cfg.width);
    std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>> distinct;
    int whole = 0;
    const int seeds = 300;
    for (std::int64_t seed = 0; seed < seeds; ++seed) {
      const auto r = image::stateless_sample_distorted_bounding_box(Shape{cfg.height, cfg.width, 3}, boxes,
                                                                    {seed, 77}, cfg.opt);
      const Crop k = crop_of(r);
      INFO("seed " << seed << ": y " << k.y << " x " << k.x << " h " << k.h << " w " << k.w);
      distinct.insert(k.key());
      // Inside the image, and the normalised box says the same.
      REQUIRE(k.y >= 0);
      REQUIRE(k.x >= 0);
      REQUIRE(k.h > 0);
      REQUIRE(k.w > 0);
      REQUIRE(k.y + k.h <= cfg.height);
      REQUIRE(k.x + k.w <= cfg.width);
      const std::vector<float> bb = r.bboxes.to_vector<float>();
      REQUIRE(bb == std::vector<float>{static_cast<float>(k.y) / H, static_cast<float>(k.x) / W,
                                       static_cast<float>(k.y + k.h) / H, static_cast<float>(k.x + k.w) / W});
      if (k.h == cfg.height && k.w == cfg.width) {
        ++whole;
        continue;
      }
      // A sampled crop: area in range, width = round(height * aspect) for an
      // aspect in range, TF's half-open position draw, enough of a box covered.
      const float area = static_cast<float>(k.h * k.w);
      REQUIRE(area >= cfg.opt.area_range[0] * W * H);
      REQUIRE(area <= cfg.opt.area_range[1] * W * H);
      const double h = static_cast<double>(k.h);
      REQUIRE(static_cast<double>(k.w) >= cfg.opt.aspect_ratio_range[0] * h - 0.5 - 1e-4 * h);
      REQUIRE(static_cast<double>(k.w) <= cfg.opt.aspect_ratio_range[1] * h + 0.5 + 1e-4 * h);
      REQUIRE((k.h == cfg.height || k.y + k.h < cfg.height));
      REQUIRE((k.w == cfg.width || k.x + k.w < cfg.width));
      double best = 0;
      for (std::size_t b = 0; b < coords.size(); b += 4) {
        const auto y0 = static_cast<std::int64_t>(coords[b] * H), x0 = static_cast<std::int64_t>(coords[b + 1] * W);
        const auto y1 = static_cast<std::int64_t>(coords[b + 2] * H), x1 = static_cast<std::int64_t>(coords[b + 3] * W);
        const std::int64_t iy = std::min(y1, k.y + k.h) - std::max(y0, k.y);
        const std::int64_t ix = std::min(x1, k.x + k.w) - std::max(x0, k.x);
        if (iy > 0 && ix > 0) best = std::max(best, static_cast<double>(iy * ix) / static_cast<double>((y1 - y0) * (x1 - x0)));
      }
      REQUIRE(best >= cfg.opt.min_object_covered - 1e-6);
    }
    INFO(distinct.size() << " distinct crops, " << whole << " whole-image fallbacks");
    // The crops vary with the seed, and most seeds find one.
    REQUIRE(distinct.size() > seeds / 3);
    REQUIRE(whole < seeds / 2);
  }
}

TEST_CASE("boxes: sample_distorted_bounding_box seeds", "[image][boxes]") {
  const Shape size{120, 90, 3};
  const Tensor boxes = constant({{{0.1f, 0.2f, 0.6f, 0.7f}}});
  const auto crop = [](const image::DistortedBoundingBox& r) { return crop_of(r).key(); };
  REQUIRE(crop(image::stateless_sample_distorted_bounding_box(size, boxes, {4, 5})) ==
          crop(image::stateless_sample_distorted_bounding_box(size, boxes, {4, 5})));
  std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>> seen;
  for (std::int64_t s = 0; s < 8; ++s) seen.insert(crop(image::stateless_sample_distorted_bounding_box(size, boxes, {s, 5})));
  REQUIRE(seen.size() >= 6);
  // [N, 4] boxes are the same boxes as [1, N, 4].
  REQUIRE(crop(image::stateless_sample_distorted_bounding_box(size, boxes[0], {4, 5})) ==
          crop(image::stateless_sample_distorted_bounding_box(size, boxes, {4, 5})));

  random::set_seed(99);
  const auto a1 = crop(image::sample_distorted_bounding_box(size, boxes));
  const auto a2 = crop(image::sample_distorted_bounding_box(size, boxes));
  random::set_seed(99);
  REQUIRE(crop(image::sample_distorted_bounding_box(size, boxes)) == a1);
  REQUIRE(crop(image::sample_distorted_bounding_box(size, boxes)) == a2);
  // Global and op seed: the stateless result for that pair, on every call.
  REQUIRE(crop(image::sample_distorted_bounding_box(size, boxes, {}, 3)) ==
          crop(image::stateless_sample_distorted_bounding_box(size, boxes, {99, 3})));
  REQUIRE(crop(image::sample_distorted_bounding_box(size, boxes, {}, 3)) ==
          crop(image::stateless_sample_distorted_bounding_box(size, boxes, {99, 3})));
  random::clear_seed();
}

TEST_CASE("boxes: sample_distorted_bounding_box argument checks", "[image][boxes]") {
  const Shape size{40, 50, 3};
  const Tensor boxes = constant({{{0.1f, 0.2f, 0.6f, 0.7f}}});
  const auto sample = [&](const image::SampleDistortedBoundingBoxOptions& o, const Tensor& b = Tensor(),
                          const Shape& s = Shape{40, 50, 3}) {
    return image::stateless_sample_distorted_bounding_box(s, b.defined() ? b : boxes, {1, 2}, o);
  };
  const auto with = [](auto change) {
    image::SampleDistortedBoundingBoxOptions o;
    change(o);
    return o;
  };
  using Opt = image::SampleDistortedBoundingBoxOptions;
  CHECK_THROWS_MATCHES(sample(with([](Opt& o) { o.area_range = {0.0f, 1.0f}; })), InvalidArgument,
                       MessageContains("area_range must lie in (0, 1]"));
  CHECK_THROWS_AS(sample(with([](Opt& o) { o.area_range = {0.5f, 1.5f}; })), InvalidArgument);
  CHECK_THROWS_MATCHES(sample(with([](Opt& o) { o.aspect_ratio_range = {-1.0f, 1.0f}; })), InvalidArgument,
                       MessageContains("aspect_ratio_range must be positive"));
  CHECK_THROWS_AS(sample(with([](Opt& o) { o.aspect_ratio_range = {1.0f, INFINITY}; })), InvalidArgument);
  CHECK_THROWS_MATCHES(sample(with([](Opt& o) { o.max_attempts = 0; })), InvalidArgument,
                       MessageContains("max_attempts must be > 0"));
  CHECK_THROWS_MATCHES(sample(with([](Opt& o) { o.min_object_covered = -0.1f; })), InvalidArgument,
                       MessageContains("min_object_covered must be >= 0"));
  CHECK_THROWS_AS(sample(with([](Opt& o) { o.min_object_covered = NAN; })), InvalidArgument);
  CHECK_THROWS_MATCHES(sample({}, constant({{{0.1f, 0.2f, 1.2f, 0.7f}}})), InvalidArgument,
                       MessageContains("must be in [0.0, 1.0], got 1.2"));
  CHECK_THROWS_AS(sample({}, constant({{{0.1f, 0.2f, NAN, 0.7f}}})), InvalidArgument);
  CHECK_THROWS_MATCHES(sample({}, zeros(Shape{1, 0, 4})), InvalidArgument,
                       MessageContains("use_image_if_no_bounding_boxes"));
  CHECK_THROWS_MATCHES(sample({}, zeros(Shape{4})), InvalidArgument, MessageContains("[batch, N, 4] or [N, 4]"));
  CHECK_THROWS_AS(sample({}, zeros(Shape{1, 2, 3})), InvalidArgument);
  CHECK_THROWS_AS(sample({}, zeros(Shape{1, 1, 4}, DType::Int32)), InvalidArgument);
  CHECK_THROWS_MATCHES(sample({}, boxes, Shape{40, 50}), InvalidArgument,
                       MessageContains("image_size must be [height, width, channels]"));
  CHECK_THROWS_AS(sample({}, boxes, Shape{std::int64_t{1} << 31, 50, 3}), InvalidArgument);
  // Degenerate but legal, as in TF: a tiny aspect ratio and reversed ranges.
  CHECK(crop_of(sample(with([](Opt& o) { o.aspect_ratio_range = {1e-30f, 1e-30f}; }))).h == 40);
  CHECK_NOTHROW(sample(with([](Opt& o) { o.aspect_ratio_range = {2.0f, 0.5f}; })));
}
