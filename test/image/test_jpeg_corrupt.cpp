// Broken and hostile JPEG files, made at run time from the committed photos:
// truncations, byte flips, removed and duplicated markers, bogus frame
// headers, oversized tables, progressive files with hundreds of scans, and
// bytes that are no JPEG at all. Every one must give a tensor or one of
// eager's exceptions (never a crash, never another exception type); the
// sanitizer build runs the same corpus under ASan and UBSan.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "eager/eager.hpp"
#include "eager/image.hpp"
#include "image/image_test_util.hpp"
#include "tensor/test_util.hpp"

namespace eager::test {
namespace {

using image::CropWindow;
using image::DecodeJpegOptions;

enum class Outcome { Decoded, InvalidArgument, DataLoss, ResourceExhausted };

// Decodes (or crops) and classifies the result. Any other exception escapes
// and fails the test; a decoded tensor must be a uint8 HWC image.
Outcome attempt(std::string_view data, const DecodeJpegOptions& o = {}, const CropWindow* window = nullptr) {
  try {
    const Tensor t = window ? image::decode_and_crop_jpeg(data, *window, o) : image::decode_jpeg(data, o);
    if (t.rank() != 3 || t.dtype() != DType::UInt8 || t.dim(2) != (o.channels == 1 ? 1 : 3) || t.num_elements() == 0)
      FAIL("decoded to " << t.shape().to_string());
    return Outcome::Decoded;
  } catch (const InvalidArgument&) {
    return Outcome::InvalidArgument;
  } catch (const DataLoss&) {
    return Outcome::DataLoss;
  } catch (const ResourceExhausted&) {
    return Outcome::ResourceExhausted;
  }
}

const std::vector<std::string> kPhotos = {"astronaut.jpg", "chelsea.jpg", "coffee.jpg", "motorcycle_left.jpg"};

// Options that keep a file whose header was damaged into claiming a huge
// image from costing seconds per case.
DecodeJpegOptions bounded(bool recover = false) {
  DecodeJpegOptions o;
  o.max_pixels = 4 << 20;
  o.try_recover_truncated = recover;
  o.acceptable_fraction = 0;
  return o;
}

// One marker segment: [offset, offset + size) of the file, marker byte.
struct Segment {
  std::size_t offset, size;
  unsigned char marker;
};

// The segments from SOI up to the first SOS header (inclusive).
std::vector<Segment> header_segments(const std::string& f) {
  std::vector<Segment> out = {{0, 2, 0xD8}};
  std::size_t at = 2;
  while (at + 4 <= f.size()) {
    const auto marker = static_cast<unsigned char>(f[at + 1]);
    const std::size_t length = static_cast<unsigned char>(f[at + 2]) << 8 | static_cast<unsigned char>(f[at + 3]);
    out.push_back({at, 2 + length, marker});
    at += 2 + length;
    if (marker == 0xDA) break;
  }
  return out;
}

// Where the entropy-coded data that starts at `at` ends: the next marker
// that is neither a stuffed 0xFF00 nor a restart marker.
std::size_t end_of_scan_data(const std::string& f, std::size_t at) {
  for (; at + 1 < f.size(); ++at) {
    if (static_cast<unsigned char>(f[at]) != 0xFF) continue;
    const auto next = static_cast<unsigned char>(f[at + 1]);
    if (next != 0x00 && (next < 0xD0 || next > 0xD7)) return at;
  }
  return f.size();
}

const Segment& find_segment(const std::vector<Segment>& segments, unsigned char marker) {
  for (const Segment& s : segments)
    if (s.marker == marker) return s;
  FAIL("no marker " << int{marker});
  return segments.front();
}

std::string with_u16(std::string f, std::size_t at, unsigned value) {
  f[at] = static_cast<char>(value >> 8);
  f[at + 1] = static_cast<char>(value & 0xFF);
  return f;
}

// A progressive file with the scans of `progressive` followed by its last
// scan repeated `repeats` more times. Between the scans are the tables
// (DHT) each scan uses; they stay where they are.
std::string with_repeated_scans(const std::string& progressive, int repeats, int* scans) {
  const std::size_t first_sos = header_segments(progressive).back().offset;
  std::string out = progressive.substr(0, first_sos), last_scan;
  *scans = 0;
  for (std::size_t at = first_sos; static_cast<unsigned char>(progressive[at + 1]) != 0xD9;) {
    const auto marker = static_cast<unsigned char>(progressive[at + 1]);
    const std::size_t length =
        static_cast<unsigned char>(progressive[at + 2]) << 8 | static_cast<unsigned char>(progressive[at + 3]);
    const std::size_t end = marker == 0xDA ? end_of_scan_data(progressive, at + 2 + length) : at + 2 + length;
    if (marker == 0xDA) {
      last_scan = progressive.substr(at, end - at);
      ++*scans;
    }
    out += progressive.substr(at, end - at);
    at = end;
  }
  for (int i = 0; i < repeats; ++i) out += last_scan;
  *scans += repeats;
  return out + "\xff\xd9";
}

std::string progressive_photo(const std::string& name, int ratio) {
  DecodeJpegOptions o;
  o.ratio = ratio;
  image::EncodeJpegOptions e;
  e.progressive = true;
  return image::encode_jpeg(image::decode_jpeg(read_photo(name), o), e);
}

}  // namespace

TEST_CASE("truncated JPEGs throw DataLoss, or decode with try_recover_truncated", "[image][jpeg][jpeg_corrupt]") {
  std::vector<std::string> files;
  for (const std::string& name : kPhotos) files.push_back(read_photo(name));
  files.push_back(progressive_photo("chelsea.jpg", 2));
  for (const std::string& f : files) {
    const bool progressive = f.find("\xff\xc2") != std::string::npos;
    std::vector<std::size_t> lengths;
    for (std::size_t i = 1; i < 60; ++i) lengths.push_back(f.size() * i / 60);
    for (std::size_t n = 1; n < 16; ++n) lengths.push_back(f.size() - n);
    // Every length inside the headers, where the parsing is.
    const std::size_t header_end = header_segments(f).back().offset + 16;
    for (std::size_t n = 1; n < header_end; n += f.size() > 100000 ? 7 : 1) lengths.push_back(n);
    for (const std::size_t n : lengths) {
      const std::string cut = f.substr(0, n);
      INFO("file of " << f.size() << " bytes cut to " << n);
      REQUIRE(attempt(cut, bounded()) == Outcome::DataLoss);
      const Outcome recovered = attempt(cut, bounded(true));
      REQUIRE((recovered == Outcome::Decoded || recovered == Outcome::DataLoss));
      // Past the headers a sequential file always decodes; a progressive one
      // fails where the cut falls inside the tables between its scans.
      if (n > header_end && !progressive) REQUIRE(recovered == Outcome::Decoded);
      REQUIRE_NOTHROW(image::is_jpeg(cut));
    }
  }
}

TEST_CASE("JPEGs with flipped bytes decode or throw", "[image][jpeg][jpeg_corrupt]") {
  std::mt19937 rng(20240605);
  std::vector<std::string> files;
  for (const std::string& name : kPhotos) files.push_back(read_photo(name));
  files.push_back(progressive_photo("coffee.jpg", 2));
  files.push_back(progressive_photo("astronaut.jpg", 4));
  int counts[4] = {};
  for (const std::string& f : files) {
    const std::size_t header_end = header_segments(f).back().offset + 16;
    std::vector<std::size_t> positions;
    for (std::size_t at = 0; at < header_end; ++at) positions.push_back(at);
    std::uniform_int_distribution<std::size_t> anywhere(0, f.size() - 1);
    for (int i = 0; i < 120; ++i) positions.push_back(anywhere(rng));
    for (const std::size_t at : positions) {
      std::string broken = f;
      broken[at] = static_cast<char>(broken[at] ^ static_cast<char>(1 + rng() % 255));
      INFO("byte " << at << " of a file of " << f.size());
      DecodeJpegOptions o = bounded(rng() % 2 == 0);
      o.ratio = 1 << (rng() % 4);
      o.channels = static_cast<int>(rng() % 2) * 2 + (rng() % 2 == 0 ? 0 : 1);
      o.fancy_upscaling = rng() % 2 == 0;
      ++counts[static_cast<int>(attempt(broken, o))];
      o.stop_on_warning = true;
      ++counts[static_cast<int>(attempt(broken, o))];
      const CropWindow window{static_cast<std::int64_t>(rng() % 8), static_cast<std::int64_t>(rng() % 40), 20, 24};
      ++counts[static_cast<int>(attempt(broken, o, &window))];
      try {
        image::extract_jpeg_shape(broken);
      } catch (const InvalidArgument&) {
      } catch (const DataLoss&) {
      }
    }
  }
  // The corpus exercises every outcome but exhaustion, which needs max_pixels.
  INFO("decoded " << counts[0] << ", invalid " << counts[1] << ", data loss " << counts[2] << ", exhausted "
                  << counts[3]);
  CHECK(counts[0] > 0);
  CHECK(counts[1] > 0);
  CHECK(counts[2] > 0);
}

TEST_CASE("JPEGs with removed, duplicated or moved markers decode or throw", "[image][jpeg][jpeg_corrupt]") {
  const std::string f = read_photo("chelsea.jpg");
  const std::vector<Segment> segments = header_segments(f);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    INFO("segment " << i << " marker 0x" << std::hex << int{s.marker});
    const std::string removed = f.substr(0, s.offset) + f.substr(s.offset + s.size);
    const std::string doubled = f.substr(0, s.offset + s.size) + f.substr(s.offset);
    const Outcome without = attempt(removed, bounded()), twice = attempt(doubled, bounded());
    // Without SOI, SOF or SOS there is no image; two SOIs or SOFs are an error.
    if (s.marker == 0xD8 || s.marker == 0xC0 || s.marker == 0xDA) CHECK(without == Outcome::InvalidArgument);
    if (s.marker == 0xD8 || s.marker == 0xC0) CHECK(twice == Outcome::InvalidArgument);
    // Tables may be repeated.
    if (s.marker == 0xDB || s.marker == 0xC4 || s.marker == 0xE0) CHECK(twice == Outcome::Decoded);
    attempt(removed, bounded(true));
    attempt(doubled, bounded(true));
  }
  // Without EOI the file is truncated (as in TensorFlow).
  CHECK(attempt(f.substr(0, f.size() - 2)) == Outcome::DataLoss);
  // Trailing bytes after EOI are ignored.
  CHECK(attempt(f + "trailing bytes") == Outcome::Decoded);
  // The frame header after the scan header.
  const Segment& sof = find_segment(segments, 0xC0);
  const Segment& sos = segments.back();
  const std::string moved = f.substr(0, sof.offset) + f.substr(sof.offset + sof.size, sos.offset - sof.offset - sof.size) +
                            f.substr(sos.offset, sos.size) + f.substr(sof.offset, sof.size) + f.substr(sos.offset + sos.size);
  CHECK(attempt(moved) == Outcome::InvalidArgument);
  // A restart marker in the middle of the data.
  std::string restart = f;
  restart.insert(f.size() / 2, "\xff\xd3");
  CHECK(attempt(restart) != Outcome::ResourceExhausted);
}

