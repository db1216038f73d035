// tf.image crops, pads, flips, transpose and rot90: exact parity with
// TensorFlow's outputs (tools/image_golden/geometry.py), TF's argument
// checks, gradients, and the random flips' rule, reproducibility and spread.
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "image/image_test_util.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::Golden;
using eager::test::MessageContains;
using eager::test::require_images_close;

namespace {

const Golden& golden() {
  static const Golden g("geometry.npz");
  return g;
}

std::vector<std::int64_t> args(const std::string& name) { return golden()[name].to_vector<std::int64_t>(); }

void require_same(const Tensor& actual, const std::string& name) {
  const Tensor expected = golden()[name];
  REQUIRE(actual.dtype() == expected.dtype());
  require_images_close(actual, expected, 0.0, name);
}

// The golden script's cases, on an image whose name prefixes its arrays.
void check_against_tensorflow(const std::string& prefix, const Tensor& image) {
  for (int i = 0; i < 8; ++i) {
    const std::string crop = prefix + "_crop_" + std::to_string(i);
    if (golden().contains(crop)) {
      const auto a = args(crop + "_args");
      require_same(image::crop_to_bounding_box(image, a[0], a[1], a[2], a[3]), crop);
    }
    const std::string pad = prefix + "_pad_" + std::to_string(i);
    if (golden().contains(pad)) {
      const auto a = args(pad + "_args");
      require_same(image::pad_to_bounding_box(image, a[0], a[1], a[2], a[3]), pad);
    }
    const std::string crop_or_pad = prefix + "_crop_or_pad_" + std::to_string(i);
    if (golden().contains(crop_or_pad)) {
      const auto a = args(crop_or_pad + "_args");
      require_same(image::resize_with_crop_or_pad(image, a[0], a[1]), crop_or_pad);
    }
    const std::string central = prefix + "_central_" + std::to_string(i);
    if (golden().contains(central)) {
      const double fraction = golden()[central + "_args"].to_vector<double>()[0];
      INFO("central_fraction " << fraction);
      require_same(image::central_crop(image, fraction), central);
    }
  }
  require_same(image::flip_left_right(image), prefix + "_flip_left_right");
  require_same(image::flip_up_down(image), prefix + "_flip_up_down");
  require_same(image::transpose(image), prefix + "_transpose");
  for (const std::int64_t k : golden()["rot90_ks"].to_vector<std::int64_t>())
    require_same(image::rot90(image, static_cast<int>(k)), prefix + "_rot90_" + std::to_string(k));
}

bool same(const Tensor& a, const Tensor& b) { return all_equal(a, b); }

}  // namespace

TEST_CASE("geometry: crops, pads, flips and rotations equal TensorFlow's", "[image][geometry]") {
  SECTION("uint8 photo crop, HWC") { check_against_tensorflow("photo", golden()["photo"]); }
  SECTION("float32 batch, NHWC") { check_against_tensorflow("batch", golden()["batch"]); }
  SECTION("an NHWC batch of one gives the HWC results with a batch axis") {
    const Tensor photo = golden()["photo"];
    const Tensor batch = expand_dims(photo, 0);
    REQUIRE(same(image::rot90(batch, 3), expand_dims(image::rot90(photo, 3), 0)));
    REQUIRE(same(image::resize_with_crop_or_pad(batch, 30, 12),
                  expand_dims(image::resize_with_crop_or_pad(photo, 30, 12), 0)));
    REQUIRE(same(image::central_crop(batch, 0.4), expand_dims(image::central_crop(photo, 0.4), 0)));
  }
}

