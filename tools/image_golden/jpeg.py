"""Golden outputs of TensorFlow's JPEG functions for test/image/test_jpeg.cpp.

Run from the repository root with TensorFlow's Python:
    /work/tfvenv/bin/python tools/image_golden/jpeg.py
Writes test/image/golden/jpeg.npz (decoding) and jpeg_encode.npz (encoding).

Decoding works on the committed photos (test/image/photos, read by the test
itself) and on a few small JPEG files made here, stored as uint8 arrays of
their bytes ("file_<name>"): grayscale, 4:4:4, progressive, CMYK with and
without Adobe's marker (written by Pillow; TensorFlow cannot write CMYK).
Whole photos cost most of the budget, so only chelsea is stored at ratio 1;
the others are stored at ratios 2, 4 and 8.

Arrays:
  dec_<case>      uint8 HWC, tf.io.decode_jpeg of the file named by CASES
  crop_<case>     uint8 HWC, tf.io.decode_and_crop_jpeg (windows in CROPS)
  shape_<file>    int32 [3], tf.io.extract_jpeg_shape
  trunc_<case>    uint8 HWC, decode of the first `length` bytes with
                  try_recover_truncated=True (TRUNCATIONS)
  enc_input_rgb, enc_input_gray   the images encoded
  enc_<case>      uint8 bytes, tf.io.encode_jpeg (ENCODINGS)
The parameters of every case are in the C++ test, which mirrors the tables
below; keep them in sync.
"""
import io

import numpy as np
import tensorflow as tf
from PIL import Image

from common import photo_bytes, photo_crop, save

PHOTOS = ["astronaut.jpg", "chelsea.jpg", "coffee.jpg", "motorcycle_left.jpg"]


def strip_adobe_marker(data):
    """The same JPEG without its APP14 "Adobe" segment."""
    out, i = bytearray(data[:2]), 2
    while True:
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker == 0xDA:
            out += data[i:]
            return bytes(out)
        if marker != 0xEE:
            out += data[i:i + 2 + length]
        i += 2 + length


def made_files():
    rgb = photo_crop("chelsea.jpg", 96, 128)
    gray = tf.image.rgb_to_grayscale(photo_crop("coffee.jpg", 72, 100)).numpy()
    files = {
        "gray": tf.io.encode_jpeg(gray, quality=90).numpy(),
        "s444": tf.io.encode_jpeg(photo_crop("astronaut.jpg", 80, 120), quality=90,
                                  chroma_downsampling=False).numpy(),
        "progressive": tf.io.encode_jpeg(photo_crop("motorcycle_left.jpg", 88, 136), quality=85,
                                         progressive=True).numpy(),
        "baseline": tf.io.encode_jpeg(rgb, quality=90).numpy(),
    }
    buf = io.BytesIO()
    Image.fromarray(photo_crop("coffee.jpg", 64, 96, y=150, x=250)).convert("CMYK").save(buf, "JPEG", quality=90)
    files["cmyk_adobe"] = buf.getvalue()
    files["cmyk_plain"] = strip_adobe_marker(files["cmyk_adobe"])
    return files


def source(name, files):
    return files[name] if name in files else photo_bytes(name)


# name: (file, ratio, channels, fancy_upscaling, dct_method)
CASES = {
    "chelsea_r1": ("chelsea.jpg", 1, 3, True, ""),
    "chelsea_r4_gray_accurate": ("chelsea.jpg", 4, 1, True, "INTEGER_ACCURATE"),
    "astronaut_r8": ("astronaut.jpg", 8, 3, True, ""),
    "astronaut_r4_accurate": ("astronaut.jpg", 4, 3, True, "INTEGER_ACCURATE"),
    "astronaut_r4_nofancy": ("astronaut.jpg", 4, 3, False, ""),
    "coffee_r4": ("coffee.jpg", 4, 0, True, "INTEGER_FAST"),
    "coffee_r2_gray": ("coffee.jpg", 2, 1, True, ""),
    "coffee_r8_accurate": ("coffee.jpg", 8, 3, True, "INTEGER_ACCURATE"),
    "motorcycle_r4": ("motorcycle_left.jpg", 4, 3, True, ""),
    "motorcycle_r8": ("motorcycle_left.jpg", 8, 3, True, ""),
    "motorcycle_r8_nofancy_accurate": ("motorcycle_left.jpg", 8, 3, False, "INTEGER_ACCURATE"),
    "gray_r1": ("gray", 1, 0, True, ""),
    "gray_as_rgb": ("gray", 1, 3, True, ""),
    "s444_r1": ("s444", 1, 3, True, ""),
    "s444_r2_gray": ("s444", 2, 1, True, ""),
    "progressive_r1": ("progressive", 1, 3, True, ""),
    "progressive_r2_nofancy": ("progressive", 2, 3, False, ""),
    "baseline_r1_nofancy": ("baseline", 1, 3, False, ""),
    "baseline_r1_accurate": ("baseline", 1, 3, True, "INTEGER_ACCURATE"),
    "cmyk_adobe_r1": ("cmyk_adobe", 1, 0, True, ""),
    "cmyk_plain_r1": ("cmyk_plain", 1, 3, True, ""),
    "cmyk_adobe_r2": ("cmyk_adobe", 2, 3, True, ""),
}