TEST_CASE("bogus frame headers fail cleanly", "[image][jpeg][jpeg_corrupt]") {
  const std::string f = read_photo("coffee.jpg");  // 400 x 600
  const std::vector<Segment> segments = header_segments(f);
  const Segment& sof = find_segment(segments, 0xC0);
  const std::size_t height_at = sof.offset + 5, width_at = sof.offset + 7;
  CHECK_THROWS_MATCHES(image::decode_jpeg(with_u16(f, height_at, 0)), InvalidArgument,
                       MessageContains("Empty JPEG image"));
  CHECK_THROWS_AS(image::decode_jpeg(with_u16(f, width_at, 0)), InvalidArgument);
  CHECK_THROWS_AS(image::extract_jpeg_shape(with_u16(f, width_at, 0)), InvalidArgument);
  CHECK_THROWS_MATCHES(image::decode_jpeg(with_u16(with_u16(f, height_at, 65535), width_at, 65535)), InvalidArgument,
                       MessageContains("Maximum supported image dimension"));
  // The largest legal size: refused from the header, before any allocation.
  const std::string huge = with_u16(with_u16(f, height_at, 65500), width_at, 65500);
  CHECK_THROWS_MATCHES(image::decode_jpeg(huge), ResourceExhausted, MessageContains("65500 x 65500"));
  CHECK(image::extract_jpeg_shape(huge).to_vector<int>() == std::vector<int>{65500, 65500, 3});
  // A larger image than the data covers: libjpeg meets EOI inside the image
  // and decodes the rest as mid-grey with a warning; a smaller one: it finds
  // data where EOI should be, also a warning. Both decode, as in TensorFlow,
  // unless warnings are errors.
  DecodeJpegOptions strict;
  strict.stop_on_warning = true;
  CHECK(image::decode_jpeg(with_u16(f, height_at, 4000)).shape() == Shape({4000, 600, 3}));
  CHECK_THROWS_AS(image::decode_jpeg(with_u16(f, height_at, 4000), strict), InvalidArgument);
  CHECK(image::decode_jpeg(with_u16(f, height_at, 40)).shape() == Shape({40, 600, 3}));
  CHECK_THROWS_MATCHES(image::decode_jpeg(with_u16(f, height_at, 40), strict), InvalidArgument,
                       MessageContains("stop_on_warning"));
  // 12- and 16-bit samples, lossless and arithmetic coding.
  std::string precision = f;
  precision[sof.offset + 4] = 12;
  CHECK_THROWS_MATCHES(image::decode_jpeg(precision), InvalidArgument, MessageContains("precision 12"));
  precision[sof.offset + 4] = 16;
  CHECK_THROWS_AS(image::decode_jpeg(precision), InvalidArgument);
  for (const unsigned char marker : {0xC3, 0xC5, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCF}) {
    std::string other = f;
    other[sof.offset + 1] = static_cast<char>(marker);
    INFO("SOF marker 0x" << std::hex << int{marker});
    CHECK(attempt(other, bounded()) != Outcome::ResourceExhausted);
  }
  // Component counts that do not match the segment length.
  for (const int components : {0, 1, 2, 4, 255}) {
    std::string c = f;
    c[sof.offset + 9] = static_cast<char>(components);
    INFO(components << " components");
    CHECK(attempt(c) == Outcome::InvalidArgument);
  }
}

