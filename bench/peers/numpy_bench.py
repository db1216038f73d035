"""NumPy peer of eager_bench: the same workloads, timed the same way (warm-up,
then the median of many samples; small ops in batches), printed as one JSON
object per line with "impl": "numpy"."""
import json
import os
import statistics
import time

import numpy as np

LARGE = 1 << 24
SIDE = 4096


def emit(name, value, unit, **extra):
    print(json.dumps({"name": name, "value": float(f"{value:.4g}"), "unit": unit, "impl": "numpy", **extra}),
          flush=True)


def time_median(fn, samples, batch=1, warmup=3):
    for _ in range(warmup):
        fn()
    per_call = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        per_call.append((time.perf_counter() - start) / batch)
    return statistics.median(per_call)


def pseudo_random(shape, seed):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape).astype(np.float32)


def loaded_blas():
    """The BLAS library this process really loaded (libblas.so.3 is a Debian
    alternative, so the link name does not tell)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return sorted(os.path.realpath(p) for p in paths)
    except OSError:
        return []


def sparse_softmax_cross_entropy(labels, logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(labels)), labels]


def bench_add():
    a, b = pseudo_random(16, 1), pseudo_random(16, 2)
    emit("op_small_add_us", time_median(lambda: a + b, 200, 1000, warmup=20000) * 1e6, "us")
    a, b = pseudo_random(LARGE, 3), pseudo_random(LARGE, 4)
    nbytes = 3 * 4 * LARGE
    s = time_median(lambda: a + b, 40)
    emit("add_large_gbps", nbytes / s / 1e9, "GB/s", output="new", ms=round(s * 1e3, 3))
    out = np.empty_like(a)
    s = time_median(lambda: np.add(a, b, out=out), 40)
    emit("add_large_into_gbps", nbytes / s / 1e9, "GB/s", output="preallocated", ms=round(s * 1e3, 3))


def bench_sum():
    x = pseudo_random(LARGE, 5)
    s = time_median(lambda: x.sum(), 40)
    emit("reduce_sum_large_gbps", 4 * LARGE / s / 1e9, "GB/s", axes="all", ms=round(s * 1e3, 3))
    x2 = pseudo_random((SIDE, SIDE), 6)
    s = time_median(lambda: x2.sum(axis=1), 40)
    emit("reduce_sum_axis1_large_gbps", 4 * LARGE / s / 1e9, "GB/s", axes="1", ms=round(s * 1e3, 3))


def bench_matmul(n, samples):
    a, b = pseudo_random((n, n), 7), pseudo_random((n, n), 8)
    s = time_median(lambda: a @ b, samples, warmup=2)
    emit(f"matmul_{n}_gflops", 2.0 * n ** 3 / s / 1e9, "GFLOP/s", ms=round(s * 1e3, 3))


def bench_softmax_ce():
    labels = (np.arange(100) * 7 % 10).astype(np.int32)
    logits = pseudo_random((100, 10), 9)
    s = time_median(lambda: sparse_softmax_cross_entropy(labels, logits), 200, 100, warmup=2000)
    emit("softmax_ce_100x10_us", s * 1e6, "us", call="written with numpy ops")


def main():
    np.dot(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))  # loads BLAS before we look
    emit("numpy_info", 0, "info", version=np.__version__, blas=loaded_blas(),
         OPENBLAS_CORETYPE=os.environ.get("OPENBLAS_CORETYPE", ""),
         OPENBLAS_L2_SIZE=os.environ.get("OPENBLAS_L2_SIZE", ""))
    bench_add()
    bench_sum()
    bench_matmul(1024, 30)
    bench_matmul(2048, 8)
    bench_softmax_ce()


if __name__ == "__main__":
    main()
