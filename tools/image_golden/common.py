"""Shared by the image golden generators: inputs made the same way for every op.

Run the generators with TensorFlow's Python (the virtual environment in
/work/tfvenv here: `pip install tensorflow-cpu numpy`), from the repository
root, e.g. `/work/tfvenv/bin/python tools/image_golden/resize.py`. Each writes
one compressed .npz under test/image/golden/; the C++ tests read it with
eager::io::load_npz. Keep each file small (well under 1 MB): inputs are small
crops of the photos, not whole photos.
"""
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PHOTOS = os.path.join(ROOT, "test", "image", "photos")
GOLDEN = os.path.join(ROOT, "test", "image", "golden")


def photo_bytes(name):
    with open(os.path.join(PHOTOS, name), "rb") as f:
        return f.read()


def photo(name="chelsea.jpg"):
    """The photo decoded by TensorFlow (uint8 HWC, TF's default IDCT)."""
    import tensorflow as tf
    return tf.io.decode_jpeg(photo_bytes(name), channels=3).numpy()


def photo_crop(name="chelsea.jpg", height=48, width=64, y=None, x=None):
    """A small uint8 HWC crop of a photo (centred unless y, x are given)."""
    image = photo(name)
    if y is None:
        y = (image.shape[0] - height) // 2
    if x is None:
        x = (image.shape[1] - width) // 2
    return np.ascontiguousarray(image[y:y + height, x:x + width])


def random_image(shape, dtype=np.float32, seed=0, low=0.0, high=1.0):
    rng = np.random.default_rng(seed)
    if dtype == np.uint8:
        return rng.integers(0, 256, size=shape, dtype=np.uint8)
    return rng.uniform(low, high, size=shape).astype(dtype)


def save(filename, arrays):
    """Writes {name: array} to test/image/golden/<filename> (compressed)."""
    os.makedirs(GOLDEN, exist_ok=True)
    path = os.path.join(GOLDEN, filename)
    np.savez_compressed(path, **{k: np.ascontiguousarray(v) for k, v in arrays.items()})
    print(f"{path}: {len(arrays)} arrays, {os.path.getsize(path)} bytes")
