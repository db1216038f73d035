#!/usr/bin/env python3
"""safetensors fixtures for test/serialize/test_safetensors.cpp, written by
Hugging Face's safetensors itself, and the check that safetensors reads what
eager writes.

Run with a Python that has safetensors, NumPy and ml_dtypes (all from PyPI):

    /work/tfvenv/bin/python tools/make_safetensors_fixtures.py
        writes test/serialize/fixtures/safetensors/stored_types.safetensors with
        safetensors.numpy.save_file: one tensor of every element type the
        format has and eager reads (BOOL, U8, I8, I16, U16, I32, U32, I64,
        U64, F16, BF16, F32, F64) holding its extreme values, a 0-d tensor,
        an empty one and two metadata entries. The C++ test hard-codes
        STORED_TYPES below.

    /work/tfvenv/bin/python tools/make_safetensors_fixtures.py --check-eager DIR
        reads DIR/eager.safetensors, which the C++ test writes, with
        safetensors.numpy.load_file and safe_open, compares every tensor and
        the metadata with EAGER_WRITES below (defined identically in the C++
        test), checks that safetensors.numpy.save of the same arrays gives the
        very same bytes, prints what differs and exits non-zero unless all
        agrees ("ok" otherwise).
"""
import argparse
import pathlib
import sys

import ml_dtypes
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save, save_file

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "test" / "serialize" / "fixtures" / "safetensors"

STORED_TYPES = {
    "bool": np.array([True, False, True], dtype=np.bool_),
    "u8": np.array([0, 1, 255], dtype=np.uint8),
    "i8": np.array([[-128, -1], [0, 127]], dtype=np.int8),
    "i16": np.array([-32768, 32767, -1], dtype=np.int16),
    "u16": np.array([0, 65535, 1234], dtype=np.uint16),
    "i32": np.array([-2147483648, 2147483647, 7], dtype=np.int32),
    "u32": np.array([0, 4294967295, 3000000000], dtype=np.uint32),
    "i64": np.array([-9223372036854775808, 9223372036854775807, 5], dtype=np.int64),
    "u64": np.array([1, 18446744073709551615], dtype=np.uint64),
    # 2**-24 is float16's smallest subnormal, 65504 its largest finite value.
    "f16": np.array([[1.5, -2.0, 65504.0], [2.0**-24, np.inf, np.nan]], dtype=np.float16),
    "bf16": np.array([1.5, -2.0, 3.140625, 2.0**100, -np.inf], dtype=ml_dtypes.bfloat16),
    "f32": np.array([0.5, -3.25, 2.0**100], dtype=np.float32),
    "f64": np.array([0.1, -1e300, 2.5], dtype=np.float64),
    "scalar": np.array(3.5, dtype=np.float32),
    "empty": np.zeros((3, 0), dtype=np.float32),
}
STORED_METADATA = {"format": "np", "producer": "make_safetensors_fixtures.py"}


def eager_writes():
    """The tensors test_safetensors.cpp saves for --check-eager."""
    i = np.arange
    return {
        "bool": (i(6) % 3 == 0).reshape(2, 3),
        "uint8": ((i(5) * 53) % 256).astype(np.uint8),
        "int32": (i(12, dtype=np.int32) * 7919 - 40000).reshape(3, 4),
        "int64": np.array([-(2**62), 2**62 + 1], dtype=np.int64),
        # Saved from a transposed (non-contiguous) view in eager.
        "float32": (i(12, dtype=np.float32) * 0.25 - 1).reshape(3, 4).T.copy(),
        "float64": (i(8, dtype=np.float64) * 0.1).reshape(2, 2, 2),
        "scalar": np.array(2.5, dtype=np.float32),
        "empty": np.zeros((3, 0), dtype=np.float32),
        "empty1": np.zeros((0,), dtype=np.int64),
    }


EAGER_METADATA = {"step": "100"}


def write_fixtures():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / "stored_types.safetensors"
    save_file(STORED_TYPES, str(path), metadata=STORED_METADATA)
    print(f"wrote {path} ({path.stat().st_size} bytes)")


def check_eager(directory):
    path = pathlib.Path(directory) / "eager.safetensors"
    expected = eager_writes()
    problems = []
    loaded = load_file(str(path))
    if sorted(loaded) != sorted(expected):
        problems.append(f"names: {sorted(loaded)} != {sorted(expected)}")
    for name, want in expected.items():
        got = loaded.get(name)
        if got is None:
            continue
        if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
            problems.append(
                f"{name}: got {got.dtype}{got.shape} {got.tolist()}, want {want.dtype}{want.shape} {want.tolist()}"
            )
    with safe_open(str(path), framework="np") as f:
        if f.metadata() != EAGER_METADATA:
            problems.append(f"metadata: {f.metadata()} != {EAGER_METADATA}")
    if save(expected, metadata=EAGER_METADATA) != path.read_bytes():
        problems.append("safetensors.numpy.save writes other bytes than eager for the same tensors")
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print("ok")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-eager", metavar="DIR", help="check DIR/eager.safetensors written by the C++ test")
    args = parser.parse_args()
    if args.check_eager:
        return check_eager(args.check_eager)
    write_fixtures()
    return 0


if __name__ == "__main__":
    sys.exit(main())