TEST_CASE("oversized tables and segments fail cleanly or decode", "[image][jpeg][jpeg_corrupt]") {
  const std::string f = read_photo("chelsea.jpg");
  const std::vector<Segment> segments = header_segments(f);
  const Segment& dqt = find_segment(segments, 0xDB);
  const Tensor expected = image::decode_jpeg(f);
  // A 65 KB DQT segment that redefines the first table 1008 times with its
  // own values: legal, and the image is unchanged.
  const std::string table = f.substr(dqt.offset + 4, 65);
  std::string big_dqt = "\xff\xdb";
  big_dqt += std::string(2, '\0');
  for (int i = 0; i < 1008; ++i) big_dqt += table;
  big_dqt = with_u16(big_dqt, 2, static_cast<unsigned>(big_dqt.size() - 2));
  const std::string f1 = f.substr(0, dqt.offset) + big_dqt + f.substr(dqt.offset);
  CHECK(image::decode_jpeg(f1).to_vector<int>() == expected.to_vector<int>());
  // A maximal DHT segment of nonsense.
  const std::string dht = with_u16(std::string("\xff\xc4") + std::string(65535, '\xff'), 2, 65535);
  CHECK_THROWS_MATCHES(image::decode_jpeg(f.substr(0, dqt.offset) + dht + f.substr(dqt.offset)), InvalidArgument,
                       MessageContains("Huffman"));
  // Twenty maximal comment segments.
  std::string comments;
  for (int i = 0; i < 20; ++i) comments += with_u16(std::string("\xff\xfe") + std::string(65535, 'c'), 2, 65535);
  CHECK(image::decode_jpeg(f.substr(0, 2) + comments + f.substr(2)).to_vector<int>() == expected.to_vector<int>());
  // A segment length that runs past the end of the file, over the image data.
  CHECK(attempt(with_u16(f, dqt.offset + 2, 65535)) != Outcome::Decoded);
  // Lengths too small to hold a marker's fields.
  for (const unsigned length : {0u, 1u, 2u}) {
    INFO("length " << length);
    CHECK(attempt(with_u16(f, dqt.offset + 2, length)) != Outcome::Decoded);
  }
}

