"""tf.data peer of data_bench: the same pipelines (pipeline_slices and the
pipeline_overhead chain), timed the same way (warm-up, then the median of
several passes, configurations timed in turn), printed as one JSON object per
line with "impl": "tfdata". With --eager FILE (data_bench's JSON lines of the
same run) it adds the eager/tf.data ratios as eager lines.

    /work/tfvenv/bin/python bench/tfdata_bench.py [--eager build-bench/data_bench_results.jsonl]

Needs TensorFlow (tensorflow-cpu from PyPI, in a virtual environment); without
it the script says so on stderr and exits 0."""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TF's start-up chatter on stderr
try:
    import numpy as np
    import tensorflow as tf
except ImportError as error:
    print(f"tfdata_bench.py: TensorFlow is not importable ({error}); tf.data peer skipped", file=sys.stderr)
    sys.exit(0)

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
IMAGES, PIXELS = 60000, 784
OVERHEAD_N = 20000


def emit(name, value, unit, impl="tfdata", **extra):
    print(json.dumps({"name": name, "value": float(f"{value:.4g}"), "unit": unit, "impl": impl, **extra}), flush=True)


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def training_images():
    """Fashion-MNIST's training images as uint8 [60000, 784], or random bytes
    of that shape (as data_bench does) where the data set is not installed."""
    path = os.path.join(FASHION_MNIST, "train-images-idx3-ubyte")
    for name, opener in ((path, open), (path + ".gz", gzip.open)):
        if os.path.exists(name):
            with opener(name, "rb") as f:
                raw = f.read()
            return np.frombuffer(raw, np.uint8, offset=16).reshape(IMAGES, PIXELS), f"fashion-mnist {name}"
    rng = np.random.default_rng(12345)
    return rng.integers(0, 256, size=(IMAGES, PIXELS), dtype=np.uint8), f"random uint8 ({FASHION_MNIST} not found)"


# Named functions rather than lambdas: AutoGraph reads their source, and
# several lambdas on one line make it warn and give up.
def scale(x):
    return tf.cast(x, tf.float32) * (1.0 / 255.0)


def identity(x):
    return x


def add_rows(n, batch):
    return n + tf.shape(batch, out_type=tf.int64)[0]


def add_one(n, _):
    return n + 1


def sequential_options():
    """tf.data's automatic rewrites that add threads turned off, so that the
    pipeline runs like eager's plain configuration: map on the consumer's
    thread, no injected prefetch, batch copied by one thread."""
    options = tf.data.Options()
    options.experimental_optimization.map_parallelization = False
    options.experimental_optimization.inject_prefetch = False
    options.experimental_optimization.parallel_batch = False
    options.experimental_optimization.map_and_batch_fusion = False
    options.autotune.enabled = False
    return options


def slices_dataset(images, config):
    parallel = tf.data.AUTOTUNE if config == "parallel_map+prefetch" else None
    ds = (tf.data.Dataset.from_tensor_slices(images)
          .map(scale, num_parallel_calls=parallel)
          .shuffle(10000, seed=1)
          .batch(100))
    if config == "parallel_map+prefetch":
        ds = ds.prefetch(tf.data.AUTOTUNE)
    if config == "sequential":
        ds = ds.with_options(sequential_options())
    return ds


def count_rows(ds):
    """Drains the dataset inside TensorFlow's runtime (Dataset.reduce), the
    fastest way to consume it: no Python per batch, as eager's consumer is C++."""
    return int(ds.reduce(tf.constant(0, tf.int64), add_rows))


def count_rows_python(ds):
    """How most training loops consume it: a Python for loop."""
    n = 0
    for b in ds:
        n += int(b.shape[0])
    return n


def pass_seconds(drain, ds, expected):
    start = time.perf_counter()
    n = drain(ds)
    seconds = time.perf_counter() - start
    if n != expected:
        raise RuntimeError(f"pass produced {n} elements, expected {expected}")
    return seconds


