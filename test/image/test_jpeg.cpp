// JPEG decoding and encoding against TensorFlow's golden outputs
// (tools/image_golden/jpeg.py -> test/image/golden/jpeg.npz, jpeg_encode.npz),
// options, errors and round trips. Broken and hostile files are in
// test_jpeg_corrupt.cpp.
//
// Tolerances reached against TensorFlow 2.21 (libjpeg-turbo here: the
// system's 2.1.5): every decode in the golden file, fast and accurate IDCT,
// every ratio, crop and CMYK file, is bit-exact, and the encoder writes
// TensorFlow's bytes exactly for every option set. Recovered truncations
// are bit-exact outside the iMCU row where the data ends (see that test).
// The tolerance below is therefore 0; another libjpeg-turbo build may need 1
// for the fast IDCT (the bound), but the tests should then be
// loosened knowingly, not silently.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "eager/eager.hpp"
#include "eager/image.hpp"
#include "image/image_test_util.hpp"
#include "tensor/test_util.hpp"

namespace eager::test {
namespace {

using image::CropWindow;
using image::DctMethod;
using image::DecodeJpegOptions;
using image::DensityUnit;
using image::EncodeJpegOptions;

constexpr double kTolerance = 0;

const Golden& golden() {
  static const Golden g("jpeg.npz");
  return g;
}
const Golden& golden_encode() {
  static const Golden g("jpeg_encode.npz");
  return g;
}

std::string bytes_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  return std::string(reinterpret_cast<const char*>(c.data<std::uint8_t>()), static_cast<std::size_t>(c.num_elements()));
}

// A photo ("chelsea.jpg") or a file made by the golden script ("gray").
std::string source(const std::string& name) {
  if (name.size() > 4 && name.substr(name.size() - 4) == ".jpg") return read_photo(name);
  return bytes_of(golden()["file_" + name]);
}

DecodeJpegOptions options(int ratio, int channels, bool fancy, DctMethod dct) {
  DecodeJpegOptions o;
  o.ratio = ratio;
  o.channels = channels;
  o.fancy_upscaling = fancy;
  o.dct_method = dct;
  return o;
}

constexpr DctMethod kFast = DctMethod::Fast, kAccurate = DctMethod::Accurate;

struct DecodeCase {
  const char* name;
  const char* file;
  int ratio, channels;
  bool fancy;
  DctMethod dct;
};

// Mirrors CASES in tools/image_golden/jpeg.py.
const std::vector<DecodeCase>& decode_cases() {
  static const std::vector<DecodeCase> cases = {
      {"chelsea_r1", "chelsea.jpg", 1, 3, true, kFast},
      {"chelsea_r4_gray_accurate", "chelsea.jpg", 4, 1, true, kAccurate},
      {"astronaut_r8", "astronaut.jpg", 8, 3, true, kFast},
      {"astronaut_r4_accurate", "astronaut.jpg", 4, 3, true, kAccurate},
      {"astronaut_r4_nofancy", "astronaut.jpg", 4, 3, false, kFast},
      {"coffee_r4", "coffee.jpg", 4, 0, true, kFast},
      {"coffee_r2_gray", "coffee.jpg", 2, 1, true, kFast},
      {"coffee_r8_accurate", "coffee.jpg", 8, 3, true, kAccurate},
      {"motorcycle_r4", "motorcycle_left.jpg", 4, 3, true, kFast},
      {"motorcycle_r8", "motorcycle_left.jpg", 8, 3, true, kFast},
      {"motorcycle_r8_nofancy_accurate", "motorcycle_left.jpg", 8, 3, false, kAccurate},
      {"gray_r1", "gray", 1, 0, true, kFast},
      {"gray_as_rgb", "gray", 1, 3, true, kFast},
      {"s444_r1", "s444", 1, 3, true, kFast},
      {"s444_r2_gray", "s444", 2, 1, true, kFast},
      {"progressive_r1", "progressive", 1, 3, true, kFast},
      {"progressive_r2_nofancy", "progressive", 2, 3, false, kFast},
      {"baseline_r1_nofancy", "baseline", 1, 3, false, kFast},
      {"baseline_r1_accurate", "baseline", 1, 3, true, kAccurate},
      {"cmyk_adobe_r1", "cmyk_adobe", 1, 0, true, kFast},
      {"cmyk_plain_r1", "cmyk_plain", 1, 3, true, kFast},
      {"cmyk_adobe_r2", "cmyk_adobe", 2, 3, true, kFast},
  };
  return cases;
}

struct CropCase {
  const char* name;
  const char* file;
  CropWindow window;
  int ratio, channels;
  bool fancy;
  DctMethod dct;
};

// Mirrors CROPS in tools/image_golden/jpeg.py.
const std::vector<CropCase>& crop_cases() {
  static const std::vector<CropCase> cases = {
      {"chelsea_unaligned", "chelsea.jpg", {10, 13, 64, 80}, 1, 3, true, kFast},
      {"chelsea_nofancy", "chelsea.jpg", {33, 45, 50, 70}, 1, 3, false, kFast},
      {"chelsea_corner", "chelsea.jpg", {280, 421, 20, 30}, 1, 3, true, kFast},
      {"astronaut_aligned", "astronaut.jpg", {100, 32, 48, 64}, 1, 3, true, kFast},
      {"coffee_r2", "coffee.jpg", {50, 77, 40, 60}, 2, 3, true, kFast},
      {"motorcycle_r4_gray", "motorcycle_left.jpg", {0, 0, 30, 40}, 4, 1, true, kFast},
      {"motorcycle_accurate", "motorcycle_left.jpg", {200, 301, 64, 64}, 1, 3, true, kAccurate},
      {"motorcycle_r8_whole", "motorcycle_left.jpg", {0, 0, 63, 93}, 8, 3, true, kFast},
      {"progressive", "progressive", {17, 9, 40, 50}, 1, 3, true, kFast},
      {"s444", "s444", {5, 3, 30, 41}, 1, 3, true, kFast},
      {"cmyk_adobe", "cmyk_adobe", {8, 19, 30, 40}, 1, 3, true, kFast},
  };
  return cases;
}

double psnr(const Tensor& a, const Tensor& b) {
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  double sse = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sse += (x[i] - y[i]) * (x[i] - y[i]);
  return 10 * std::log10(255.0 * 255.0 / (sse / static_cast<double>(x.size())));
}

const std::vector<std::string> kPhotos = {"astronaut.jpg", "chelsea.jpg", "coffee.jpg", "motorcycle_left.jpg"};

}  // namespace

