"""Golden outputs of tf.image.resize and relatives for test/image/test_resize.cpp.

Run from the repository root with TensorFlow's Python:
    /work/tfvenv/bin/python tools/image_golden/resize.py
Writes test/image/golden/resize.npz. Array names carry the parameters, so the
C++ test reads them generically ('|'-separated fields):
    in|NAME                                      an input image
    v2|IN|METHOD|aa=0/1|HxW|par=0/1              tf.image.resize
    v1|IN|METHOD|ac=0/1|HxW|par=0/1              tf.compat.v1.image.resize
    pad|IN|METHOD|aa=0/1|HxW                     tf.image.resize_with_pad
    crop|IN|METHOD|HxW|ext=V|BOXES               tf.image.crop_and_resize
    boxes|BOXES, boxidx|BOXES                    its boxes and box indices
    gup|KEY, grad|KEY                            upstream gradient for the output of
                                                 KEY (a v2 or crop key) and the
                                                 gradient w.r.t. the image
"""
import os
import sys

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

METHODS = ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"]


def main():
    arrays = {}
    inputs = {
        # Photo crops: uint8, and float32 in [0, 255].
        "photo": common.photo_crop("chelsea.jpg", 20, 24),
        "photo_f32": common.photo_crop("coffee.jpg", 16, 20).astype(np.float32),
        # Random images: float32 in [0, 1] with 4 channels, float64, a
        # 2-channel uint8 NHWC batch, a 1-channel image, and a tiny one.
        "rand_f32": common.random_image((11, 13, 4), np.float32, seed=1),
        "rand_f64": common.random_image((14, 12, 3), np.float64, seed=2, high=255.0),
        "batch_u8": common.random_image((2, 10, 12, 2), np.uint8, seed=3),
        "gray_u8": common.random_image((16, 12, 1), np.uint8, seed=4),
        "tiny_f32": common.random_image((1, 2, 3), np.float32, seed=5, high=255.0),
    }
    for name, image in inputs.items():
        arrays[f"in|{name}"] = image

    def v2(name, method, aa, h, w, par=False):
        out = tf.image.resize(inputs[name], [h, w], method=method, antialias=aa, preserve_aspect_ratio=par)
        key = f"v2|{name}|{method}|aa={int(aa)}|{h}x{w}|par={int(par)}"
        arrays[key] = out.numpy()
        return key

    # Every method with and without antialias, down, up and mixed, on uint8
    # photo crops; float32 and float64; batches and odd channel counts.
    for method in METHODS:
        for aa in (False, True):
            for (h, w) in [(9, 11), (23, 29)]:
                v2("photo", method, aa, h, w)
            if aa:
                v2("photo", method, aa, 11, 40)
            v2("photo_f32", method, aa, 9, 27)
            v2("rand_f32", method, aa, 5, 29)
            v2("rand_f64", method, aa, 22, 7)
            v2("batch_u8", method, aa, 6, 21)
            v2("gray_u8", method, aa, 5, 5)
            v2("tiny_f32", method, aa, 3, 4)
    # Same size (still resampled in TF2), and preserve_aspect_ratio.
    for method in ["bilinear", "nearest", "bicubic", "area", "lanczos3"]:
        if method in ("bilinear", "bicubic", "lanczos3"):
            v2("photo", method, False, 20, 24)
        v2("photo", method, True, 10, 50, par=True)
        v2("batch_u8", method, False, 50, 15, par=True)

    # TF1 resize: align_corners off and on, every TF1 method.
    for method in ["bilinear", "nearest", "bicubic", "area"]:
        for ac in (False, True):
            for name, (h, w) in [("photo", (9, 11)), ("photo", (23, 29)), ("rand_f32", (15, 6)),
                                 ("batch_u8", (6, 21)), ("tiny_f32", (3, 1))]:
                out = tf.compat.v1.image.resize(inputs[name], [h, w], method=method, align_corners=ac)
                arrays[f"v1|{name}|{method}|ac={int(ac)}|{h}x{w}|par=0"] = out.numpy()
            out = tf.compat.v1.image.resize(inputs["photo"], [15, 15], method=method, align_corners=ac,
                                            preserve_aspect_ratio=True)
            arrays[f"v1|photo|{method}|ac={int(ac)}|15x15|par=1"] = out.numpy()

    # resize_with_pad: wider and taller targets, up and down.
    for method in ["bilinear", "nearest", "bicubic", "area", "lanczos3"]:
        for aa in (False, True):
            for name, (h, w) in [("photo", (16, 16)), ("photo", (12, 30)), ("photo", (30, 20)),
                                 ("batch_u8", (12, 12))]:
                out = tf.image.resize_with_pad(inputs[name], h, w, method=method, antialias=aa)
                arrays[f"pad|{name}|{method}|aa={int(aa)}|{h}x{w}"] = out.numpy()

    # crop_and_resize: boxes inside, partly and wholly outside, flipped, and
    # a point, on batches; crop sizes including 1.
    batch = np.stack([common.photo_crop("chelsea.jpg", 30, 40), common.photo_crop("astronaut.jpg", 30, 40)])
    arrays["in|crop_batch"] = batch
    batch_f32 = common.random_image((3, 11, 9, 2), np.float32, seed=6)
    arrays["in|crop_f32"] = batch_f32
    boxes = {
        "inside": (np.array([[0.1, 0.2, 0.8, 0.9], [0.0, 0.0, 1.0, 1.0], [0.25, 0.5, 0.5, 0.75]], np.float32),
                   np.array([0, 1, 1], np.int32)),
        "outside": (np.array([[-0.5, -0.2, 1.3, 0.7], [1.2, 1.1, 1.5, 1.9], [-0.3, 0.4, 0.2, 1.6]], np.float32),
                    np.array([1, 0, 0], np.int32)),
        "flipped": (np.array([[0.9, 0.8, 0.1, 0.2], [1.0, 0.0, 0.0, 1.0], [0.3, 0.3, 0.3, 0.3]], np.float32),
                    np.array([0, 1, 0], np.int32)),
    }
    for bname, (b, bi) in boxes.items():
        arrays[f"boxes|{bname}"] = b
        arrays[f"boxidx|{bname}"] = bi
        # The same boxes on the 3-image float batch, shifted to images 1..2.
        arrays[f"boxes|{bname}+1"] = b
        arrays[f"boxidx|{bname}+1"] = np.minimum(bi + 1, 2)
    for method in ["bilinear", "nearest"]:
        for bname, (b, bi) in boxes.items():
            for (h, w), ext in [((7, 9), 0.0), ((1, 5), 0.0), ((12, 1), -3.5)]:
                out = tf.image.crop_and_resize(batch, b, bi, [h, w], method=method, extrapolation_value=ext)
                arrays[f"crop|crop_batch|{method}|{h}x{w}|ext={ext:g}|{bname}"] = out.numpy()
            out = tf.image.crop_and_resize(batch_f32, b, np.minimum(bi + 1, 2), [6, 5], method=method,
                                           extrapolation_value=0.5)
            arrays[f"crop|crop_f32|{method}|6x5|ext=0.5|{bname}+1"] = out.numpy()

    # Gradients with respect to the image (TF's *Grad kernels).
    rng = np.random.default_rng(7)

    def grad_of(key, fn, image):
        x = tf.constant(image)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        up = rng.uniform(-1, 1, size=y.shape).astype(np.float32)
        arrays[f"gup|{key}"] = up
        arrays[f"grad|{key}"] = tape.gradient(y, x, output_gradients=tf.constant(up)).numpy()

    for method in ["bilinear", "nearest", "bicubic", "lanczos3"]:
        for aa in (False, True):
            for (h, w) in [(5, 29), (22, 7)]:
                key = v2("rand_f32", method, aa, h, w)
                grad_of(key, lambda x: tf.image.resize(x, [h, w], method=method, antialias=aa), inputs["rand_f32"])
    for method in ["bilinear", "nearest"]:
        key = f"crop|crop_f32|{method}|6x5|ext=0.5|outside+1"
        grad_of(key, lambda x: tf.image.crop_and_resize(x, boxes["outside"][0],
                                                        np.minimum(boxes["outside"][1] + 1, 2), [6, 5],
                                                        method=method, extrapolation_value=0.5), batch_f32)

    common.save("resize.npz", arrays)


if __name__ == "__main__":
    main()