TEST_CASE("geometry: every dtype, non-contiguous inputs and identities", "[image][geometry]") {
  const Tensor photo = golden()["photo"];
  for (const DType dtype : {DType::Bool, DType::Int32, DType::Int64, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor x = cast(photo, dtype);
    REQUIRE(same(image::rot90(x, 1), cast(image::rot90(photo, 1), dtype)));
    REQUIRE(same(image::pad_to_bounding_box(x, 1, 2, 30, 40), cast(image::pad_to_bounding_box(photo, 1, 2, 30, 40), dtype)));
  }
  // A transposed view: the ops must read strides, not assume row-major data.
  const Tensor view = eager::transpose(photo, std::vector<int>{1, 0, 2});
  REQUIRE(!view.is_contiguous());
  REQUIRE(same(image::flip_left_right(view), image::transpose(image::flip_up_down(photo))));
  REQUIRE(same(image::rot90(image::rot90(photo, 1), -1), photo));
  REQUIRE(same(image::rot90(photo, 4), photo));
  REQUIRE(same(image::rot90(photo, 2), image::flip_up_down(image::flip_left_right(photo))));
  REQUIRE(same(image::transpose(image::transpose(photo)), photo));
  REQUIRE(image::central_crop(photo, 1.0).is_same(photo));
  REQUIRE(image::resize_with_crop_or_pad(photo, 23, 31).shape() == photo.shape());
  // Pad then crop back is the identity; the border is zero.
  const Tensor padded = image::pad_to_bounding_box(photo, 4, 6, 30, 40);
  REQUIRE(same(image::crop_to_bounding_box(padded, 4, 6, 23, 31), photo));
  REQUIRE(reduce_sum(cast(image::crop_to_bounding_box(padded, 0, 0, 4, 40), DType::Int64)).item<std::int64_t>() == 0);
  // An empty batch passes through (TF checks only the inner three dimensions).
  const Tensor none = zeros(Shape{0, 5, 6, 3}, DType::UInt8);
  REQUIRE(image::flip_left_right(none).shape() == none.shape());
  REQUIRE(image::crop_to_bounding_box(none, 1, 1, 2, 3).shape() == Shape{0, 2, 3, 3});
}

TEST_CASE("geometry: TensorFlow's argument checks", "[image][geometry]") {
  const Tensor img = zeros(Shape{10, 12, 3}, DType::UInt8);
  using image::crop_to_bounding_box;
  using image::pad_to_bounding_box;
  CHECK_THROWS_MATCHES(image::flip_left_right(zeros(Shape{10, 12})), InvalidArgument,
                       MessageContains("image::flip_left_right: expected an image of rank 3"));
  CHECK_THROWS_MATCHES(image::rot90(zeros(Shape{1, 1, 10, 12, 3}), 1), InvalidArgument, MessageContains("rank 3"));
  CHECK_THROWS_MATCHES(image::transpose(zeros(Shape{10, 0, 3})), InvalidArgument,
                       MessageContains("height, width and channels must be > 0"));
  CHECK_THROWS_MATCHES(image::flip_up_down(zeros(Shape{2, 10, 12, 0})), InvalidArgument,
                       MessageContains("(2, 10, 12, 0)"));

  CHECK_THROWS_MATCHES(crop_to_bounding_box(img, -1, 0, 5, 5), InvalidArgument,
                       MessageContains("offset_height must be >= 0, got -1"));
  CHECK_THROWS_MATCHES(crop_to_bounding_box(img, 0, -2, 5, 5), InvalidArgument,
                       MessageContains("offset_width must be >= 0"));
  CHECK_THROWS_MATCHES(crop_to_bounding_box(img, 0, 0, 0, 5), InvalidArgument,
                       MessageContains("target_height must be > 0"));
  CHECK_THROWS_MATCHES(crop_to_bounding_box(img, 0, 0, 5, 0), InvalidArgument,
                       MessageContains("target_width must be > 0"));
  CHECK_THROWS_MATCHES(crop_to_bounding_box(img, 6, 0, 5, 5), InvalidArgument,
                       MessageContains("height must be >= target + offset"));
  CHECK_THROWS_MATCHES(crop_to_bounding_box(img, 0, 8, 5, 5), InvalidArgument,
                       MessageContains("width must be >= target + offset"));
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max();
  CHECK_THROWS_AS(crop_to_bounding_box(img, huge, 0, huge, 5), InvalidArgument);
  CHECK_NOTHROW(crop_to_bounding_box(img, 5, 7, 5, 5));

  CHECK_THROWS_MATCHES(pad_to_bounding_box(img, -1, 0, 20, 20), InvalidArgument,
                       MessageContains("offset_height must be >= 0"));
  CHECK_THROWS_MATCHES(pad_to_bounding_box(img, 0, 9, 20, 20), InvalidArgument,
                       MessageContains("width must be <= target - offset"));
  CHECK_THROWS_MATCHES(pad_to_bounding_box(img, 11, 0, 20, 20), InvalidArgument,
                       MessageContains("height must be <= target - offset"));
  CHECK_THROWS_AS(pad_to_bounding_box(img, 0, 0, std::numeric_limits<std::int64_t>::min(), 20), InvalidArgument);
  CHECK_NOTHROW(pad_to_bounding_box(img, 10, 8, 20, 20));

  CHECK_THROWS_MATCHES(image::resize_with_crop_or_pad(img, 0, 5), InvalidArgument,
                       MessageContains("target_height must be > 0"));
  CHECK_THROWS_MATCHES(image::resize_with_crop_or_pad(img, 5, -1), InvalidArgument,
                       MessageContains("target_width must be > 0"));
  for (const double bad : {0.0, -0.5, 1.0000001, std::nan("")})
    CHECK_THROWS_MATCHES(image::central_crop(img, bad), InvalidArgument,
                         MessageContains("central_fraction must be within (0, 1]"));
}

TEST_CASE("geometry: gradients flow through crops, pads, flips and rotations", "[image][geometry]") {
  const Tensor x = eager::test::random_tensor(Shape{2, 5, 4, 2}, DType::Float64, 3);
  const auto check = [&](const std::string& what, const std::function<Tensor(const Tensor&)>& f) {
    const GradientCheckResult r = check_gradients([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
    INFO(what << ": " << r.report());
    REQUIRE(r.ok);
  };
  check("resize_with_crop_or_pad", [](const Tensor& t) { return image::resize_with_crop_or_pad(t, 3, 7); });
  check("rot90(central_crop)", [](const Tensor& t) { return image::rot90(image::central_crop(t, 0.7), 3); });
  check("stateless_random_flip_left_right",
        [](const Tensor& t) { return image::stateless_random_flip_left_right(t, {1, 2}); });
}

TEST_CASE("geometry: random flips follow TF's rule and are reproducible", "[image][geometry]") {
  const Tensor photo = golden()["photo"];
  const Tensor batch = tile(expand_dims(photo, 0), {64, 1, 1, 1});
  const Tensor lr = image::flip_left_right(batch), ud = image::flip_up_down(batch);

  SECTION("batches: image i flips exactly when u_i > 0.5") {
    for (const random::SeedPair seed : {random::SeedPair{1, 2}, random::SeedPair{7, -3}}) {
      const std::vector<float> u = random::stateless_uniform(Shape{64}, seed, 0, 1.0).to_vector<float>();
      const Tensor out = image::stateless_random_flip_left_right(batch, seed);
      const Tensor out_ud = image::stateless_random_flip_up_down(batch, seed);
      REQUIRE(out.dtype() == DType::UInt8);
      int flipped = 0;
      for (std::int64_t i = 0; i < 64; ++i) {
        const bool flip = u[static_cast<std::size_t>(i)] > 0.5f;
        flipped += flip;
        REQUIRE(same(out[i], flip ? lr[i] : batch[i]));
        REQUIRE(same(out_ud[i], flip ? ud[i] : batch[i]));
      }
      // Both outcomes occur, in plausible proportion (Binomial(64, 1/2)).
      REQUIRE(flipped >= 16);
      REQUIRE(flipped <= 48);
    }
  }
  SECTION("single images: flip when u < 0.5, both outcomes over seeds") {
    std::set<bool> outcomes;
    for (std::int64_t s = 0; s < 16; ++s) {
      const float u = random::stateless_uniform(Shape{}, {s, 5}, 0, 1.0).item<float>();
      const Tensor out = image::stateless_random_flip_up_down(photo, {s, 5});
      REQUIRE(same(out, u < 0.5f ? image::flip_up_down(photo) : photo));
      outcomes.insert(u < 0.5f);
    }
    REQUIRE(outcomes.size() == 2);
  }
  SECTION("stateful: eager::random's seed rules") {
    random::set_seed(1234);
    const Tensor a1 = image::random_flip_left_right(batch), a2 = image::random_flip_left_right(batch);
    random::set_seed(1234);
    REQUIRE(same(image::random_flip_left_right(batch), a1));
    REQUIRE(same(image::random_flip_left_right(batch), a2));
    REQUIRE(!same(a1, a2));
    // An op seed with the global seed set: a pure function of the pair,
    // equal to the stateless op given the same pair.
    REQUIRE(same(image::random_flip_up_down(batch, 9), image::random_flip_up_down(batch, 9)));
    REQUIRE(same(image::random_flip_up_down(batch, 9), image::stateless_random_flip_up_down(batch, {1234, 9})));
    random::clear_seed();
    REQUIRE(same(image::random_flip_up_down(photo, 9), image::stateless_random_flip_up_down(photo, {random::kDefaultGlobalSeed, 9})));
  }
  SECTION("argument checks") {
    CHECK_THROWS_MATCHES(image::random_flip_left_right(zeros(Shape{4, 4})), InvalidArgument,
                         MessageContains("image::random_flip_left_right"));
    CHECK_THROWS_MATCHES(image::stateless_random_flip_up_down(zeros(Shape{4, 0, 3}), {1, 1}), InvalidArgument,
                         MessageContains("image::stateless_random_flip_up_down"));
  }
}