TEST_CASE("decode_jpeg matches TensorFlow", "[image][jpeg]") {
  for (const DecodeCase& c : decode_cases()) {
    const Tensor got = image::decode_jpeg(source(c.file), options(c.ratio, c.channels, c.fancy, c.dct));
    CHECK(got.dtype() == DType::UInt8);
    CHECK(got.device().is_cpu());
    require_images_close(got, golden()[std::string("dec_") + c.name], kTolerance, c.name);
  }
}

TEST_CASE("decode_and_crop_jpeg matches TensorFlow", "[image][jpeg]") {
  for (const CropCase& c : crop_cases()) {
    const Tensor got =
        image::decode_and_crop_jpeg(source(c.file), c.window, options(c.ratio, c.channels, c.fancy, c.dct));
    require_images_close(got, golden()[std::string("crop_") + c.name], kTolerance, c.name);
  }
}

TEST_CASE("decode_and_crop_jpeg equals a slice of decode_jpeg inside the window", "[image][jpeg]") {
  // Without fancy upsampling every pixel is the full decode's; with it, the
  // columns where libjpeg's cropped region starts and ends lack their
  // outside neighbours, so the first and last column may differ.
  const std::string data = read_photo("motorcycle_left.jpg");
  for (bool fancy : {false, true}) {
    for (int ratio : {1, 2}) {
      DecodeJpegOptions o = options(ratio, 3, fancy, kFast);
      const Tensor full = image::decode_jpeg(data, o);
      for (const CropWindow w : {CropWindow{0, 0, 20, 20}, CropWindow{7, 5, 33, 61}, CropWindow{40, 32, 16, 48},
                                 CropWindow{full.dim(0) - 9, full.dim(1) - 17, 9, 17}}) {
        INFO("fancy " << fancy << " ratio " << ratio << " window " << w.y << "," << w.x << "," << w.height << ","
                      << w.width);
        const Tensor crop = image::decode_and_crop_jpeg(data, w, o);
        REQUIRE(crop.shape() == Shape({w.height, w.width, 3}));
        const std::int64_t inner = fancy ? 1 : 0;
        const Tensor expected = slice(full, {w.y, w.x + inner, 0}, {w.height, w.width - 2 * inner, 3});
        const Tensor actual = slice(crop, {0, inner, 0}, {w.height, w.width - 2 * inner, 3});
        require_images_close(actual, expected, 0);
      }
    }
  }
}

