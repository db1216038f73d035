#pragma once
// tf.image bounding-box functions.
#include <array>
#include <cstdint>
#include <limits>
#include <optional>

#include "eager/random.hpp"
#include "eager/shape.hpp"
#include "eager/tensor.hpp"

namespace eager::image {

struct SampleDistortedBoundingBoxOptions {
  float min_object_covered = 0.1f;
  std::array<float, 2> aspect_ratio_range{0.75f, 1.33f};
  std::array<float, 2> area_range{0.05f, 1.0f};
  int max_attempts = 100;
  bool use_image_if_no_bounding_boxes = false;
};

// What sample_distorted_bounding_box returns: slice(image, begin, size) is the
// crop; bboxes ([1, 1, 4], normalised [ymin, xmin, ymax, xmax]) is the crop for
// draw_bounding_boxes.
struct DistortedBoundingBox {
  Tensor begin;   // int32 [3]: y, x, 0
  Tensor size;    // int32 [3]: height, width, -1
  Tensor bboxes;  // float32 [1, 1, 4]
};

// tf.image.sample_distorted_bounding_box. image_size: [height, width, channels];
// bounding_boxes: float [batch, N, 4] (or [N, 4]) normalised boxes.
DistortedBoundingBox sample_distorted_bounding_box(const Shape& image_size, const Tensor& bounding_boxes,
                                                   const SampleDistortedBoundingBoxOptions& options = {},
                                                   std::optional<std::int64_t> seed = std::nullopt);
DistortedBoundingBox stateless_sample_distorted_bounding_box(const Shape& image_size, const Tensor& bounding_boxes,
                                                             random::SeedPair seed,
                                                             const SampleDistortedBoundingBoxOptions& options = {});

// tf.image.draw_bounding_boxes: images NHWC (float or uint8), boxes
// [batch, N, 4]; colors [C, 4] RGBA (an undefined Tensor: TF's default palette).
Tensor draw_bounding_boxes(const Tensor& images, const Tensor& boxes, const Tensor& colors = Tensor());

// tf.image.non_max_suppression: int32 indices into boxes, by decreasing score.
Tensor non_max_suppression(const Tensor& boxes, const Tensor& scores, std::int64_t max_output_size,
                           double iou_threshold = 0.5,
                           double score_threshold = -std::numeric_limits<double>::infinity());

}  // namespace eager::image