# name: (file, [y, x, height, width], ratio, channels, fancy_upscaling, dct_method)
CROPS = {
    "chelsea_unaligned": ("chelsea.jpg", [10, 13, 64, 80], 1, 3, True, ""),
    "chelsea_nofancy": ("chelsea.jpg", [33, 45, 50, 70], 1, 3, False, ""),
    "chelsea_corner": ("chelsea.jpg", [280, 421, 20, 30], 1, 3, True, ""),
    "astronaut_aligned": ("astronaut.jpg", [100, 32, 48, 64], 1, 3, True, ""),
    "coffee_r2": ("coffee.jpg", [50, 77, 40, 60], 2, 3, True, ""),
    "motorcycle_r4_gray": ("motorcycle_left.jpg", [0, 0, 30, 40], 4, 1, True, ""),
    "motorcycle_accurate": ("motorcycle_left.jpg", [200, 301, 64, 64], 1, 3, True, "INTEGER_ACCURATE"),
    "motorcycle_r8_whole": ("motorcycle_left.jpg", [0, 0, 63, 93], 8, 3, True, ""),
    "progressive": ("progressive", [17, 9, 40, 50], 1, 3, True, ""),
    "s444": ("s444", [5, 3, 30, 41], 1, 3, True, ""),
    "cmyk_adobe": ("cmyk_adobe", [8, 19, 30, 40], 1, 3, True, ""),
}

# name: (file, length)
TRUNCATIONS = {
    "baseline_half": ("baseline", None),  # None: half the file
    "baseline_most": ("baseline", -200),  # negative: all but the last bytes
    "progressive_half": ("progressive", None),
}

# name: (image, options)
ENCODINGS = {
    "default": ("rgb", {}),
    "q50_progressive": ("rgb", {"quality": 50, "progressive": True}),
    "q75_optimize": ("rgb", {"quality": 75, "optimize_size": True}),
    "q90_444": ("rgb", {"quality": 90, "chroma_downsampling": False}),
    "density_xmp": ("rgb", {"density_unit": "cm", "x_density": 72, "y_density": 96,
                            "xmp_metadata": "<x:xmpmeta>eager</x:xmpmeta>"}),
    "q0_progressive_optimize": ("rgb", {"quality": 0, "progressive": True, "optimize_size": True}),
    "gray_q80": ("gray", {"quality": 80}),
}


def main():
    files = made_files()
    out = {f"file_{k}": np.frombuffer(v, np.uint8) for k, v in files.items()}
    for name, (f, ratio, channels, fancy, dct) in CASES.items():
        out[f"dec_{name}"] = tf.io.decode_jpeg(source(f, files), channels=channels, ratio=ratio,
                                               fancy_upscaling=fancy, dct_method=dct).numpy()
    for name, (f, window, ratio, channels, fancy, dct) in CROPS.items():
        out[f"crop_{name}"] = tf.io.decode_and_crop_jpeg(source(f, files), window, channels=channels, ratio=ratio,
                                                         fancy_upscaling=fancy, dct_method=dct).numpy()
    for f in PHOTOS + list(files):
        out["shape_" + f.replace(".jpg", "")] = tf.io.extract_jpeg_shape(source(f, files)).numpy()
    for name, (f, length) in TRUNCATIONS.items():
        data = source(f, files)
        data = data[:len(data) // 2] if length is None else data[:length]
        out[f"trunc_{name}"] = tf.io.decode_jpeg(data, channels=3, try_recover_truncated=True).numpy()
    save("jpeg.npz", out)

    images = {"rgb": photo_crop("chelsea.jpg", 96, 128, y=40, x=150),
              "gray": tf.image.rgb_to_grayscale(photo_crop("astronaut.jpg", 64, 80)).numpy()}
    enc = {f"enc_input_{k}": v for k, v in images.items()}
    for name, (image, options) in ENCODINGS.items():
        enc[f"enc_{name}"] = np.frombuffer(tf.io.encode_jpeg(images[image], **options).numpy(), np.uint8)
    save("jpeg_encode.npz", enc)


if __name__ == "__main__":
    main()
