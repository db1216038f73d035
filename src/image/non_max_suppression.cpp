// tf.image.non_max_suppression and non_max_suppression_with_scores:
// TensorFlow's DoNonMaxSuppressionOp (core/kernels/image/
// non_max_suppression_op.cc), with the same float32 arithmetic and queue
// order, so the selected indices match TF's exactly.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <queue>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "eager/creation.hpp"
#include "eager/error.hpp"
#include "eager/image/boxes.hpp"
#include "image/image_shape.hpp"
#include "tensor/dispatch.hpp"

namespace eager::image {

namespace {

// TF's IOU: corners sorted per box, 0 for an empty box.
float iou(const float* a, const float* b) {
  const float ymin_a = std::min(a[0], a[2]), xmin_a = std::min(a[1], a[3]);
  const float ymax_a = std::max(a[0], a[2]), xmax_a = std::max(a[1], a[3]);
  const float ymin_b = std::min(b[0], b[2]), xmin_b = std::min(b[1], b[3]);
  const float ymax_b = std::max(b[0], b[2]), xmax_b = std::max(b[1], b[3]);
  const float area_a = (ymax_a - ymin_a) * (xmax_a - xmin_a);
  const float area_b = (ymax_b - ymin_b) * (xmax_b - xmin_b);
  if (area_a <= 0 || area_b <= 0) return 0.0f;
  const float iy = std::max(std::min(ymax_a, ymax_b) - std::max(ymin_a, ymin_b), 0.0f);
  const float ix = std::max(std::min(xmax_a, xmax_b) - std::max(xmin_a, xmin_b), 0.0f);
  const float intersection = iy * ix;
  return intersection / (area_a + area_b - intersection);
}

struct Candidate {
  std::int32_t index;
  float score;
  // Selected boxes before this position have already decayed this score.
  std::int64_t suppress_begin;
};

// The queue's top is the highest score, equal scores the lowest index.
struct Lower {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.score < b.score || (a.score == b.score && a.index > b.index);
  }
};

NonMaxSuppressionResult suppress(const char* op, const Tensor& boxes, const Tensor& scores,
                                 std::int64_t max_output_size, double iou_threshold, double score_threshold,
                                 double soft_nms_sigma) {
  const auto fail = [op](const std::string& what) { throw InvalidArgument(std::string(op) + ": " + what); };
  if (!boxes.defined() || !scores.defined()) fail("boxes and scores must be defined tensors");
  if (detail::run_on_cpu_instead(op, {&boxes, &scores}))
    return suppress(op, boxes.cpu(), scores.cpu(), max_output_size, iou_threshold, score_threshold, soft_nms_sigma);
  detail::require_cpu(op, boxes, "boxes tensor");
  detail::require_cpu(op, scores, "scores tensor");
  if (boxes.rank() != 2 || boxes.dim(1) != 4)
    fail("boxes must have shape [N, 4], got " + eager::detail::describe(boxes));
  if (scores.rank() != 1 || scores.dim(0) != boxes.dim(0))
    fail("scores must have shape [N] with N = " + std::to_string(boxes.dim(0)) + " boxes, got " +
         eager::detail::describe(scores));
  if (!is_floating(boxes.dtype()) || !is_floating(scores.dtype()))
    fail("boxes and scores must be float32 or float64, got " + eager::detail::describe(boxes) + " and " +
         eager::detail::describe(scores));
  if (boxes.dim(0) > std::numeric_limits<std::int32_t>::max())
    fail("at most 2^31 - 1 boxes (the indices are int32), got " + std::to_string(boxes.dim(0)));
  if (max_output_size < 0) fail("max_output_size must be >= 0, got " + std::to_string(max_output_size));
  const float iou_limit = static_cast<float>(iou_threshold);
  if (!(iou_limit >= 0.0f && iou_limit <= 1.0f)) fail(fmt::format("iou_threshold must be in [0, 1], got {}", iou_threshold));
  const float score_limit = static_cast<float>(score_threshold);
  if (std::isnan(score_limit)) fail("score_threshold is NaN");
  const float sigma = static_cast<float>(soft_nms_sigma);
  if (!(sigma >= 0.0f)) fail(fmt::format("soft_nms_sigma must be >= 0, got {}", soft_nms_sigma));

  const std::vector<float> box = boxes.to_vector<float>();
  const std::vector<float> score = scores.to_vector<float>();
  std::priority_queue<Candidate, std::vector<Candidate>, Lower> queue;
  for (std::size_t i = 0; i < score.size(); ++i)
    if (score[i] > score_limit) queue.push(Candidate{static_cast<std::int32_t>(i), score[i], 0});

  const bool soft = sigma > 0.0f;
  const float scale = soft ? -0.5f / sigma : 0.0f;
  std::vector<std::int32_t> selected;
  std::vector<float> selected_scores;
  while (static_cast<std::int64_t>(selected.size()) < max_output_size && !queue.empty()) {
    Candidate next = queue.top();
    queue.pop();
    const float original_score = next.score;
    bool hard_suppressed = false;
    // Backwards: a box overlaps most with recent selections of similar score.
    for (std::int64_t j = static_cast<std::int64_t>(selected.size()) - 1; j >= next.suppress_begin; --j) {
      const float overlap = iou(&box[static_cast<std::size_t>(next.index) * 4],
                                &box[static_cast<std::size_t>(selected[static_cast<std::size_t>(j)]) * 4]);
      // As TF: a hard weight of 0 unless overlap <= iou_limit, so a NaN
      // overlap (a box with NaN corners) re-queues the box with score 0.
      next.score *= soft ? std::exp(scale * overlap * overlap) : (overlap <= iou_limit ? 1.0f : 0.0f);
      if (!soft && overlap > iou_limit) {
        hard_suppressed = true;
        break;
      }
      if (next.score <= score_limit) break;
    }
    next.suppress_begin = static_cast<std::int64_t>(selected.size());
    if (hard_suppressed) continue;
    if (next.score == original_score) {
      selected.push_back(next.index);
      selected_scores.push_back(next.score);
    } else if (next.score > score_limit) {
      queue.push(next);
    }
  }

  const Shape shape{static_cast<std::int64_t>(selected.size())};
  return NonMaxSuppressionResult{constant(selected, shape), constant(selected_scores, shape)};
}

}  // namespace

Tensor non_max_suppression(const Tensor& boxes, const Tensor& scores, std::int64_t max_output_size,
                           double iou_threshold, double score_threshold) {
  return suppress("image::non_max_suppression", boxes, scores, max_output_size, iou_threshold, score_threshold, 0.0)
      .selected_indices;
}

NonMaxSuppressionResult non_max_suppression_with_scores(const Tensor& boxes, const Tensor& scores,
                                                        std::int64_t max_output_size, double iou_threshold,
                                                        double score_threshold, double soft_nms_sigma) {
  return suppress("image::non_max_suppression_with_scores", boxes, scores, max_output_size, iou_threshold,
                  score_threshold, soft_nms_sigma);
}

}  // namespace eager::image