TEST_CASE("decode_jpeg recovers truncated files as TensorFlow does", "[image][jpeg]") {
  struct Case {
    const char* name;
    const char* file;
    long length;  // 0: half the file; negative: all but that many bytes
  };
  for (const Case& c : {Case{"baseline_half", "baseline", 0}, Case{"baseline_most", "baseline", -200},
                        Case{"progressive_half", "progressive", 0}}) {
    const std::string data = source(c.file);
    const std::size_t length = c.length == 0 ? data.size() / 2 : data.size() + static_cast<std::size_t>(c.length);
    const std::string cut = data.substr(0, length);
    DecodeJpegOptions o;
    o.channels = 3;
    REQUIRE_THROWS_AS(image::decode_jpeg(cut, o), DataLoss);
    o.try_recover_truncated = true;
    o.acceptable_fraction = 0;
    // libjpeg-turbo versions disagree about the MCUs after the cut in the
    // iMCU row where the data ends: 2.1.5 (here, and Pillow's) leaves them
    // mid-grey, TensorFlow's build decodes zero bits into noise until the
    // row ends. Every other row must be TensorFlow's: the rows before, and
    // the mid-grey rows after, past the 16-row iMCU row and the one row of
    // chroma upsampling context on either side.
    const Tensor got = image::decode_jpeg(cut, o), expected = golden()[std::string("trunc_") + c.name];
    REQUIRE(got.shape() == expected.shape());
    std::int64_t first_differing = got.dim(0);
    for (std::int64_t r = 0; r < got.dim(0) && first_differing == got.dim(0); ++r)
      if (got[r].to_vector<int>() != expected[r].to_vector<int>()) first_differing = r;
    INFO(c.name << ": first differing row " << first_differing);
    const std::int64_t band_end = std::min(got.dim(0), first_differing + 18);
    require_images_close(slice(got, {band_end, 0, 0}, {got.dim(0) - band_end, -1, -1}),
                         slice(expected, {band_end, 0, 0}, {got.dim(0) - band_end, -1, -1}), kTolerance, c.name);
  }
}

TEST_CASE("acceptable_fraction counts the rows decoded from real data", "[image][jpeg]") {
  // Half of a 4:2:0 baseline file: the rows below the cut are mid-grey.
  const std::string data = read_photo("chelsea.jpg");
  const std::string cut = data.substr(0, data.size() / 2);
  DecodeJpegOptions o;
  o.try_recover_truncated = true;
  o.acceptable_fraction = 0;
  const Tensor image = image::decode_jpeg(cut, o);
  REQUIRE(image.shape() == Shape({300, 451, 3}));
  // The last row is libjpeg's fill: all coefficients zero, so 128.
  const std::vector<int> last = image[299].to_vector<int>();
  CHECK(std::all_of(last.begin(), last.end(), [](int v) { return v == 128; }));
  // The cut is near the middle: well above 20% of the rows and below 80%.
  o.acceptable_fraction = 0.2f;
  CHECK_NOTHROW(image::decode_jpeg(cut, o));
  o.acceptable_fraction = 0.8f;
  CHECK_THROWS_MATCHES(image::decode_jpeg(cut, o), DataLoss, MessageContains("rows are present"));
  o.acceptable_fraction = 1;
  CHECK_THROWS_AS(image::decode_jpeg(cut, o), DataLoss);
  // A complete file passes any fraction.
  CHECK_NOTHROW(image::decode_jpeg(data, o));
  // Cropped: the fraction is of the window's rows; the top rows are intact.
  CHECK_NOTHROW(image::decode_and_crop_jpeg(cut, CropWindow{0, 0, 50, 50}, o));
  CHECK_THROWS_AS(image::decode_and_crop_jpeg(cut, CropWindow{250, 0, 50, 50}, o), DataLoss);
}

