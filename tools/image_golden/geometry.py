"""Golden outputs of TensorFlow's geometric tf.image functions (crops, pads,
flips, transpose, rot90) for test/image/test_geometry.cpp.

Run from the repository root: /work/tfvenv/bin/python tools/image_golden/geometry.py
Writes test/image/golden/geometry.npz. The functions only move values, so the
C++ tests require exact equality.
"""
import numpy as np
import tensorflow as tf

from common import photo_crop, random_image, save

# Odd sizes make every rounding rule (central crop, crop-or-pad centring) visible.
PHOTO = photo_crop("chelsea.jpg", height=23, width=31)           # uint8 HWC
BATCH = random_image((2, 9, 14, 2), dtype=np.float32, seed=5)     # float32 NHWC

CROPS = [(0, 0, 23, 31), (3, 5, 10, 7), (22, 30, 1, 1), (0, 4, 23, 27)]
PADS = [(0, 0, 23, 31), (2, 3, 30, 40), (0, 7, 23, 38), (5, 0, 28, 31)]
TARGETS = [(23, 31), (10, 10), (40, 50), (11, 44), (30, 20), (1, 1), (24, 32), (22, 30)]
FRACTIONS = [1.0, 0.5, 0.9, 0.33, 0.1, 0.75, 0.01]
KS = list(range(-5, 6))


def run(name, image, out):
    for i, (oy, ox, th, tw) in enumerate(CROPS):
        h, w = image.shape[-3], image.shape[-2]
        th, tw = min(th, h - oy), min(tw, w - ox)
        if th > 0 and tw > 0 and oy < h and ox < w:
            out[f"{name}_crop_{i}"] = tf.image.crop_to_bounding_box(image, oy, ox, th, tw).numpy()
            out[f"{name}_crop_{i}_args"] = np.array([oy, ox, th, tw], np.int64)
    for i, (oy, ox, th, tw) in enumerate(PADS):
        h, w = image.shape[-3], image.shape[-2]
        th, tw = max(th, oy + h), max(tw, ox + w)
        out[f"{name}_pad_{i}"] = tf.image.pad_to_bounding_box(image, oy, ox, th, tw).numpy()
        out[f"{name}_pad_{i}_args"] = np.array([oy, ox, th, tw], np.int64)
    for i, (th, tw) in enumerate(TARGETS):
        out[f"{name}_crop_or_pad_{i}"] = tf.image.resize_with_crop_or_pad(image, th, tw).numpy()
        out[f"{name}_crop_or_pad_{i}_args"] = np.array([th, tw], np.int64)
    for i, f in enumerate(FRACTIONS):
        out[f"{name}_central_{i}"] = tf.image.central_crop(image, f).numpy()
        out[f"{name}_central_{i}_args"] = np.array([f], np.float64)
    out[f"{name}_flip_left_right"] = tf.image.flip_left_right(image).numpy()
    out[f"{name}_flip_up_down"] = tf.image.flip_up_down(image).numpy()
    out[f"{name}_transpose"] = tf.image.transpose(image).numpy()
    for k in KS:
        out[f"{name}_rot90_{k}"] = tf.image.rot90(image, k).numpy()


def main():
    out = {"photo": PHOTO, "batch": BATCH, "rot90_ks": np.array(KS, np.int64)}
    run("photo", PHOTO, out)
    run("batch", BATCH, out)
    save("geometry.npz", out)


if __name__ == "__main__":
    main()
