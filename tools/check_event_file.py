#!/usr/bin/env python3
"""Reads TensorBoard event files with TensorBoard's own readers and prints what
TensorBoard would show: the runs, and for each plugin (scalars, histograms,
images, text) every tag, step and value. test/serialize/test_summary.cpp runs
it on a file eager has just written; docs/tensorboard.md explains the format.

Run with a Python that has tensorboard (and pillow, for the images):

    /work/tfvenv/bin/python tools/check_event_file.py PATH
        PATH is an event file or a log directory. Prints, one line each, the
        file version and writer of each file, then what TensorBoard's data
        provider serves (no wall times, so that two files written by the same
        calls print the same). Images are decoded with PIL and printed pixel by
        pixel.

    ... --expect FILE        exits 1, showing a diff, unless the output equals FILE
    ... --reader rust        reads with TensorBoard's Rust data server (what
                             `tensorboard --logdir` uses by default) instead of its
                             Python event multiplexer (`--load_fast=false`);
                             `--reader both` checks that the two agree
    ... --compare-tf         writes the fixture sequence (below) with TensorFlow's
                             tf.summary and checks that PATH, which must be the
                             fixture or a file written by the same calls, holds
                             the same summaries: equal tensors and metadata for
                             scalars, histograms and text, equal sizes and
                             decoded pixels for the PNGs

By default TensorBoard's TensorFlow stub is used (as when TensorFlow is not
installed), which makes a run take a second instead of ten.

The fixture, test/serialize/fixtures/events/, is written by the C++ test
(`eager_tests "[.summary-fixture]"`) with these calls, which FIXTURE_SEQUENCE
below repeats for --compare-tf:

    scalar("loss", 2.5, step 0, description "Cross-entropy plus *L2*")
    scalar("loss", 1.25, step 1)
    histogram("layer1/weights", float32 [-1, -0.5, 0, 0.25, 0.5, 2.5], step 1, buckets 4)
    histogram("layer1/bias", int32 [7, 7, 7], step 1, buckets 3)
    image("inputs", uint8 [2, 2, 3, 3] with value (37 i) mod 256 at flat index i, step 1)
    image("mask", float32 [2, 3, 1] = [0, 0.25, 0.5, 0.75, 1, 1.5], step 2)
    text("notes", "hello **world** \u2713", step 2)

test/serialize/fixtures/events/expected.txt is this script's output for the
fixture; the C++ test compares the output for a fresh file with it.
"""
import argparse
import difflib
import io
import json
import os
import pathlib
import sys
import tempfile
import time
import types

REPO = pathlib.Path(__file__).resolve().parent.parent
FIXTURE_DIR = REPO / "test" / "serialize" / "fixtures" / "events"


def use_tensorflow_stub():
    """TensorBoard imports TensorFlow when it can; the stub reads the same files."""
    sys.modules["tensorboard.compat.notf"] = types.ModuleType("tensorboard.compat.notf")


def event_files(path):
    path = pathlib.Path(path)
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and "tfevents" in p.name)


def as_logdir(path, scratch):
    """TensorBoard reads directories: a single file gets one of its own."""
    path = pathlib.Path(path).resolve()
    if path.is_dir():
        return str(path)
    link = pathlib.Path(scratch) / path.name
    link.symlink_to(path)
    return scratch


def raw_events(path):
    from tensorboard.backend.event_processing import event_file_loader

    return list(event_file_loader.EventFileLoader(str(path)).Load())


def python_provider(logdir):
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer

    # Keep every value: TensorBoard's default reservoirs sample long runs.
    keep_all = {"scalars": 0, "histograms": 0, "images": 0, "text": 0}
    multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance=keep_all)
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    return data_provider.MultiplexerDataProvider(multiplexer, logdir), None


def rust_provider(logdir):
    from tensorboard.data import grpc_provider, server_ingester
    from tensorboard.util import grpc_util

    ingester = server_ingester.SubprocessServerDataIngester(
        server_binary=server_ingester.get_server_binary(),
        logdir=logdir,
        reload_interval=1.0,
        channel_creds_type=grpc_util.ChannelCredsType.LOCAL,
        samples_per_plugin={"scalars": 0, "histograms": 0, "images": 0, "text": 0},
    )
    ingester.start()
    return ingester.data_provider, ingester