TEST_CASE("decode_jpeg output shapes, channels and ratios", "[image][jpeg]") {
  const std::string data = read_photo("chelsea.jpg");  // 300 x 451
  for (int ratio : {1, 2, 4, 8}) {
    for (int channels : {0, 1, 3}) {
      const Tensor t = image::decode_jpeg(data, options(ratio, channels, true, kFast));
      const std::int64_t h = (300 + ratio - 1) / ratio, w = (451 + ratio - 1) / ratio;
      CHECK(t.shape() == Shape({h, w, channels == 1 ? 1 : 3}));
    }
  }
  // Grayscale decodes of a colour file are its luma: close to the BT.601
  // luma of the RGB decode (not equal: libjpeg takes Y before the colour
  // conversion rounds, and without chroma).
  const Tensor gray = image::decode_jpeg(data, options(2, 1, true, kFast));
  const std::vector<double> rgb = image::decode_jpeg(data, options(2, 3, true, kFast)).to_vector<double>();
  std::vector<double> luma(rgb.size() / 3);
  for (std::size_t i = 0; i < luma.size(); ++i)
    luma[i] = std::round(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]);
  require_images_close(gray, constant(luma, gray.shape()).cast(DType::UInt8), 2);
  // Accurate and fast IDCTs differ, but only slightly.
  const Tensor fast = image::decode_jpeg(data), accurate = image::decode_jpeg(data, options(1, 0, true, kAccurate));
  CHECK(psnr(fast, accurate) > 40);
  CHECK(fast.to_vector<int>() != accurate.to_vector<int>());
}

TEST_CASE("decode_jpeg rejects bad options and non-JPEG input", "[image][jpeg]") {
  const std::string data = read_photo("chelsea.jpg");
  DecodeJpegOptions o;
  o.channels = 4;
  CHECK_THROWS_MATCHES(image::decode_jpeg(data, o), InvalidArgument, MessageContains("channels must be 0, 1 or 3"));
  o = {};
  o.ratio = 3;
  CHECK_THROWS_MATCHES(image::decode_jpeg(data, o), InvalidArgument, MessageContains("ratio must be 1, 2, 4 or 8"));
  o = {};
  o.max_pixels = -1;
  CHECK_THROWS_AS(image::decode_jpeg(data, o), InvalidArgument);
  o = {};
  o.max_scans = -1;
  CHECK_THROWS_AS(image::decode_jpeg(data, o), InvalidArgument);
  o = {};
  o.acceptable_fraction = std::nanf("");
  CHECK_THROWS_AS(image::decode_jpeg(data, o), InvalidArgument);

  CHECK_THROWS_MATCHES(image::decode_jpeg(""), InvalidArgument, MessageContains("image::decode_jpeg: the input is empty"));
  CHECK_THROWS_MATCHES(image::decode_jpeg("\x89PNG\r\n\x1a\n0000000000000000"), InvalidArgument,
                       MessageContains("Not a JPEG file"));
  CHECK_THROWS_MATCHES(image::decode_jpeg(std::string(1000, 'x')), InvalidArgument, MessageContains("1000 bytes"));
  // A CMYK file has no grayscale conversion in libjpeg (nor in TensorFlow).
  CHECK_THROWS_AS(image::decode_jpeg(source("cmyk_adobe"), options(1, 1, true, kFast)), InvalidArgument);
}

