"""The resize benchmarks' peers (issue 5): Pillow and OpenCV from Debian, on
the same image as bench/resize_bench.cpp. Run with the system Python:

    /usr/bin/python3 bench/peers/resize_peers.py [--image JPEG] [--save-npy PATH] > peers.jsonl
    build/bench/resize_bench PATH peers.jsonl

Decodes the image with Pillow (RGB) and, with --save-npy, writes those very
pixels for resize_bench to load, so both sides resize identical data. Prints
one JSON object per line with the median of several repetitions:
  - resize_bilinear_mpxs (pillow): Image.resize((224, 224), Image.BILINEAR)
    on the uint8 image (Pillow's bilinear filter is antialiased, as
    tf.image.resize(..., antialias=True)), source megapixels per second;
  - resize_noaa_down_ms / resize_noaa_up_ms (opencv): cv2.resize with
    INTER_LINEAR on float32 RGB, the whole image to 224x224 and its top-left
    512x512 to 1024x1024, milliseconds per call (cv2 uses its own threads;
    their number is reported).
"""
import argparse
import json
import os
import time

import cv2
import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_IMAGE = os.path.join(os.path.dirname(ROOT), "shared", "testdata", "images", "wallpaper_1920x1080.jpg")


def median_seconds(fn, samples, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def line(name, value, unit, impl, **extra):
    print(json.dumps({"name": name, "value": round(value, 4), "unit": unit, "impl": impl, **extra}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", default=DEFAULT_IMAGE)
    parser.add_argument("--save-npy")
    parser.add_argument("--samples", type=int, default=31)
    args = parser.parse_args()

    picture = Image.open(args.image).convert("RGB")
    picture.load()
    pixels = np.asarray(picture)
    if args.save_npy:
        np.save(args.save_npy, pixels)
    height, width = pixels.shape[:2]
    source = f"{os.path.basename(args.image)} {width}x{height}"

    seconds = median_seconds(lambda: picture.resize((224, 224), Image.BILINEAR), args.samples)
    line("resize_bilinear_mpxs", width * height / seconds / 1e6, "MP/s", "pillow", image=source,
         ms=round(seconds * 1e3, 4), pillow=Image.__version__)

    whole = pixels.astype(np.float32)
    corner = np.ascontiguousarray(whole[:512, :512])
    threads = cv2.getNumThreads()
    seconds = median_seconds(lambda: cv2.resize(whole, (224, 224), interpolation=cv2.INTER_LINEAR), args.samples)
    line("resize_noaa_down_ms", seconds * 1e3, "ms", "opencv", image=source, workload="float32 -> 224x224",
         threads=threads, opencv=cv2.__version__)
    seconds = median_seconds(lambda: cv2.resize(corner, (1024, 1024), interpolation=cv2.INTER_LINEAR), args.samples)
    line("resize_noaa_up_ms", seconds * 1e3, "ms", "opencv", image=source,
         workload="float32 top-left 512x512 -> 1024x1024", threads=threads, opencv=cv2.__version__)


if __name__ == "__main__":
    main()
