#pragma once
// tf.image bounding-box functions: sample_distorted_bounding_box,
// draw_bounding_boxes and non_max_suppression.
//
// Boxes are [ymin, xmin, ymax, xmax] rows. Box tensors may be float32 or
// float64; float64 values are rounded to float32 first, because TF's kernels
// compute in float32 and the results then agree with TF's bit for bit. These
// are CPU kernels (the inputs are read on the host); they have no gradient.
// GPU inputs are refused (Unimplemented) unless
// eager::config::set_soft_device_placement(true), which runs them on the CPU
// with the result on the CPU, as TensorFlow's soft placement does.
#include <array>
#include <cstdint>
#include <limits>
#include <optional>

#include "eager/random.hpp"
#include "eager/shape.hpp"
#include "eager/tensor.hpp"

namespace eager::image {

struct SampleDistortedBoundingBoxOptions {
  // The crop must cover at least this fraction of the area of one of the
  // boxes; >= 0 (values above 1 can never be met: the whole image results).
  float min_object_covered = 0.1f;
  // Sampled width / height; both > 0.
  std::array<float, 2> aspect_ratio_range{0.75f, 1.33f};
  // Sampled crop area as a fraction of the image area; both in (0, 1].
  std::array<float, 2> area_range{0.05f, 1.0f};
  // Attempts before falling back to the whole image; > 0.
  int max_attempts = 100;
  // With no boxes given, treat the whole image as the one box (otherwise no
  // boxes is an error).
  bool use_image_if_no_bounding_boxes = false;
};

// What sample_distorted_bounding_box returns: slice(image, begin, size) is the
// crop; bboxes ([1, 1, 4], normalised [ymin, xmin, ymax, xmax]) is the crop for
// draw_bounding_boxes.
struct DistortedBoundingBox {
  Tensor begin;   // int32 [3]: y, x, 0
  Tensor size;    // int32 [3]: height, width, -1
  Tensor bboxes;  // float32 [1, 1, 4]: y / H, x / W, (y + height) / H, (x + width) / W
};

// tf.image.sample_distorted_bounding_box: a random crop for data augmentation,
// TF's SampleDistortedBoundingBoxV2 kernel ported line by line.
//
// image_size: [height, width, channels] (the channels are ignored), height
// and width < 2^31 - 1. bounding_boxes: float [batch, N, 4] as TF, or [N, 4]
// (all batch entries are pooled, as TF does), coordinates in [0, 1]. Each box
// becomes the pixel rectangle (int(xmin * W), int(ymin * H), int(xmax * W),
// int(ymax * H)), truncated.
//
// Up to max_attempts times: draw an aspect ratio a uniformly from
// aspect_ratio_range; with min_area = area_range[0] * W * H and max_area =
// area_range[1] * W * H (float32), pick an integer height uniformly between
// round(sqrt(min_area / a)) and round(sqrt(max_area / a)) (capped so that
// round(height * a) <= W and height <= H), width = round(height * a), nudged
// by one row when rounding left the area outside [min_area, max_area]; the
// attempt fails if the area still is outside, or the crop does not fit.
// Otherwise y is uniform in [0, H - height) and x in [0, W - width) (0 when
// the crop spans the axis: TF's half-open draw, so a crop smaller than the
// image never touches its bottom or right edge), and the crop is accepted if
// it has area >= 1 and covers >= min_object_covered of the area of at least
// one box of area >= 1. If no attempt succeeds the crop is the whole image.
//
// The random numbers are eager's Philox streams, not TF's, so a seed gives a
// different crop than in TF; everything else (the candidate set, rounding,
// the fallback) is TF's, and configurations that decide without randomness
// (every attempt failing, or a single possible crop) give TF's result exactly.
// `seed` follows eager::random's rules (global seed from random::set_seed plus
// this op seed; unseeded calls differ per call); the same seeds give the same
// crop. Attempt i draws only from its own counters.
//
// Errors (InvalidArgument): image_size not of rank 3 or too large, boxes not
// [batch, N, 4] / [N, 4] or not floating, a coordinate outside [0, 1] (NaN
// included), no boxes without use_image_if_no_bounding_boxes,
// min_object_covered < 0, aspect_ratio_range entries <= 0, area_range entries
// outside (0, 1], max_attempts <= 0. As TF, area_range[0] > area_range[1] and
// aspect_ratio_range[0] > aspect_ratio_range[1] are not errors (the first
// makes every attempt fail; the second samples between them all the same).
DistortedBoundingBox sample_distorted_bounding_box(const Shape& image_size, const Tensor& bounding_boxes,
                                                   const SampleDistortedBoundingBoxOptions& options = {},
                                                   std::optional<std::int64_t> seed = std::nullopt);
// tf.image.stateless_sample_distorted_bounding_box: the same with the seed
// pair given explicitly; a pure function of its arguments.
DistortedBoundingBox stateless_sample_distorted_bounding_box(const Shape& image_size, const Tensor& bounding_boxes,
                                                             random::SeedPair seed,
                                                             const SampleDistortedBoundingBoxOptions& options = {});

// tf.image.draw_bounding_boxes: a copy of `images` with the outline of every
// box drawn one pixel wide, TF's DrawBoundingBoxes kernel exactly.
//
// images: [batch, H, W, C] (or one [H, W, C] image) with C = 1, 3 or 4;
// uint8, float32 or float64. boxes: float [batch, N, 4] (for an HWC image
// [N, 4] or [1, N, 4]). colors: float [K, >= C] RGBA rows, box n of each image
// drawn with row n mod K; an undefined Tensor (or one with no elements) selects
// TF's palette: yellow, blue, red, lime, purple, olive, maroon, navy, aqua,
// fuchsia, with the first channel forced to 1 for one-channel images.
//
// Edges: rows int(ymin * (H - 1)) and int(ymax * (H - 1)), columns
// int(xmin * (W - 1)) and int(xmax * (W - 1)), products in float32 and
// truncated toward zero. A box with min > max on either axis, or lying wholly
// outside the image, is skipped; an edge outside the image is not drawn and
// the other edges are clamped to the image. Colour values are written as
// float32 / float64 as they are; for uint8 images they are converted as
// convert_image_dtype(float -> uint8) does, uint8(c * 255.5) truncated, after
// clamping c to [0, 1] (NaN gives 0): TF has no uint8 kernel, and this equals
// converting the image to float, drawing, and converting back with TF.
// Coordinates too large for int64, or NaN, behave like TF on x86-64
// (the conversion yields INT64_MIN).
//
// Errors (InvalidArgument): ranks or batch sizes that do not match, C not in
// {1, 3, 4}, boxes without 4 columns, colors not 2-D or with fewer than C
// columns, unsupported dtypes; Unimplemented for tensors not on the CPU.
Tensor draw_bounding_boxes(const Tensor& images, const Tensor& boxes, const Tensor& colors = Tensor());

// tf.image.non_max_suppression (TF's NonMaxSuppressionV3 kernel): greedy
// selection by decreasing score. Boxes with score <= score_threshold (and NaN
// scores) are never candidates; the best remaining candidate (equal scores:
// the lower index first) is selected unless its IoU with an already selected
// box is > iou_threshold; selection stops after max_output_size boxes.
// IoU = intersection / union after sorting each box's corners (either corner
// order works), 0 when either box has zero area, all in float32 as TF.
//
// boxes: float [N, 4]; scores: float [N]; max_output_size >= 0;
// iou_threshold in [0, 1] (as float32). Returns the int32 indices of the
// selected boxes, shape [min(N, max_output_size) or fewer], in selection
// order. Errors: InvalidArgument for bad shapes, dtypes or thresholds, a
// negative max_output_size; Unimplemented off the CPU.
Tensor non_max_suppression(const Tensor& boxes, const Tensor& scores, std::int64_t max_output_size,
                           double iou_threshold = 0.5,
                           double score_threshold = -std::numeric_limits<double>::infinity());

// tf.image.non_max_suppression_with_scores (TF's NonMaxSuppressionV5 without
// padding). soft_nms_sigma = 0 is non_max_suppression, returning the scores of
// the selected boxes as well. soft_nms_sigma > 0 is Soft-NMS (Bodla et al.):
// instead of being removed, a candidate's score is multiplied by
// exp(-iou^2 / (2 sigma)) for each box selected since it was last examined,
// and it is re-queued while its score stays above score_threshold; the
// selected scores are the decayed ones, in selection order (float32).
struct NonMaxSuppressionResult {
  Tensor selected_indices;  // int32 [M]
  Tensor selected_scores;   // float32 [M]
};
NonMaxSuppressionResult non_max_suppression_with_scores(
    const Tensor& boxes, const Tensor& scores, std::int64_t max_output_size, double iou_threshold = 0.5,
    double score_threshold = -std::numeric_limits<double>::infinity(), double soft_nms_sigma = 0.0);

}  // namespace eager::image
