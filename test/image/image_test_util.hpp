#pragma once
// Shared by the image tests: the committed photos, the TensorFlow golden
// files (tools/image_golden/*.py) and a comparison that reports where two
// images differ.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "eager/eager.hpp"
#include "eager/image.hpp"
#include "eager/io/npy.hpp"

namespace eager::test {

inline std::string photo_path(const std::string& name) {
  return std::string(EAGER_TEST_SOURCE_DIR) + "/image/photos/" + name;
}
inline std::string read_photo(const std::string& name) { return io::read_file(photo_path(name)); }

// The arrays of test/image/golden/<file>; REQUIREs that `name` is present.
class Golden {
 public:
  explicit Golden(const std::string& file)
      : file_(file), arrays_(io::load_npz(std::string(EAGER_TEST_SOURCE_DIR) + "/image/golden/" + file)) {}
  Tensor operator[](const std::string& name) const {
    const auto it = arrays_.find(name);
    INFO(file_ << " has no array " << name);
    REQUIRE(it != arrays_.end());
    return it->second;
  }
  bool contains(const std::string& name) const { return arrays_.count(name) != 0; }
  const std::map<std::string, Tensor>& arrays() const { return arrays_; }

 private:
  std::string file_;
  std::map<std::string, Tensor> arrays_;
};

// The '|'-separated parts of a golden array's name ("in=photo|method=area").
inline std::vector<std::string> key_fields(const std::string& key) {
  std::vector<std::string> out;
  std::stringstream ss(key);
  for (std::string part; std::getline(ss, part, '|');) out.push_back(part);
  return out;
}

// Same shape, and every element within `tolerance` (absolute, in the
// image's own units); reports the largest difference and where it is.
inline void require_images_close(const Tensor& actual, const Tensor& expected, double tolerance,
                                 const std::string& what = "") {
  INFO(what);
  REQUIRE(actual.shape() == expected.shape());
  const std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double worst = 0;
  std::size_t worst_at = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = std::isnan(e[i]) && std::isnan(a[i]) ? 0 : std::abs(a[i] - e[i]);
    if (!(d <= worst)) {
      worst = d;
      worst_at = i;
    }
  }
  INFO("largest difference " << worst << " at flat index " << worst_at << " of shape " << actual.shape().to_string()
                             << " (got " << (a.empty() ? 0 : a[worst_at]) << ", expected "
                             << (e.empty() ? 0 : e[worst_at]) << "), tolerance " << tolerance);
  REQUIRE(worst <= tolerance);
}

}  // namespace eager::test