TEST_CASE("decode_jpeg enforces max_pixels before decoding", "[image][jpeg]") {
  const std::string data = read_photo("chelsea.jpg");
  DecodeJpegOptions o;
  o.max_pixels = 300 * 451;
  CHECK_NOTHROW(image::decode_jpeg(data, o));
  o.max_pixels = 300 * 451 - 1;
  CHECK_THROWS_MATCHES(image::decode_jpeg(data, o), ResourceExhausted, MessageContains("max_pixels"));
  // The stored size counts, whatever the ratio.
  o.ratio = 8;
  CHECK_THROWS_AS(image::decode_jpeg(data, o), ResourceExhausted);
  CHECK_THROWS_AS(image::decode_and_crop_jpeg(data, CropWindow{0, 0, 8, 8}, o), ResourceExhausted);
  o.max_pixels = 0;
  CHECK_NOTHROW(image::decode_jpeg(data, o));
}

TEST_CASE("decode_and_crop_jpeg validates the window as TensorFlow does", "[image][jpeg]") {
  const std::string data = read_photo("chelsea.jpg");  // 300 x 451
  for (const CropWindow w : {CropWindow{0, 0, 0, 10}, CropWindow{0, 0, 10, 0}, CropWindow{-1, 0, 10, 10},
                             CropWindow{0, -1, 10, 10}, CropWindow{291, 0, 10, 10}, CropWindow{0, 442, 10, 10},
                             CropWindow{0, 0, 301, 451}, CropWindow{INT64_MAX, 0, 10, 10},
                             CropWindow{0, 10, 10, INT64_MAX}}) {
    CHECK_THROWS_MATCHES(image::decode_and_crop_jpeg(data, w), InvalidArgument,
                         MessageContains("image::decode_and_crop_jpeg: invalid crop window"));
  }
  CHECK(image::decode_and_crop_jpeg(data, CropWindow{0, 0, 300, 451}).shape() == Shape({300, 451, 3}));
  // At ratio 4 the image is 75 x 113 and the window is checked against that.
  DecodeJpegOptions o;
  o.ratio = 4;
  CHECK(image::decode_and_crop_jpeg(data, CropWindow{70, 100, 5, 13}, o).shape() == Shape({5, 13, 3}));
  CHECK_THROWS_MATCHES(image::decode_and_crop_jpeg(data, CropWindow{70, 100, 6, 13}, o), InvalidArgument,
                       MessageContains("(at ratio 4)"));
}

TEST_CASE("extract_jpeg_shape matches TensorFlow and reads only the headers", "[image][jpeg]") {
  for (const std::string name : {"astronaut", "chelsea", "coffee", "motorcycle_left"}) {
    const Tensor shape = image::extract_jpeg_shape(read_photo(name + ".jpg"));
    CHECK(shape.dtype() == DType::Int32);
    CHECK(shape.to_vector<int>() == golden()["shape_" + name].to_vector<int>());
  }
  for (const std::string name : {"gray", "s444", "progressive", "baseline", "cmyk_adobe", "cmyk_plain"}) {
    INFO(name);
    CHECK(image::extract_jpeg_shape(source(name)).to_vector<int>() == golden()["shape_" + name].to_vector<int>());
  }
  CHECK(golden()["shape_cmyk_adobe"].to_vector<int>()[2] == 4);
  const std::string data = read_photo("chelsea.jpg");
  const Tensor wide = image::extract_jpeg_shape(data, DType::Int64);
  CHECK(wide.dtype() == DType::Int64);
  CHECK(wide.to_vector<std::int64_t>() == std::vector<std::int64_t>{300, 451, 3});
  // The image data is not needed...
  CHECK(image::extract_jpeg_shape(data.substr(0, 1000)).to_vector<int>() == std::vector<int>{300, 451, 3});
  // ...but the headers are.
  CHECK_THROWS_AS(image::extract_jpeg_shape(data.substr(0, 100)), DataLoss);
  CHECK_THROWS_AS(image::extract_jpeg_shape(""), InvalidArgument);
  CHECK_THROWS_MATCHES(image::extract_jpeg_shape("GIF89a............"), InvalidArgument,
                       MessageContains("image::extract_jpeg_shape: invalid JPEG data"));
  CHECK_THROWS_AS(image::extract_jpeg_shape(data, DType::Float32), InvalidArgument);
}

