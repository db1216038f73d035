// tf.image.draw_bounding_boxes: TensorFlow's DrawBoundingBoxes kernel
// (core/kernels/image/draw_bounding_box_op.cc) with its edge arithmetic kept
// exactly, extended to uint8 and float64 images.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "eager/autograd.hpp"
#include "eager/error.hpp"
#include "eager/image/boxes.hpp"
#include "image/image_shape.hpp"
#include "tensor/dispatch.hpp"

namespace eager::image {

namespace {

using Rgba = std::array<float, 4>;

// TF's DefaultColorTable.
std::vector<Rgba> default_palette(std::int64_t depth) {
  std::vector<Rgba> table = {
      {1, 1, 0, 1},    {0, 0, 1, 1},    {1, 0, 0, 1},   {0, 1, 0, 1}, {0.5f, 0, 0.5f, 1},
      {0.5f, 0.5f, 0, 1}, {0.5f, 0, 0, 1}, {0, 0, 0.5f, 1}, {0, 1, 1, 1}, {1, 0, 1, 1},
  };
  // A grey image reads only the first channel, which is 0 for blue, lime,
  // navy and aqua: TF makes every colour white instead.
  if (depth == 1)
    for (Rgba& c : table) c[0] = 1;
  return table;
}

// float -> int64 as TF's static_cast compiles on x86-64 (cvttss2si): NaN and
// values outside int64 give INT64_MIN instead of undefined behaviour.
std::int64_t to_int64_x86(float v) {
  constexpr float kTwo63 = 9223372036854775808.0f;
  if (!(v >= -kTwo63 && v < kTwo63)) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
}

template <class T> T colour_value(float c) {
  if constexpr (std::is_same_v<T, std::uint8_t>) {
    // convert_image_dtype(float32 -> uint8): c * 255.5 truncated.
    if (!(c > 0.0f)) return 0;
    return static_cast<std::uint8_t>(std::min(c, 1.0f) * 255.5f);
  } else {
    return static_cast<T>(c);
  }
}

template <class T>
void draw(T* canvas, std::int64_t batch, std::int64_t height, std::int64_t width, std::int64_t depth,
          const std::vector<float>& boxes, std::int64_t num_boxes, const std::vector<Rgba>& palette) {
  std::vector<std::array<T, 4>> colours;
  for (const Rgba& c : palette) colours.push_back({colour_value<T>(c[0]), colour_value<T>(c[1]),
                                                   colour_value<T>(c[2]), colour_value<T>(c[3])});
  const auto paint = [&](std::int64_t b, std::int64_t row, std::int64_t col, const std::array<T, 4>& colour) {
    T* px = canvas + ((b * height + row) * width + col) * depth;
    for (std::int64_t c = 0; c < depth; ++c) px[c] = colour[static_cast<std::size_t>(c)];
  };
  const float last_row = static_cast<float>(height - 1), last_col = static_cast<float>(width - 1);
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t n = 0; n < num_boxes; ++n) {
      const float* box = boxes.data() + (b * num_boxes + n) * 4;
      const auto& colour = colours[static_cast<std::size_t>(n % static_cast<std::int64_t>(colours.size()))];
      const std::int64_t min_row = to_int64_x86(box[0] * last_row), max_row = to_int64_x86(box[2] * last_row);
      const std::int64_t min_col = to_int64_x86(box[1] * last_col), max_col = to_int64_x86(box[3] * last_col);
      // Inverted boxes and boxes wholly outside are skipped (TF logs a warning).
      if (min_row > max_row || min_col > max_col) continue;
      if (min_row >= height || max_row < 0 || min_col >= width || max_col < 0) continue;
      const std::int64_t row0 = std::max<std::int64_t>(min_row, 0), row1 = std::min(max_row, height - 1);
      const std::int64_t col0 = std::max<std::int64_t>(min_col, 0), col1 = std::min(max_col, width - 1);
      if (min_row >= 0)
        for (std::int64_t j = col0; j <= col1; ++j) paint(b, min_row, j, colour);
      if (max_row < height)
        for (std::int64_t j = col0; j <= col1; ++j) paint(b, max_row, j, colour);
      if (min_col >= 0)
        for (std::int64_t i = row0; i <= row1; ++i) paint(b, i, min_col, colour);
      if (max_col < width)
        for (std::int64_t i = row0; i <= row1; ++i) paint(b, i, max_col, colour);
    }
  }
}

}  // namespace