def describe(provider, wait_for_data):
    """The lines TensorBoard's data provider gives for everything it holds."""
    from tensorboard import context

    ctx = context.RequestContext()
    experiment = ""
    # The Rust server loads in the background: ask until two answers agree.
    deadline = time.time() + (30 if wait_for_data else 0)
    previous = None
    while True:
        lines = _describe_once(provider, ctx, experiment)
        if not wait_for_data or (lines == previous and len(lines) > 1) or time.time() > deadline:
            return lines
        previous = lines
        time.sleep(1.5)


def _describe_once(provider, ctx, experiment):
    lines = []
    runs = sorted(run.run_name for run in provider.list_runs(ctx, experiment_id=experiment))
    lines.append("runs " + json.dumps(runs))

    def descriptions(series_by_run):
        for run in sorted(series_by_run):
            for tag in sorted(series_by_run[run]):
                description = series_by_run[run][tag].description
                if description:
                    lines.append("description %s %s %s" % (run, tag, json.dumps(description)))

    scalars = provider.list_scalars(ctx, experiment_id=experiment, plugin_name="scalars")
    descriptions(scalars)
    data = provider.read_scalars(ctx, experiment_id=experiment, plugin_name="scalars", downsample=10**6)
    for run in sorted(data):
        for tag in sorted(data[run]):
            for datum in data[run][tag]:
                lines.append("scalars %s %s step %d value %r" % (run, tag, datum.step, float(datum.value)))

    for plugin in ("histograms", "text"):
        descriptions(provider.list_tensors(ctx, experiment_id=experiment, plugin_name=plugin))
        data = provider.read_tensors(ctx, experiment_id=experiment, plugin_name=plugin, downsample=10**6)
        for run in sorted(data):
            for tag in sorted(data[run]):
                for datum in data[run][tag]:
                    array = datum.numpy
                    if plugin == "histograms":
                        rows = " ".join("[%r, %r, %r]" % tuple(float(v) for v in row) for row in array.tolist())
                        lines.append("histograms %s %s step %d shape %s rows %s" % (run, tag, datum.step,
                                                                                  list(array.shape), rows))
                    else:
                        text = array.item().decode("utf-8")
                        lines.append("text %s %s step %d shape %s %s" % (run, tag, datum.step, list(array.shape),
                                                                        json.dumps(text)))

    descriptions(provider.list_blob_sequences(ctx, experiment_id=experiment, plugin_name="images"))
    data = provider.read_blob_sequences(ctx, experiment_id=experiment, plugin_name="images", downsample=10**6)
    for run in sorted(data):
        for tag in sorted(data[run]):
            for datum in data[run][tag]:
                blobs = [provider.read_blob(ctx, blob_key=ref.blob_key) for ref in datum.values]
                width, height = blobs[0].decode(), blobs[1].decode()
                lines.append("images %s %s step %d width %s height %s count %d" % (run, tag, datum.step, width,
                                                                                   height, len(blobs) - 2))
                for index, blob in enumerate(blobs[2:]):
                    lines.append("  image %d %s" % (index, describe_image(blob)))
    return lines


def describe_image(encoded):
    from PIL import Image

    image = Image.open(io.BytesIO(encoded))
    image.load()  # decodes everything: a corrupt stream fails here
    pixels = list(image.get_flattened_data() if hasattr(image, "get_flattened_data") else image.getdata())
    return "%s %s %dx%d pixels %s" % (image.format, image.mode, image.width, image.height, json.dumps(pixels))


def file_lines(files):
    lines = []
    for path in files:
        events = raw_events(path)
        lines.append("file records %d version %s writer %s" % (
            len(events), events[0].file_version, events[0].source_metadata.writer))
    return lines


def fixture_sequence(tf, np):
    """The calls of the C++ fixture, made with tf.summary (see the module doc)."""
    tf.summary.scalar("loss", 2.5, step=0, description="Cross-entropy plus *L2*")
    tf.summary.scalar("loss", 1.25, step=1)
    tf.summary.histogram("layer1/weights", np.array([-1, -0.5, 0, 0.25, 0.5, 2.5], np.float32), step=1, buckets=4)
    tf.summary.histogram("layer1/bias", np.array([7, 7, 7], np.int32), step=1, buckets=3)
    inputs = (np.arange(2 * 2 * 3 * 3) * 37 % 256).astype(np.uint8).reshape(2, 2, 3, 3)
    tf.summary.image("inputs", inputs, step=1)
    mask = np.array([0, 0.25, 0.5, 0.75, 1, 1.5], np.float32).reshape(1, 2, 3, 1)
    tf.summary.image("mask", mask, step=2)
    tf.summary.text("notes", "hello **world** \u2713", step=2)


