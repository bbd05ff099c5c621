#!/usr/bin/env python3
"""print_npy.py FILE.npy: the shape, then the values of a little-endian float32 .npy file,
one line per row of the last dimension, each value as %.6g (python3 standard library only)."""
import ast
import struct
import sys

data = open(sys.argv[1], "rb").read()
assert data[:6] == b"\x93NUMPY", "not a .npy file"
header_len = struct.unpack("<H", data[8:10])[0]
header = ast.literal_eval(data[10:10 + header_len].decode("latin1"))
assert header["descr"] == "<f4" and not header["fortran_order"], header
shape = header["shape"]
body = data[10 + header_len:]
values = struct.unpack("<%df" % (len(body) // 4), body)
print("shape", list(shape))
width = shape[-1] if shape else 1
for i in range(0, len(values), width):
    print(" ".join("%.6g" % v for v in values[i:i + width]))
