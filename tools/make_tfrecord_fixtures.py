#!/usr/bin/env python3
"""TFRecord and tf.train.Example fixtures for test/data/test_tfrecord.cpp and
test/data/test_example.cpp, written by TensorFlow itself, and the check that
TensorFlow reads what eager writes.

Run with a Python that has TensorFlow (tensorflow-cpu from PyPI):

    /work/tfvenv/bin/python tools/make_tfrecord_fixtures.py
        writes test/data/fixtures/tfrecord/{records.tfrecord, records.tfrecord.gz,
        records.tfrecord.zlib, examples.tfrecord} with tf.io.TFRecordWriter (and
        absurd_length.tfrecord.gz, a corrupt file, with Python's gzip) and
        prints the values the C++ tests hard-code (framed bytes of the empty
        record and of "hello", serialized one-feature Examples, what
        tf.io.parse_example makes of examples.tfrecord).

    /work/tfvenv/bin/python tools/make_tfrecord_fixtures.py --check-eager DIR
        reads DIR/eager_records.tfrecord{,.gz,.zlib} and DIR/eager_examples.tfrecord,
        which the C++ tests write when EAGER_TFRECORD_EXPORT_DIR=DIR is set, with
        tf.data.TFRecordDataset and tf.io.parse_single_example, prints what it
        found and exits non-zero unless it equals what TensorFlow's own files hold.

The record contents are defined here and, identically, in the C++ tests.
"""
import argparse
import gzip
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "test" / "data" / "fixtures" / "tfrecord"
COMPRESSION = {"": "", ".gz": "GZIP", ".zlib": "ZLIB"}


def pattern(n, k):
    """n bytes that a test can regenerate: (31 i + 7 k) mod 251."""
    return bytes((31 * i + 7 * k) % 251 for i in range(n))


# The records of records.tfrecord (and its compressed twins).
RECORDS = [b"", b"hello", bytes(range(256)), pattern(1000, 1), b"\x00\xff", pattern(3000, 2)]


