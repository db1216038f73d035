"""Golden outputs of TensorFlow's colour functions for test/image/test_color.cpp.

    /work/tfvenv/bin/python tools/image_golden/color.py

writes test/image/golden/color.npz with
  in:<name>                          the inputs (photo crops as TF decodes
                                     them, random images, edge cases);
  out:<function>:<input>:<params>    TF's result of tf.image.<function> on
                                     in:<input>, params comma-separated
                                     (convert_image_dtype: dtype,saturate;
                                     adjust_gamma: gamma,gain; the other
                                     adjustments: their one argument; none
                                     for the conversions);
  grad:rgb_to_hsv:<input>            TF's gradient of sum(rgb_to_hsv(x) * w),
                                     w = in:hsv_weights repeated (np.resize)
                                     to the shape of x.
The C++ test runs every out: entry, so adding a case here adds a test.
"""
import numpy as np
import tensorflow as tf

from common import photo_crop, random_image, save

tf.config.threading.set_intra_op_parallelism_threads(1)


def edge_pixels():
    """Pixels where the HSV kernels branch: grey, primaries, ties between
    channels, hues a hair below 0 (the wrap-around) and near sextant
    boundaries, tiny and exact values."""
    pixels = [
        (0, 0, 0), (1, 1, 1), (0.5, 0.5, 0.5), (0.25, 0.25, 0.25),
        (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (0, 1, 1), (1, 0, 1),
        (0.7, 0.7, 0.2), (0.2, 0.7, 0.7), (0.7, 0.2, 0.7),
        (0.7, 0.2, 0.2), (0.2, 0.7, 0.2), (0.2, 0.2, 0.7),
        (1, 0, 1e-9), (1, 0.3, 0.3000001), (0.9, 0.1, 0.10000001), (1, 1e-8, 0),
        (1e-7, 0, 0), (1, 0.99999, 0), (0.99999, 1, 0), (0, 1, 0.99999),
        (0.6, 0.4, 0.2), (0.2, 0.4, 0.6), (0.4, 0.6, 0.2), (0.4, 0.2, 0.6),
        (0.3, 0.5, 0.5), (0.5, 0.3, 0.3), (1e-30, 2e-30, 0), (0.001, 0.002, 0.0015),
    ]
    return np.array(pixels, dtype=np.float32).reshape(4, 8, 3)


def hsv_inputs(dtype, seed):
    rng = np.random.default_rng(seed)
    hsv = rng.uniform(0, 1, size=(8, 8, 3))
    # Hue on the sextant boundaries and at both ends; S and V at 0 and 1.
    hsv[0, :, 0] = [0, 1 / 6, 2 / 6, 0.5, 4 / 6, 5 / 6, 0.9999999, 1]
    hsv[1, :4, 1] = [0, 1, 0, 1]
    hsv[1, 4:, 2] = [0, 1, 0, 1]
    return hsv.astype(dtype)


def main():
    photo_u8 = photo_crop("chelsea.jpg", 16, 24)
    batch_u8 = np.stack([photo_crop("astronaut.jpg", 8, 8), photo_crop("coffee.jpg", 8, 8)])
    inputs = {
        "photo_u8": photo_u8,
        "photo_f32": tf.image.convert_image_dtype(photo_u8, tf.float32).numpy(),
        "batch_u8": batch_u8,
        "batch_f32": random_image((2, 8, 8, 3), np.float32, seed=1),
        "rand_f32": random_image((8, 8, 3), np.float32, seed=2),
        "rand_f64": random_image((8, 8, 3), np.float64, seed=3),
        "edge_f32": edge_pixels(),
        "edge_f64": edge_pixels().astype(np.float64),
        "signed_f32": random_image((8, 8, 3), np.float32, seed=4, low=-0.5, high=1.5),
        "signed_f64": random_image((8, 8, 3), np.float64, seed=5, low=-0.5, high=1.5),
        "hsv_f32": hsv_inputs(np.float32, 6),
        "hsv_f64": hsv_inputs(np.float64, 7),
        "flat_f32": np.full((4, 4, 3), 0.5, np.float32),
        "photo_i32": tf.image.convert_image_dtype(photo_u8, tf.int32).numpy(),
        "wide_i32": np.random.default_rng(8).integers(-2**31, 2**31 - 1, size=(4, 4, 3), dtype=np.int32),
        "wide_i64": np.random.default_rng(9).integers(-2**63, 2**63 - 1, size=(4, 4, 3), dtype=np.int64),
        "unit_f32": random_image((4, 4, 3), np.float32, seed=10, low=0, high=0.999),
        "spill_f32": random_image((4, 4, 3), np.float32, seed=11, low=-0.2, high=1.3),
        "spill_f64": random_image((4, 4, 3), np.float64, seed=12, low=-0.2, high=1.3),
    }
    out = {f"in:{k}": v for k, v in inputs.items()}

    def run(function, name, *params, fn=None):
        call = fn or getattr(tf.image, function)
        key = f"out:{function}:{name}:" + ",".join(str(p) for p in params)
        out[key] = call(tf.constant(inputs[name]), *params).numpy()

    convert = [
        ("photo_u8", "float32"), ("photo_u8", "float64"), ("photo_u8", "int32"), ("photo_u8", "int64"),
        ("photo_i32", "uint8"), ("photo_i32", "float32"), ("photo_i32", "int64"),
        ("wide_i32", "uint8"), ("wide_i32", "float32"), ("wide_i32", "float64"), ("wide_i32", "int64"),
        ("wide_i64", "int32"), ("wide_i64", "uint8"), ("wide_i64", "float32"), ("wide_i64", "float64"),
        ("photo_f32", "uint8"), ("photo_f32", "float64"), ("rand_f64", "float32"), ("rand_f64", "uint8"),
        ("unit_f32", "int32"), ("unit_f32", "int64"), ("spill_f32", "uint8"), ("spill_f64", "uint8"),
        ("spill_f32", "int32"),
    ]
    for name, dtype in convert:
        for saturate in (0, 1):
            if name.startswith("spill") and not saturate:
                continue  # TF's unsaturated cast out of range is undefined (see color.hpp)
            run("convert_image_dtype", name, dtype, saturate,
                fn=lambda x, d, s: tf.image.convert_image_dtype(x, d, saturate=bool(s)))

    for name in ("photo_u8", "photo_f32", "batch_u8", "batch_f32", "rand_f64", "edge_f32", "photo_i32"):
        run("rgb_to_grayscale", name)
    for name in ("photo_f32", "rand_f32", "batch_f32", "edge_f32", "edge_f64", "rand_f64"):
        run("rgb_to_hsv", name)
    for name in ("hsv_f32", "hsv_f64"):
        run("hsv_to_rgb", name)
    for name in ("signed_f32", "signed_f64", "photo_f32", "batch_f32"):
        run("rgb_to_yuv", name)
        run("yuv_to_rgb", name)

    for name, deltas in [("photo_u8", (0.1, -0.3, 0.6)), ("photo_f32", (0.2, -0.5)), ("batch_u8", (0.05,)),
                         ("batch_f32", (-0.1,)), ("rand_f64", (0.25,)), ("photo_i32", (0.1,))]:
        for d in deltas:
            run("adjust_brightness", name, d)
    for name, factors in [("photo_u8", (0.5, 1.7, -1.0)), ("photo_f32", (2.0, 0.3)), ("batch_u8", (1.4,)),
                          ("batch_f32", (1.5,)), ("rand_f64", (0.6,)), ("flat_f32", (3.0,))]:
        for f in factors:
            run("adjust_contrast", name, f)
    for name, deltas in [("photo_u8", (0.2, -0.45, 1.0, -1.0)), ("photo_f32", (0.1, 0.5, -0.7)),
                         ("rand_f32", (0.3, -0.9)), ("edge_f32", (0.0, 0.25, -0.5, 1.0, 0.6, -0.1)),
                         ("rand_f64", (0.4,)), ("edge_f64", (0.35,)), ("batch_f32", (0.15,)), ("batch_u8", (-0.2,)),
                         ("photo_i32", (0.3,))]:
        for d in deltas:
            run("adjust_hue", name, d)
    for name, factors in [("photo_u8", (0.5, 2.0, 0.0)), ("photo_f32", (1.0, 3.0, 0.2)), ("rand_f32", (1.5,)),
                          ("edge_f32", (1.0, 0.5, 2.0, 0.0)), ("rand_f64", (0.7,)),
                          ("batch_f32", (1.3,)), ("batch_u8", (1.8,)), ("photo_i32", (0.6,))]:
        for f in factors:
            run("adjust_saturation", name, f)
    for name, params in [("photo_u8", ((0.5, 1.0), (2.2, 0.9))), ("photo_f32", ((1.5, 1.2), (0.0, 1.0))),
                         ("rand_f64", ((0.7, 1.0),)), ("batch_f32", ((2.0, 1.0),)), ("batch_u8", ((0.8, 1.1),))]:
        for gamma, gain in params:
            run("adjust_gamma", name, gamma, gain)
    for name in ("photo_u8", "photo_f32", "batch_u8", "batch_f32", "rand_f64", "flat_f32", "photo_i32"):
        run("per_image_standardization", name)

    # TF registers a gradient for rgb_to_hsv: d sum(rgb_to_hsv(x) * w) / dx.
    weights = random_image((8, 8, 3), np.float64, seed=13, low=-1, high=1)
    out["in:hsv_weights"] = weights
    for name in ("rand_f64", "photo_f32"):
        x = tf.constant(inputs[name])
        with tf.GradientTape() as tape:
            tape.watch(x)
            hsv = tf.image.rgb_to_hsv(x)
            y = tf.reduce_sum(hsv * tf.constant(np.resize(weights, hsv.shape), hsv.dtype))
        out[f"grad:rgb_to_hsv:{name}"] = tape.gradient(y, x).numpy()

    save("color.npz", out)


if __name__ == "__main__":
    main()