TEST_CASE("is_jpeg looks at the first three bytes", "[image][jpeg]") {
  CHECK(image::is_jpeg(read_photo("coffee.jpg")));
  CHECK(image::is_jpeg("\xff\xd8\xff"));
  CHECK_FALSE(image::is_jpeg("\xff\xd8"));
  CHECK_FALSE(image::is_jpeg(""));
  CHECK_FALSE(image::is_jpeg("\x89PNG\r\n\x1a\n"));
}

TEST_CASE("encode_jpeg writes TensorFlow's bytes", "[image][jpeg]") {
  const Tensor rgb = golden_encode()["enc_input_rgb"], gray = golden_encode()["enc_input_gray"];
  struct Case {
    const char* name;
    const Tensor* image;
    EncodeJpegOptions options;
  };
  EncodeJpegOptions q50p, q75o, q90s, density, q0, g80;
  q50p.quality = 50;
  q50p.progressive = true;
  q75o.quality = 75;
  q75o.optimize_size = true;
  q90s.quality = 90;
  q90s.chroma_downsampling = false;
  density.density_unit = DensityUnit::Centimeter;
  density.x_density = 72;
  density.y_density = 96;
  density.xmp_metadata = "<x:xmpmeta>eager</x:xmpmeta>";
  q0.quality = 0;
  q0.progressive = true;
  q0.optimize_size = true;
  g80.quality = 80;
  // Mirrors ENCODINGS in tools/image_golden/jpeg.py.
  for (const Case& c : {Case{"default", &rgb, {}}, Case{"q50_progressive", &rgb, q50p}, Case{"q75_optimize", &rgb, q75o},
                        Case{"q90_444", &rgb, q90s}, Case{"density_xmp", &rgb, density},
                        Case{"q0_progressive_optimize", &rgb, q0}, Case{"gray_q80", &gray, g80}}) {
    INFO(c.name);
    const std::string ours = image::encode_jpeg(*c.image, c.options);
    const std::string theirs = bytes_of(golden_encode()[std::string("enc_") + c.name]);
    CHECK(ours.size() == theirs.size());
    CHECK(ours == theirs);
  }
}

TEST_CASE("encode_jpeg options reach the file", "[image][jpeg]") {
  const Tensor rgb = image::decode_jpeg(read_photo("coffee.jpg"), options(4, 3, true, kFast));  // 100 x 150
  // JFIF APP0 right after SOI: FF E0, length, "JFIF\0", version, unit, x, y.
  EncodeJpegOptions o;
  o.density_unit = DensityUnit::Centimeter;
  o.x_density = 1234;
  o.y_density = 65535;
  std::string f = image::encode_jpeg(rgb, o);
  REQUIRE(f.compare(6, 5, std::string("JFIF\0", 5)) == 0);
  CHECK(static_cast<unsigned char>(f[13]) == 2);
  CHECK((static_cast<unsigned char>(f[14]) << 8 | static_cast<unsigned char>(f[15])) == 1234);
  CHECK((static_cast<unsigned char>(f[16]) << 8 | static_cast<unsigned char>(f[17])) == 65535);
  o = {};
  o.xmp_metadata = std::string(65504, 'x');
  f = image::encode_jpeg(rgb, o);
  CHECK(f.find("http://ns.adobe.com/xap/1.0/") != std::string::npos);
  CHECK(image::decode_jpeg(f).shape() == Shape({100, 150, 3}));
  // Sampling factors in SOF0: 0x22 for luma with 4:2:0, 0x11 with 4:4:4.
  auto luma_sampling = [](const std::string& file) {
    const std::size_t sof = file.find("\xff\xc0");
    return static_cast<unsigned char>(file[sof + 11]);
  };
  CHECK(luma_sampling(image::encode_jpeg(rgb)) == 0x22);
  o = {};
  o.chroma_downsampling = false;
  CHECK(luma_sampling(image::encode_jpeg(rgb, o)) == 0x11);
  // Progressive: SOF2 and several scans; optimize_size: smaller, same pixels.
  o = {};
  o.progressive = true;
  f = image::encode_jpeg(rgb, o);
  CHECK(f.find("\xff\xc2") != std::string::npos);
  std::size_t scans = 0;
  for (std::size_t at = f.find("\xff\xda"); at != std::string::npos; at = f.find("\xff\xda", at + 2)) ++scans;
  CHECK(scans == 10);
  o = {};
  o.optimize_size = true;
  const std::string optimized = image::encode_jpeg(rgb, o), plain = image::encode_jpeg(rgb);
  CHECK(optimized.size() < plain.size());
  CHECK(image::decode_jpeg(optimized).to_vector<int>() == image::decode_jpeg(plain).to_vector<int>());
  // Lower quality, smaller file.
  o = {};
  o.quality = 30;
  CHECK(image::encode_jpeg(rgb, o).size() < plain.size() / 2);
}