def masked_crc32c(data):
    """TFRecord's masked CRC32C, bit by bit (checked against TensorFlow's bytes below)."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_header(length):
    size = length.to_bytes(8, "little")
    return size + masked_crc32c(size).to_bytes(4, "little")


def int64s(*v):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=list(v)))


def floats(*v):
    return tf.train.Feature(float_list=tf.train.FloatList(value=list(v)))


def bytes_list(*v):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=list(v)))


def example(**features):
    return tf.train.Example(features=tf.train.Features(feature=features))


# The examples of examples.tfrecord. Example 2 lacks "score" and "ragged",
# example 3 lacks "tags"; example 1 has empty lists.
EXAMPLES = [
    example(id=int64s(0), label=int64s(3), score=floats(0.5), pixels=floats(0.0, 0.25, 0.5, 0.75),
            name=bytes_list(b"zero"), tags=bytes_list(b"a", b"b"), ragged=int64s(1, 2, 3)),
    example(id=int64s(1), label=int64s(-7), score=floats(1e-30), pixels=floats(1.5, -2.0, 3.25, 1e10),
            name=bytes_list(b"one"), tags=bytes_list(), ragged=int64s(-(2**63), 2**63 - 1)),
    example(id=int64s(2), label=int64s(0), pixels=floats(-1.0, -0.5, 0.125, 100.0),
            name=bytes_list(b"\x00\xffbin"), tags=bytes_list(b"x", b"", b"\xfe")),
    example(id=int64s(3), label=int64s(9), score=floats(-2.5), pixels=floats(7.0, 8.0, 9.0, 10.0),
            name=bytes_list(b"three"), ragged=int64s(5, 6)),
]

SPEC = {
    "id": tf.io.FixedLenFeature([], tf.int64),
    "label": tf.io.FixedLenFeature([], tf.int64),
    "score": tf.io.FixedLenFeature([], tf.float32, default_value=-1.0),
    "pixels": tf.io.FixedLenFeature([4], tf.float32),
    "name": tf.io.FixedLenFeature([], tf.string),
    "tags": tf.io.VarLenFeature(tf.string),
    "ragged": tf.io.VarLenFeature(tf.int64),
}


def write(path, records, compression=""):
    with tf.io.TFRecordWriter(str(path), options=tf.io.TFRecordOptions(compression_type=compression)) as w:
        for r in records:
            w.write(r)


def read(path, compression=""):
    return [r.numpy() for r in tf.data.TFRecordDataset(str(path), compression_type=compression)]


def describe(parsed):
    """The parsed features as plain Python values, in name order."""
    out = {}
    for name in sorted(parsed):
        v = parsed[name]
        if isinstance(v, tf.SparseTensor):
            out[name] = {"indices": v.indices.numpy().tolist(), "values": v.values.numpy().tolist(),
                         "dense_shape": v.dense_shape.numpy().tolist()}
        else:
            value = v.numpy()  # a scalar string tensor gives bytes, which have no tolist()
            out[name] = value.tolist() if hasattr(value, "tolist") else value
    return out


def make():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for suffix, compression in COMPRESSION.items():
        write(FIXTURES / ("records.tfrecord" + suffix), RECORDS, compression)
    # Deterministic: map entries in key order, so reruns give the same bytes.
    write(FIXTURES / "examples.tfrecord", [e.SerializeToString(deterministic=True) for e in EXAMPLES])

    # A gzip stream whose only header, with a valid CRC, claims 2^40 bytes of
    # data: a reader must refuse it without trying to allocate them.
    (FIXTURES / "absurd_length.tfrecord.gz").write_bytes(gzip.compress(frame_header(2**40) + b"abc", mtime=0))

    for suffix, compression in COMPRESSION.items():
        assert read(FIXTURES / ("records.tfrecord" + suffix), compression) == RECORDS
    framed = (FIXTURES / "records.tfrecord").read_bytes()
    assert framed[16:28] == frame_header(5) and framed[33:37] == masked_crc32c(b"hello").to_bytes(4, "little")
    print("framed empty record:  ", framed[:16].hex())
    print("framed 'hello' record:", framed[16:16 + 21].hex())
    for text, name, feature in [("i: int64 [1, -1, 300]", "i", int64s(1, -1, 300)),
                                ("f: float [0.5, -2]", "f", floats(0.5, -2.0)),
                                ("b: bytes ['ab', '']", "b", bytes_list(b"ab", b""))]:
        print(f"Example {text}:", example(**{name: feature}).SerializeToString().hex())
    serialized = [e.SerializeToString() for e in EXAMPLES]
    print("parse_example(examples.tfrecord):")
    for name, value in describe(tf.io.parse_example(serialized, SPEC)).items():
        print(f"  {name}: {value}")
    for i, s in enumerate(serialized):
        print(f"parse_single_example(example {i}): {describe(tf.io.parse_single_example(s, SPEC))}")


def check_eager(directory):
    directory = pathlib.Path(directory)
    ok = True
    for suffix, compression in COMPRESSION.items():
        path = directory / ("eager_records.tfrecord" + suffix)
        found = read(path, compression)
        same = found == RECORDS
        ok &= same
        print(f"{path.name} ({compression or 'uncompressed'}): {len(found)} records, lengths "
              f"{[len(r) for r in found]}: {'equal to' if same else 'DIFFERENT FROM'} the expected records")
    path = directory / "eager_examples.tfrecord"
    theirs = [describe(tf.io.parse_single_example(e.SerializeToString(), SPEC)) for e in EXAMPLES]
    for i, record in enumerate(read(path)):
        mine = describe(tf.io.parse_single_example(record, SPEC))
        same = i < len(theirs) and mine == theirs[i]
        ok &= same
        print(f"{path.name} example {i}: {mine}: {'equal to' if same else 'DIFFERENT FROM'} TensorFlow's own")
    batch = describe(tf.io.parse_example(read(path), SPEC))
    same = batch == describe(tf.io.parse_example([e.SerializeToString() for e in EXAMPLES], SPEC))
    ok &= same
    print(f"{path.name} through parse_example: {'equal to' if same else 'DIFFERENT FROM'} TensorFlow's own")
    print("all equal" if ok else "MISMATCH")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check-eager", metavar="DIR", help="read the files eager wrote into DIR with TensorFlow")
    args = parser.parse_args()
    if args.check_eager:
        return check_eager(args.check_eager)
    make()
    return 0


if __name__ == "__main__":
    sys.exit(main())
