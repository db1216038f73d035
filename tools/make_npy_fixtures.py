#!/usr/bin/env python3
"""NumPy .npy and .npz fixtures for test/serialize/test_npy.cpp, written by
NumPy itself (np.save, np.lib.format.write_array, np.savez,
np.savez_compressed, and zipfile as np.savez drives it).

    /usr/bin/python3 tools/make_npy_fixtures.py        (NumPy 1.24)
    /work/tfvenv/bin/python tools/make_npy_fixtures.py (NumPy 2.x)

writes test/serialize/fixtures/npy/:
    <type>.npy            a (2, 3) array of VALUES[type] for every type eager reads,
                          including those it widens (int8, int16, uint16, uint32, float16)
    be_<type>.npy         the same values stored big-endian ('>')
    fortran_int16.npy     arange(24).reshape(2, 3, 4) in Fortran order
    fortran_float32.npy   VALUES["float32"] in Fortran order
    be_fortran_float64.npy  VALUES["float64"].reshape(3, 2), big-endian and Fortran order
    v2_float32.npy, v3_int32.npy   format versions 2.0 and 3.0
    scalar_float64.npy, scalar_int64.npy   0-d arrays (3.5 and -7)
    empty_float32.npy, empty_int64.npy     shapes (0,) and (2, 0, 3)
    uint64.npy, complex64.npy, float128.npy, object.npy (a pickle), structured.npy,
    unicode.npy, bytes.npy, datetime.npy   types eager refuses
    arrays.npz, arrays_compressed.npz      np.savez / np.savez_compressed of ARCHIVE
    arrays_descriptor.npz  ARCHIVE compressed, written to an unseekable stream, so that
                           zipfile writes data descriptors after the members
    object.npz             np.savez of an object array (a pickle inside)

    /usr/bin/python3 tools/make_npy_fixtures.py --check-eager DIR
        reads the files test_npy.cpp writes into DIR with np.load (eager_writes() below,
        and ARCHIVE as stored.npz, deflated.npz and, with ZIP64 records everywhere,
        zip64_stored.npz and zip64_deflated.npz), prints what it found and exits
        non-zero unless each equals the array it should hold, with eager's dtype
        (the widened one where eager widens) and, in archives, valid CRCs.

The values are defined here and, identically, in the C++ test.
"""
import argparse
import io
import pathlib
import sys
import zipfile

import numpy as np

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "test" / "serialize" / "fixtures" / "npy"

VALUES = {
    "bool": [True, False, True, True, False, False],
    "uint8": [0, 1, 127, 128, 254, 255],
    "int8": [-128, -1, 0, 1, 100, 127],
    "int16": [-32768, -1, 0, 1, 1000, 32767],
    "uint16": [0, 1, 255, 256, 40000, 65535],
    "int32": [-2147483648, -1, 0, 1, 123456789, 2147483647],
    "uint32": [0, 1, 2147483647, 2147483648, 3000000000, 4294967295],
    "int64": [-9223372036854775808, -1, 0, 1, 1234567890123, 9223372036854775807],
    "float16": [0.5, -2.0, 65504.0, 2.0**-24, float("inf"), -0.0],
    "float32": [0.5, -2.0, 3.4028234663852886e38, 2.0**-149, float("-inf"), 0.1],
    "float64": [0.5, -2.0, 1.7976931348623157e308, 5e-324, float("-inf"), 0.1],
}
# The dtypes eager reads these as.
WIDENED = {"int8": "int32", "int16": "int32", "uint16": "int32", "uint32": "int64", "float16": "float32"}
BIG_ENDIAN = ["int16", "uint16", "int32", "uint32", "int64", "float16", "float32", "float64"]


def values(name, byte_order="<"):
    return np.array(VALUES[name], dtype=np.dtype(name).newbyteorder(byte_order)).reshape(2, 3)


def archive():
    """The arrays of the .npz fixtures."""
    return {"a": values("float32"), "b": values("int8"), "scalar": np.array(True), "empty": np.zeros((2, 0), "<i8")}


def save(name, array, **kwargs):
    np.save(FIXTURES / name, array, **kwargs)


def write_version(name, array, version):
    with open(FIXTURES / name, "wb") as f:
        np.lib.format.write_array(f, array, version=version)