Tensor draw_bounding_boxes(const Tensor& images, const Tensor& boxes, const Tensor& colors) {
  const char* op = "image::draw_bounding_boxes";
  const auto fail = [op](const std::string& what) { throw InvalidArgument(std::string(op) + ": " + what); };
  if (!images.defined() || !boxes.defined()) fail("images and boxes must be defined tensors");
  if (detail::run_on_cpu_instead(op, {&images, &boxes, &colors}))
    return draw_bounding_boxes(images.cpu(), boxes.cpu(), colors.defined() ? colors.cpu() : colors);
  detail::require_cpu(op, images);
  detail::require_cpu(op, boxes, "boxes tensor");
  if (colors.defined()) detail::require_cpu(op, colors, "colors tensor");
  const detail::ImageDims d = detail::image_dims(op, images);
  detail::require_image_dtype(op, images);
  if (d.channels != 1 && d.channels != 3 && d.channels != 4)
    fail("images must have 1 (grey), 3 (RGB) or 4 (RGBA) channels, got " + eager::detail::describe(images));
  const Shape& bs = boxes.shape();
  const bool boxes_ok = d.batched ? bs.rank() == 3 && bs[0] == d.batch
                                  : bs.rank() == 2 || (bs.rank() == 3 && bs[0] == 1);
  if (!boxes_ok || bs[bs.rank() - 1] != 4)
    fail("boxes must have shape " + std::string(d.batched ? "[batch, N, 4]" : "[N, 4] or [1, N, 4]") +
         " with the images' batch size; got boxes " + eager::detail::describe(boxes) + " for images " +
         eager::detail::describe(images));
  if (!is_floating(boxes.dtype())) fail("boxes must be float32 or float64, got " + eager::detail::describe(boxes));

  std::vector<Rgba> palette;
  if (colors.defined()) {
    if (colors.rank() != 2 || colors.dim(1) < d.channels || !is_floating(colors.dtype()))
      fail("colors must be a float matrix [K, >= " + std::to_string(d.channels) + "] (RGBA rows), got " +
           eager::detail::describe(colors));
    const std::vector<float> values = colors.to_vector<float>();
    const std::int64_t columns = colors.dim(1);
    for (std::int64_t k = 0; k < colors.dim(0); ++k) {
      Rgba c{};
      for (std::int64_t j = 0; j < d.channels; ++j)
        c[static_cast<std::size_t>(j)] = values[static_cast<std::size_t>(k * columns + j)];
      palette.push_back(c);
    }
  }
  if (palette.empty()) palette = default_palette(d.channels);

  // TF registers no gradient for drawing: the copy stays off every tape.
  Tensor out;
  {
    const NoGradient off_tape;
    out = images.clone();
  }
  if (out.num_elements() == 0) return out;
  const std::vector<float> coords = boxes.to_vector<float>();
  const std::int64_t num_boxes = bs[bs.rank() - 2];
  switch (images.dtype()) {
    case DType::UInt8:
      draw(out.mutable_data<std::uint8_t>(), d.batch, d.height, d.width, d.channels, coords, num_boxes, palette);
      break;
    case DType::Float32:
      draw(out.mutable_data<float>(), d.batch, d.height, d.width, d.channels, coords, num_boxes, palette);
      break;
    default:
      draw(out.mutable_data<double>(), d.batch, d.height, d.width, d.channels, coords, num_boxes, palette);
      break;
  }
  return out;
}

}  // namespace eager::image