def bench_pipeline_slices(images, source):
    """from_tensor_slices -> map(cast, * 1/255) -> shuffle(10000) -> batch(100)
    in four configurations, one epoch each per round."""
    configs = {
        "sequential": (slices_dataset(images, "sequential"), count_rows),
        "defaults": (slices_dataset(images, "defaults"), count_rows),
        "parallel_map+prefetch": (slices_dataset(images, "parallel_map+prefetch"), count_rows),
        "defaults, python loop": (slices_dataset(images, "defaults"), count_rows_python),
    }
    seconds = {name: [] for name in configs}
    for ds, drain in configs.values():
        pass_seconds(drain, ds, IMAGES)
    for _ in range(5):
        for name, (ds, drain) in configs.items():
            seconds[name].append(pass_seconds(drain, ds, IMAGES))
    eps = {name: IMAGES / statistics.median(s) for name, s in seconds.items()}
    best = max(eps, key=eps.get)
    emit("pipeline_slices_eps", eps["sequential"], "elements/s",
         config="sequential: map_parallelization, inject_prefetch, parallel_batch, map_and_batch_fusion and "
                "autotune off", epoch_ms=round(IMAGES / eps["sequential"] * 1e3, 2), images=source,
         consumer="Dataset.reduce")
    emit("pipeline_slices_best_eps", eps[best], "elements/s", config=best,
         epoch_ms=round(IMAGES / eps[best] * 1e3, 2), **{f"eps_{k}": float(f"{v:.4g}") for k, v in eps.items()})
    return eps


def bench_pipeline_overhead():
    """range -> map(identity) -> batch(1), per element, drained by reduce; range
    alone and range -> map in the same rounds, as data_bench does (range alone
    is mostly the cost of draining: one call of the reduce function per element)."""
    def count_scalars(ds):
        return int(ds.reduce(tf.constant(0, tf.int64), add_one))

    source = tf.data.Dataset.range(OVERHEAD_N)
    chains = {
        "range": (source, count_scalars),
        "range_map": (source.map(identity), count_scalars),
        "defaults": (source.map(identity).batch(1), count_rows),
        "sequential": (source.map(identity).batch(1).with_options(sequential_options()), count_rows),
    }
    seconds = {name: [] for name in chains}
    for ds, how in chains.values():
        pass_seconds(how, ds, OVERHEAD_N)
    for _ in range(5):
        for name, (ds, how) in chains.items():
            seconds[name].append(pass_seconds(how, ds, OVERHEAD_N))
    ns = {name: statistics.median(s) / OVERHEAD_N * 1e9 for name, s in seconds.items()}
    emit("pipeline_overhead_ns", ns["defaults"], "ns", chain="range -> map(identity) -> batch(1), per element",
         config="defaults", consumer="Dataset.reduce", **{f"{k}_ns": float(f"{ns[k]:.4g}") for k in
                                                          ("range", "range_map", "sequential")})
    return ns


def eager_lines(path):
    lines = {}
    with open(path) as f:
        for text in f:
            if text.startswith("{"):
                line = json.loads(text)
                if line.get("impl") == "eager":
                    lines[line["name"]] = line
    return lines


def emit_ratios(eager, eps, overhead_ns):
    plain, best = eager.get("pipeline_slices_eps"), eager.get("pipeline_slices_best_eps")
    if plain and best and plain.get("value") and best.get("value"):
        tf_best = max(eps, key=eps.get)
        ratio = best["value"] / eps[tf_best]
        emit("pipeline_slices_tfdata_ratio", ratio, "ratio", impl="eager", source="bench/tfdata_bench.py",
             compares="eager's best configuration over tf.data's best", target=">= 1.5", met=ratio >= 1.5,
             eager_eps=best["value"], eager_config=best.get("config", ""), tfdata_eps=float(f"{eps[tf_best]:.4g}"),
             tfdata_config=tf_best,
             plain_vs_sequential=float(f"{plain['value'] / eps['sequential']:.4g}"),
             plain_vs_tfdata_defaults=float(f"{plain['value'] / eps['defaults']:.4g}"))
    else:
        print("tfdata_bench.py: no eager pipeline_slices figures in the --eager file; ratio skipped", file=sys.stderr)
    overhead = eager.get("pipeline_overhead_ns")
    if overhead and overhead.get("value"):
        emit("pipeline_overhead_tfdata_ratio", overhead_ns["defaults"] / overhead["value"], "ratio", impl="eager",
             source="bench/tfdata_bench.py", compares="tf.data's ns per element over eager's (above 1: eager faster)",
             eager_ns=overhead["value"], tfdata_ns=float(f"{overhead_ns['defaults']:.4g}"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eager", help="data_bench's JSON lines from the same run, for the eager/tf.data ratios")
    args = parser.parse_args()
    images, source = training_images()
    emit("tfdata_info", 0, "info", version=tf.__version__, numpy=np.__version__, load_average=load_average(),
         cpus=os.cpu_count())
    eps = bench_pipeline_slices(images, source)
    overhead_ns = bench_pipeline_overhead()
    if args.eager:
        emit_ratios(eager_lines(args.eager), eps, overhead_ns)
    emit("tfdata_done", 0, "info", load_average=load_average())


if __name__ == "__main__":
    main()
