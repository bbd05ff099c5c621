#!/usr/bin/env python3
"""Compares two float32 .npy files to SPEC §5's tolerance (python3 stdlib only).

    npy_close.py EXPECTED ACTUAL

Prints `same shape, max |diff| D within T` and exits 0 when both files hold
the same header and every element of ACTUAL is within
T = 1e-4 * max(1, max|EXPECTED|) of EXPECTED's; otherwise says why, exit 1.
"""
import array
import struct
import sys


def read(path):
    data = open(path, "rb").read()
    size = 2 if data[6] == 1 else 4
    length = struct.unpack("<H" if size == 2 else "<I", data[8:8 + size])[0]
    start = 8 + size + length
    values = array.array("f")
    values.frombytes(data[start:])
    return data[8 + size:start], values


def main():
    (want_header, want), (got_header, got) = read(sys.argv[1]), read(sys.argv[2])
    if want_header != got_header:
        print("headers differ:", want_header, got_header)
        return 1
    tolerance = 1e-4 * max([1.0] + [abs(v) for v in want])
    worst = max((abs(a - b) for a, b in zip(want, got)), default=0.0)
    if worst > tolerance:
        print("max |diff| %.3g over %.3g" % (worst, tolerance))
        return 1
    print("same shape, max |diff| within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
