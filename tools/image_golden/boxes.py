"""Golden outputs of TensorFlow's bounding-box functions for
test/image/test_boxes.cpp: draw_bounding_boxes, non_max_suppression(_with_scores)
and the deterministic cases of sample_distorted_bounding_box.

Run from the repository root: /work/tfvenv/bin/python tools/image_golden/boxes.py
Writes test/image/golden/boxes.npz.
"""
import numpy as np
import tensorflow as tf

from common import photo_crop, save


def draw_cases(out):
    rng = np.random.default_rng(11)
    photos = np.stack([photo_crop("chelsea.jpg", 30, 41), photo_crop("coffee.jpg", 30, 41)])
    images = tf.image.convert_image_dtype(photos, tf.float32)
    # Random boxes, many partly or wholly outside [0, 1], some inverted.
    boxes = rng.uniform(-0.4, 1.4, size=(2, 14, 4)).astype(np.float32)
    # Exactly on the edges, a point, a line, and an inverted box.
    boxes[0, :4] = [[0, 0, 1, 1], [0.5, 0.5, 0.5, 0.5], [0.2, 0.1, 0.2, 0.9], [0.8, 0.2, 0.3, 0.6]]
    out["draw_photos"] = photos
    out["draw_images"] = images.numpy()
    out["draw_boxes"] = boxes
    out["draw_rgb"] = tf.image.draw_bounding_boxes(images, boxes, None).numpy()
    colors = rng.uniform(0, 1, size=(3, 4)).astype(np.float32)
    out["draw_colors"] = colors
    out["draw_rgb_colors"] = tf.image.draw_bounding_boxes(images, boxes, colors).numpy()
    grey = tf.image.rgb_to_grayscale(images)
    out["draw_grey_input"] = grey.numpy()
    out["draw_grey"] = tf.image.draw_bounding_boxes(grey, boxes, None).numpy()
    rgba = tf.concat([images, tf.fill([2, 30, 41, 1], 0.25)], axis=-1)
    out["draw_rgba_input"] = rgba.numpy()
    out["draw_rgba"] = tf.image.draw_bounding_boxes(rgba, boxes, None).numpy()
    out["draw_rgba_colors"] = tf.image.draw_bounding_boxes(rgba, boxes, colors).numpy()
    # uint8: TF has no uint8 kernel; eager defines it as this round trip.
    drawn = tf.image.draw_bounding_boxes(images, boxes, colors)
    out["draw_uint8_colors"] = tf.image.convert_image_dtype(drawn, tf.uint8).numpy()
    out["draw_uint8"] = tf.image.convert_image_dtype(tf.image.draw_bounding_boxes(images, boxes, None), tf.uint8).numpy()


def nms_cases(out):
    rng = np.random.default_rng(7)
    n = 60
    # Clusters of jittered boxes (as a detector produces) plus scattered ones.
    clusters = rng.uniform(0.2, 0.8, size=(6, 2))
    centres = np.concatenate([clusters[rng.integers(0, 6, size=40)] + rng.normal(0, 0.03, size=(40, 2)),
                              rng.uniform(0, 1, size=(n - 40, 2))])
    sizes = rng.uniform(0.1, 0.3, size=(n, 2))
    boxes = np.concatenate([centres - sizes / 2, centres + sizes / 2], axis=1).astype(np.float32)
    # Some boxes with their corners swapped, some empty.
    swap = rng.uniform(size=n) < 0.3
    boxes[swap] = boxes[swap][:, [2, 3, 0, 1]]
    boxes[5] = [0.3, 0.3, 0.3, 0.6]
    # Scores on a coarse grid, so that ties (broken by the lower index) occur.
    scores = (np.round(rng.uniform(0, 1, size=n) * 20) / 20).astype(np.float32)
    scores[3] = np.nan
    out["nms_boxes"] = boxes
    out["nms_scores"] = scores
    cases = [(60, 0.5, -np.inf), (10, 0.5, -np.inf), (60, 0.0, -np.inf), (60, 1.0, -np.inf),
             (60, 0.3, 0.5), (60, 0.7, 0.0), (0, 0.5, -np.inf), (1000, 0.45, 0.95)]
    for i, (m, iou, st) in enumerate(cases):
        out[f"nms_{i}_args"] = np.array([m, iou, st], np.float64)
        out[f"nms_{i}"] = tf.image.non_max_suppression(boxes, scores, m, iou, st).numpy()
    soft = [(60, 0.5, 0.0, 0.5), (20, 0.5, 0.3, 0.2), (60, 0.4, -np.inf, 0.0)]
    for i, (m, iou, st, sigma) in enumerate(soft):
        idx, sc = tf.image.non_max_suppression_with_scores(boxes, scores, m, iou, st, sigma)
        out[f"soft_nms_{i}_args"] = np.array([m, iou, st, sigma], np.float64)
        out[f"soft_nms_{i}"] = idx.numpy()
        out[f"soft_nms_{i}_scores"] = sc.numpy()