def compare_with_tensorflow(path):
    """Problems found between PATH's summaries and TensorFlow's for the same calls."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as logdir:
        writer = tf.summary.create_file_writer(logdir)
        with writer.as_default():
            fixture_sequence(tf, np)
        writer.close()
        (tf_file,) = event_files(logdir)
        ours, theirs = raw_events(path), raw_events(tf_file)
    problems = []
    if len(ours) != len(theirs):
        return ["%d records, TensorFlow wrote %d" % (len(ours), len(theirs))]
    for index, (a, b) in enumerate(zip(ours, theirs)):
        where = "record %d" % index
        if index == 0:
            if a.file_version != b.file_version:
                problems.append("%s: file_version %r, TensorFlow %r" % (where, a.file_version, b.file_version))
            continue
        if a.step != b.step or len(a.summary.value) != 1 or len(b.summary.value) != 1:
            problems.append("%s: step %d, TensorFlow %d" % (where, a.step, b.step))
            continue
        va, vb = a.summary.value[0], b.summary.value[0]
        if va.tag != vb.tag or va.metadata != vb.metadata:
            problems.append("%s: tag/metadata\n%s\nTensorFlow:\n%s%s" % (where, va.tag, vb.tag, vb.metadata))
        elif va.metadata.plugin_data.plugin_name == "images":
            sa, sb = list(va.tensor.string_val), list(vb.tensor.string_val)
            if sa[:2] != sb[:2] or len(sa) != len(sb):
                problems.append("%s: image sizes %r, TensorFlow %r" % (where, sa[:2], sb[:2]))
            for k, (pa, pb) in enumerate(zip(sa[2:], sb[2:])):
                if describe_image(pa).split(" ", 1)[1] != describe_image(pb).split(" ", 1)[1]:
                    problems.append("%s: image %d: %s\nTensorFlow: %s" % (where, k, describe_image(pa),
                                                                          describe_image(pb)))
        elif va.tensor.SerializeToString() != vb.tensor.SerializeToString():
            problems.append("%s (%s): tensor\n%s\nTensorFlow:\n%s" % (where, va.tag, va.tensor, vb.tensor))
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", default=str(FIXTURE_DIR), help="event file or log directory")
    parser.add_argument("--expect", help="file holding the expected output")
    parser.add_argument("--reader", choices=["python", "rust", "both"], default="python")
    parser.add_argument("--compare-tf", action="store_true")
    parser.add_argument("--with-tensorflow", action="store_true",
                        help="let TensorBoard use the installed TensorFlow instead of its stub")
    args = parser.parse_args()
    if not (args.with_tensorflow or args.compare_tf):
        use_tensorflow_stub()

    files = event_files(args.path)
    if not files:
        print("no event files in %s" % args.path)
        return 1
    lines = file_lines(files)
    with tempfile.TemporaryDirectory() as scratch:
        logdir = as_logdir(args.path, scratch)
        readers = ["python", "rust"] if args.reader == "both" else [args.reader]
        outputs = {}
        for reader in readers:
            provider, ingester = (python_provider if reader == "python" else rust_provider)(logdir)
            try:
                outputs[reader] = describe(provider, wait_for_data=ingester is not None)
            finally:
                # The server runs with --die-after-stdin: closing the pipe stops it.
                stdin = getattr(ingester, "_stdin_handle", None)
                if stdin is not None:
                    stdin.close()
    if len(outputs) == 2 and outputs["python"] != outputs["rust"]:
        print("the Python and Rust readers disagree:")
        print("\n".join(difflib.unified_diff(outputs["python"], outputs["rust"], "python", "rust", lineterm="")))
        return 1
    lines += outputs[readers[0]]
    print("\n".join(lines))

    status = 0
    if args.compare_tf:
        problems = compare_with_tensorflow(files[0])
        print("tensorflow: " + ("same summaries as tf.summary" if not problems else "\n".join(problems)))
        status |= bool(problems)
    if args.expect:
        expected = pathlib.Path(args.expect).read_text().splitlines()
        if expected != lines:
            print("differs from %s:" % args.expect)
            print("\n".join(difflib.unified_diff(expected, lines, "expected", "found", lineterm="")))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
