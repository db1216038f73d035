"""TensorFlow's peer of bench/color_bench.cpp: the same colour workloads with
tf.image in eager mode on the CPU (TF's own kernels, multi-threaded as TF
runs them by default), in megapixels per second, median of several timed
batches after a warm-up. Prints JSON lines with "impl": "tensorflow"; with
--eager FILE (color_bench's lines from the same run) it also prints the
eager/TensorFlow ratios as eager lines, with the issue's target for
adjust_hue (>= 3).

    build/bench/color_bench > color.jsonl
    /work/tfvenv/bin/python bench/peers/tf_color_bench.py --eager color.jsonl
"""
import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

SIDE = 512
MEGAPIXELS = SIDE * SIDE / 1e6
TARGETS = {"adjust_hue_mpxs": 3.0}


def emit(name, value, unit, impl="tensorflow", **extra):
    print(json.dumps({"name": name, "value": float(f"{value:.4g}"), "unit": unit, "impl": impl, **extra}),
          flush=True)


def time_median(fn, samples=21, batch=5):
    per_call = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        per_call.append((time.perf_counter() - start) / batch)
    return statistics.median(per_call)


def workloads():
    rgb = tf.constant(np.random.default_rng(7).uniform(0, 1, (SIDE, SIDE, 3)).astype(np.float32))
    u8 = tf.image.convert_image_dtype(rgb, tf.uint8)
    hsv = tf.image.rgb_to_hsv(rgb)
    f32 = "512x512x3 float32, uniform [0, 1)"
    u8_input = "512x512x3 uint8, uniform"
    # .numpy() is not called: eager ops on the CPU run synchronously.
    return [
        ("adjust_hue_mpxs", lambda: tf.image.adjust_hue(rgb, 0.2), f32),
        ("adjust_saturation_mpxs", lambda: tf.image.adjust_saturation(rgb, 1.5), f32),
        ("rgb_to_hsv_mpxs", lambda: tf.image.rgb_to_hsv(rgb), f32),
        ("hsv_to_rgb_mpxs", lambda: tf.image.hsv_to_rgb(hsv), "512x512x3 float32, rgb_to_hsv of the above"),
        ("adjust_hue_uint8_mpxs", lambda: tf.image.adjust_hue(u8, 0.2), u8_input),
        ("adjust_brightness_uint8_mpxs", lambda: tf.image.adjust_brightness(u8, 0.1), u8_input),
        ("adjust_contrast_mpxs", lambda: tf.image.adjust_contrast(rgb, 1.5), f32),
    ]


def eager_lines(path):
    lines = {}
    with open(path) as f:
        for text in f:
            text = text.strip()
            if text.startswith("{"):
                line = json.loads(text)
                if line.get("impl") == "eager" and line.get("value") is not None:
                    lines[line["name"]] = line
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--eager", help="color_bench's JSON lines from the same run, for the eager/TF ratios")
    args = parser.parse_args()
    with tf.device("/CPU:0"):
        results = {}
        for name, fn, description in workloads():
            for _ in range(5):
                fn()
            value = MEGAPIXELS / time_median(fn)
            results[name] = value
            emit(name, value, "Mpx/s", input=description,
                 threads=tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count())
    if args.eager:
        eager = eager_lines(args.eager)
        for name, tf_value in results.items():
            if name not in eager:
                print(f"tf_color_bench.py: no eager {name} in {args.eager}; ratio skipped", file=sys.stderr)
                continue
            ratio = eager[name]["value"] / tf_value
            extra = {"source": "bench/peers/tf_color_bench.py", "compares": f"eager {name} over TensorFlow's"}
            if name in TARGETS:
                extra.update(target=f">= {TARGETS[name]:g}", met=ratio >= TARGETS[name])
            emit(name.replace("_mpxs", "_tf_ratio"), ratio, "ratio", impl="eager", **extra)


if __name__ == "__main__":
    main()