TEST_CASE("progressive files with hundreds of scans are limited by max_scans", "[image][jpeg][jpeg_corrupt]") {
  const std::string progressive = progressive_photo("chelsea.jpg", 2);
  int scans = 0;
  CHECK(with_repeated_scans(progressive, 0, &scans).size() == progressive.size());
  CHECK(scans == 10);
  DecodeJpegOptions o;
  o.max_scans = 10;
  CHECK(image::decode_jpeg(progressive, o).shape() == Shape({150, 226, 3}));
  o.max_scans = 9;
  CHECK_THROWS_MATCHES(image::decode_jpeg(progressive, o), ResourceExhausted,
                       MessageContains("more than 9 scans (DecodeJpegOptions::max_scans)"));

  // 400 scans: under the default limit the file decodes (the repeated
  // refinement scans only trigger libjpeg warnings)...
  const std::string many = with_repeated_scans(progressive, 390, &scans);
  CHECK(scans == 400);
  CHECK(image::decode_jpeg(many).shape() == Shape({150, 226, 3}));
  o = {};
  o.stop_on_warning = true;
  CHECK_THROWS_AS(image::decode_jpeg(many, o), InvalidArgument);
  // ...and a limit stops it at the first scan too many, decoding or cropping.
  o = {};
  o.max_scans = 100;
  CHECK_THROWS_AS(image::decode_jpeg(many, o), ResourceExhausted);
  CHECK_THROWS_AS(image::decode_and_crop_jpeg(many, CropWindow{0, 0, 10, 10}, o), ResourceExhausted);
  // The default limit, 1000, stops a file of 2000 scans.
  const std::string too_many = with_repeated_scans(progressive, 1990, &scans);
  CHECK_THROWS_MATCHES(image::decode_jpeg(too_many), ResourceExhausted, MessageContains("more than 1000 scans"));
  o = {};
  o.max_scans = 0;
  CHECK(image::decode_jpeg(too_many, o).shape() == Shape({150, 226, 3}));
  // Truncated in the middle of its scans, with recovery.
  o = {};
  o.try_recover_truncated = true;
  o.acceptable_fraction = 0;
  CHECK(image::decode_jpeg(many.substr(0, many.size() / 2), o).shape() == Shape({150, 226, 3}));
}

TEST_CASE("empty input and bytes that are no JPEG throw InvalidArgument", "[image][jpeg][jpeg_corrupt]") {
  CHECK(attempt("") == Outcome::InvalidArgument);
  CHECK(attempt("\xff\xd8\xff\xd9") == Outcome::InvalidArgument);  // no image
  CHECK(attempt("\xff\xd8\xff") == Outcome::DataLoss);
  CHECK(attempt("hello, world") == Outcome::InvalidArgument);
  CHECK(attempt(std::string(100, '\0')) == Outcome::InvalidArgument);
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string noise(1 + rng() % 600, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    // Some noise starts with SOI to get past the first check.
    if (i % 2 == 0) noise = std::string("\xff\xd8", 2) + noise;
    const Outcome outcome = attempt(noise, bounded(i % 4 == 0));
    CHECK(outcome != Outcome::Decoded);
  }
}

}  // namespace eager::test
