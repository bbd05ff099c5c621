#!/usr/bin/env python3
"""Writes a small .npy file for the golden tests (python3 stdlib only).

    make_npy.py OUT DESCR SHAPE [--fortran] [--data-bytes N]

DESCR is the dtype string ('<f4', '<f8', '>f4', ...), SHAPE as 1x3x8x8; the
data is zeros of the dtype's size unless --data-bytes says otherwise.
"""
import struct
import sys


def main():
    out, descr, shape = sys.argv[1:4]
    dims = [int(d) for d in shape.split("x")]
    fortran = "--fortran" in sys.argv
    count = 1
    for d in dims:
        count *= d
    nbytes = count * int(descr[2:])
    if "--data-bytes" in sys.argv:
        nbytes = int(sys.argv[sys.argv.index("--data-bytes") + 1])
    tup = "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"
    text = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", tup)
    text += " " * (63 - (10 + len(text)) % 64) + "\n"
    with open(out, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode() + bytes(nbytes))


if __name__ == "__main__":
    main()