class Unseekable(io.RawIOBase):
    """A write-only stream without seek or tell: zipfile then appends data descriptors."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.data += b
        return len(b)


def write_descriptor_archive(name):
    stream = Unseekable()
    # What np.savez_compressed does, on a stream zipfile cannot seek back in.
    with zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_DEFLATED) as z:
        for key, value in archive().items():
            with z.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, value)
    (FIXTURES / name).write_bytes(bytes(stream.data))
    with zipfile.ZipFile(FIXTURES / name) as z:
        assert all(info.flag_bits & 0x08 for info in z.infolist()), "no data descriptors were written"


def eager_writes():
    """What the C++ test writes for --check-eager: file name -> the array it holds."""
    files = {name + ".npy": values(name) for name in VALUES}
    files["scalar_float64.npy"] = np.array(3.5)
    files["empty_int64.npy"] = np.zeros((2, 0, 3), "<i8")
    files["fortran_int16.npy"] = np.arange(24, dtype="<i2").reshape(2, 3, 4)
    files["transposed.npy"] = values("float32").T
    return files


def check_eager(directory):
    directory = pathlib.Path(directory)
    ok = True

    def check(name, got, want):
        nonlocal ok
        dtype = np.dtype(WIDENED.get(want.dtype.name, want.dtype.name))
        same = got.dtype == dtype and got.shape == want.shape and np.array_equal(got, want)
        if same and dtype.kind == "f":
            same = np.array_equal(np.signbit(got), np.signbit(want))
        ok &= same
        print(f"{name}: {got.dtype} {got.shape}: {'equal' if same else 'DIFFERENT'}")

    for name, want in eager_writes().items():
        check(name, np.load(directory / name), want)
    for name in ["stored.npz", "deflated.npz", "zip64_stored.npz", "zip64_deflated.npz"]:
        with zipfile.ZipFile(directory / name) as z:
            bad = z.testzip()
            if bad is not None:
                ok = False
                print(f"{name}: zipfile finds a bad CRC in {bad}")
        with np.load(directory / name) as loaded:
            if sorted(loaded.files) != sorted(archive()):
                ok = False
                print(f"{name}: keys {sorted(loaded.files)}")
            for key, want in archive().items():
                check(f"{name}[{key}]", loaded[key], want)
    print("all equal" if ok else "MISMATCH")
    return 0 if ok else 1


def make():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name in VALUES:
        save(name + ".npy", values(name))
    for name in BIG_ENDIAN:
        save("be_" + name + ".npy", values(name, ">"))
    save("fortran_int16.npy", np.asfortranarray(np.arange(24, dtype="<i2").reshape(2, 3, 4)))
    save("fortran_float32.npy", np.asfortranarray(values("float32")))
    save("be_fortran_float64.npy", np.asfortranarray(values("float64", ">").reshape(3, 2)))
    write_version("v2_float32.npy", values("float32"), (2, 0))
    write_version("v3_int32.npy", values("int32"), (3, 0))
    save("scalar_float64.npy", np.array(3.5))
    save("scalar_int64.npy", np.array(-7, dtype="<i8"))
    save("empty_float32.npy", np.zeros((0,), "<f4"))
    save("empty_int64.npy", np.zeros((2, 0, 3), "<i8"))

    save("uint64.npy", np.array([1, 2**64 - 1], "<u8"))
    save("complex64.npy", np.array([1 + 2j], "<c8"))
    save("float128.npy", np.array([1.5], np.longdouble))
    save("object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
    save("structured.npy", np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]))
    save("unicode.npy", np.array(["ab", "c"]))
    save("bytes.npy", np.array([b"ab", b"c"]))
    save("datetime.npy", np.array(["2024-01-01"], dtype="datetime64[D]"))

    np.savez(FIXTURES / "arrays.npz", **archive())
    np.savez_compressed(FIXTURES / "arrays_compressed.npz", **archive())
    write_descriptor_archive("arrays_descriptor.npz")
    np.savez(FIXTURES / "object.npz", x=np.array([None], dtype=object))

    for name in ["arrays.npz", "arrays_compressed.npz", "arrays_descriptor.npz"]:
        with np.load(FIXTURES / name) as loaded:
            for key, value in archive().items():
                assert loaded[key].dtype == value.dtype and np.array_equal(loaded[key], value), (name, key)
    total = sum(p.stat().st_size for p in FIXTURES.iterdir())
    print(f"numpy {np.__version__}: {len(list(FIXTURES.iterdir()))} fixtures, {total} bytes in {FIXTURES}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check-eager", metavar="DIR", help="read the files eager wrote into DIR with NumPy")
    args = parser.parse_args()
    if args.check_eager:
        return check_eager(args.check_eager)
    make()
    return 0


if __name__ == "__main__":
    sys.exit(main())