def sample_case(out, name, image_size, boxes, **kw):
    """Configurations whose result does not depend on the random numbers."""
    results = {}
    for seed in range(1, 6):
        r = tf.image.stateless_sample_distorted_bounding_box(image_size, boxes, seed=[seed, 2 * seed], **kw)
        results[b"".join(t.numpy().tobytes() for t in r)] = [t.numpy() for t in r]
    assert len(results) == 1, (name, results)
    begin, size, bbox = next(iter(results.values()))
    kw.setdefault("min_object_covered", 0.1)
    kw.setdefault("aspect_ratio_range", (0.75, 1.33))
    kw.setdefault("area_range", (0.05, 1.0))
    kw.setdefault("max_attempts", 100)
    kw.setdefault("use_image_if_no_bounding_boxes", False)
    out[f"sample_{name}_image_size"] = np.array(image_size, np.int64)
    out[f"sample_{name}_boxes"] = np.asarray(boxes, np.float32)
    out[f"sample_{name}_options"] = np.array(
        [kw["min_object_covered"], *kw["aspect_ratio_range"], *kw["area_range"], kw["max_attempts"],
         float(kw["use_image_if_no_bounding_boxes"])], np.float32)
    out[f"sample_{name}_begin"] = np.array(begin, np.int32)
    out[f"sample_{name}_size"] = np.array(size, np.int32)
    out[f"sample_{name}_bboxes"] = np.array(bbox, np.float32).reshape(1, 1, 4)


def sample_cases(out):
    degenerate = np.array([[[0.2, 0.3, 0.2, 0.9], [0.5, 0.5, 0.5, 0.5]]], np.float32)
    sample_case(out, "degenerate_boxes", [37, 53, 3], degenerate)
    sample_case(out, "unreachable_cover", [37, 53, 3], [[[0.1, 0.1, 0.3, 0.2]]], min_object_covered=1.5)
    sample_case(out, "inverted_area", [40, 50, 3], [[[0.0, 0.0, 1.0, 1.0]]], area_range=(0.9, 0.2))
    # Area 1 and the image's own aspect ratio: only the whole image fits.
    sample_case(out, "whole_image", [40, 50, 1], [[[0.1, 0.1, 0.5, 0.5]]], area_range=(1.0, 1.0),
                aspect_ratio_range=(1.25, 1.25), min_object_covered=0.0)
    sample_case(out, "no_boxes", [33, 21, 3], np.zeros([1, 0, 4], np.float32), area_range=(1.0, 1.0),
                aspect_ratio_range=(21 / 33, 21 / 33), use_image_if_no_bounding_boxes=True)
    # Full width at the only possible aspect ratio: the crop spans the width
    # and, as TF draws y from [0, H - height), the only height that fits
    # the area leaves no vertical freedom either.
    sample_case(out, "one_attempt", [64, 48, 3], [[[0.0, 0.0, 1.0, 1.0]]], max_attempts=1, area_range=(1.0, 1.0),
                aspect_ratio_range=(0.75, 0.75), min_object_covered=1.0)
    # A crop one row and one column short: TF draws y from [0, 1) and x from
    # [0, 1), so the crop sits at the top-left corner whatever the seed.
    sample_case(out, "one_short", [41, 51, 3], [[[0.0, 0.0, 1.0, 1.0]]], area_range=(0.95, 0.96),
                aspect_ratio_range=(1.25, 1.25))
    sample_case(out, "empty_image", [0, 0, 3], [[[0.0, 0.0, 1.0, 1.0]]])


def main():
    out = {}
    draw_cases(out)
    nms_cases(out)
    sample_cases(out)
    save("boxes.npz", out)


if __name__ == "__main__":
    main()
