#!/usr/bin/python3
"""Writes the gzip fixtures of test/data/test_idx.cpp into test/data/fixtures/.

The plain (uncompressed) IDX cases are written by the test itself; gzip ones
are committed because the test binary does not link zlib. Every file is
deterministic (gzip mtime 0, no file name), so rerunning this script gives the
same bytes:

    /usr/bin/python3 tools/make_idx_fixtures.py
"""
import gzip
import pathlib
import struct

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "test" / "data" / "fixtures"


def idx(type_code, dims, data):
    """An IDX file: 00 00 <type> <rank>, big-endian uint32 dims, then the data bytes."""
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + data


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def main():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    files = {}

    # uint8 [2, 3] holding 0, 1, 2, 127, 128, 255.
    ubyte_header = idx(0x08, [2, 3], b"")
    ubyte_data = bytes([0, 1, 2, 127, 128, 255])
    ubyte = ubyte_header + ubyte_data
    files["ubyte_2x3.idx.gz"] = gz(ubyte)
    # The same file as two gzip members (header, then data): gzip -d joins them.
    files["ubyte_2x3_two_members.idx.gz"] = gz(ubyte_header) + gz(ubyte_data)
    # float64 [2] = (1.5, -0.25), to cover byte swapping through the gzip path.
    files["float64_2.idx.gz"] = gz(idx(0x0E, [2], struct.pack(">2d", 1.5, -0.25)))

    valid = bytearray(gz(ubyte))
    # The last 8 bytes of a gzip member are CRC-32 and length; flip a CRC bit.
    bad_crc = bytearray(valid)
    bad_crc[-8] ^= 0x01
    files["bad_crc.idx.gz"] = bytes(bad_crc)
    # Cut inside the trailer: all data decodes but the stream never ends.
    files["truncated_stream.idx.gz"] = bytes(valid[:-4])
    # Bytes that are not another gzip member after the stream.
    files["garbage_after_stream.idx.gz"] = bytes(valid) + b"junk"
    # Valid streams whose decoded IDX has fewer data bytes than its dims call
    # for (the plain-file check of the file size cannot catch these early).
    files["ubyte_truncated_data.idx.gz"] = gz(ubyte[:-2])
    files["int16_truncated_data.idx.gz"] = gz(idx(0x0B, [3], b"\x00\x01\x00\x02\x00"))
    # A valid stream whose decoded IDX has two bytes more than its dims call for.
    files["extra_data.idx.gz"] = gz(ubyte + b"\x07\x07")
    # A header claiming 4e9 bytes in a file of a few dozen bytes: rejected
    # before anything is allocated.
    files["huge_dims.idx.gz"] = gz(idx(0x08, [2000000000, 2], b"\x00" * 16))

    # A tiny MNIST-layout directory, gzip-compressed: 3 train and 2 test 4x4 images.
    train_images = bytes(range(3 * 16))
    test_images = bytes(200 + i for i in range(2 * 16))
    files["mnist_gz/train-images-idx3-ubyte.gz"] = gz(idx(0x08, [3, 4, 4], train_images))
    files["mnist_gz/train-labels-idx1-ubyte.gz"] = gz(idx(0x08, [3], bytes([5, 0, 9])))
    files["mnist_gz/t10k-images-idx3-ubyte.gz"] = gz(idx(0x08, [2, 4, 4], test_images))
    files["mnist_gz/t10k-labels-idx1-ubyte.gz"] = gz(idx(0x08, [2], bytes([7, 2])))

    for name, content in files.items():
        path = FIXTURES / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        print(f"{path.relative_to(FIXTURES.parent.parent.parent)}: {len(content)} bytes")


if __name__ == "__main__":
    main()