TEST_CASE("encode_jpeg then decode_jpeg keeps the photos (PSNR > 40 dB at quality 95)", "[image][jpeg]") {
  for (const std::string& name : kPhotos) {
    const Tensor original = image::decode_jpeg(read_photo(name));
    const Tensor round = image::decode_jpeg(image::encode_jpeg(original));
    const double db = psnr(original, round);
    INFO(name << ": " << db << " dB");
    CHECK(db > 40);
    // Grayscale too.
    const Tensor gray = image::decode_jpeg(read_photo(name), options(1, 1, true, kFast));
    const Tensor gray_round = image::decode_jpeg(image::encode_jpeg(gray));
    CHECK(gray_round.shape() == gray.shape());
    CHECK(psnr(gray, gray_round) > 40);
  }
}

TEST_CASE("encode_jpeg accepts views and rejects what JPEG cannot hold", "[image][jpeg]") {
  const Tensor rgb = image::decode_jpeg(read_photo("chelsea.jpg"), options(4, 3, true, kFast));  // 75 x 113
  const Tensor view = transpose(rgb, std::vector<int>{1, 0, 2});
  REQUIRE_FALSE(view.is_contiguous());
  CHECK(image::encode_jpeg(view) == image::encode_jpeg(view.contiguous()));
  CHECK(image::decode_jpeg(image::encode_jpeg(view)).shape() == Shape({113, 75, 3}));

  CHECK_THROWS_MATCHES(image::encode_jpeg(rgb[0]), InvalidArgument, MessageContains("rank 3"));
  CHECK_THROWS_MATCHES(image::encode_jpeg(rgb.cast(DType::Float32)), InvalidArgument, MessageContains("uint8"));
  CHECK_THROWS_MATCHES(image::encode_jpeg(zeros({4, 4, 4}, DType::UInt8)), InvalidArgument,
                       MessageContains("1 or 3 channels"));
  CHECK_THROWS_AS(image::encode_jpeg(zeros({4, 4, 2}, DType::UInt8)), InvalidArgument);
  CHECK_THROWS_AS(image::encode_jpeg(zeros({0, 4, 3}, DType::UInt8)), InvalidArgument);
  CHECK_THROWS_AS(image::encode_jpeg(zeros({1, 70000, 1}, DType::UInt8)), InvalidArgument);
  EncodeJpegOptions o;
  o.quality = 101;
  CHECK_THROWS_MATCHES(image::encode_jpeg(rgb, o), InvalidArgument, MessageContains("quality must be in [0, 100]"));
  o.quality = -1;
  CHECK_THROWS_AS(image::encode_jpeg(rgb, o), InvalidArgument);
  o = {};
  o.x_density = 65536;
  CHECK_THROWS_AS(image::encode_jpeg(rgb, o), InvalidArgument);
  o = {};
  o.y_density = -1;
  CHECK_THROWS_AS(image::encode_jpeg(rgb, o), InvalidArgument);
  o = {};
  o.xmp_metadata = std::string(65505, 'x');
  CHECK_THROWS_MATCHES(image::encode_jpeg(rgb, o), InvalidArgument, MessageContains("xmp_metadata"));
  // A 1 x 1 image is fine.
  CHECK(image::decode_jpeg(image::encode_jpeg(zeros({1, 1, 1}, DType::UInt8))).shape() == Shape({1, 1, 1}));
}

}  // namespace eager::test
