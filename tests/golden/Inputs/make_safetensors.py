#!/usr/bin/env python3
"""Writes a small safetensors file for the golden tests (python3 stdlib only).

    make_safetensors.py OUT NAME:DTYPE:SHAPE... [--header JSON] [--data-bytes N]
                        [--header-len N]

NAME:DTYPE:SHAPE is a tensor laid out after the previous one, SHAPE as 4x3x3x3
(or "scalar" for []); its data is 0.0, 1.0, 2.0, ... in the dtype's size.
--header JSON replaces the generated header text (to write bad offsets);
--data-bytes N makes the data section N bytes long (to cut it short);
--header-len N writes N as the header length (to point past the end of file).
"""
import json
import struct
import sys

SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1}


def parse_args(argv):
    out, tensors, opts = argv[0], [], {}
    i = 1
    while i < len(argv):
        if argv[i].startswith("--"):
            opts[argv[i][2:]] = argv[i + 1]
            i += 2
        else:
            name, dtype, shape = argv[i].rsplit(":", 2)
            dims = [] if shape == "scalar" else [int(d) for d in shape.split("x")]
            tensors.append((name, dtype, dims))
            i += 1
    return out, tensors, opts


def build(tensors):
    header, data = {}, b""
    for name, dtype, dims in tensors:
        count = 1
        for d in dims:
            count *= d
        if dtype == "F32":
            blob = struct.pack("<%df" % count, *range(count))
        else:
            blob = bytes(count * SIZES[dtype])
        header[name] = {"dtype": dtype, "shape": dims,
                        "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    return json.dumps(header, separators=(",", ":")), data


def main():
    out, tensors, opts = parse_args(sys.argv[1:])
    text, data = build(tensors)
    text = opts.get("header", text).encode()
    if "data-bytes" in opts:
        n = int(opts["data-bytes"])
        data = (data + bytes(max(0, n - len(data))))[:n]
    length = int(opts.get("header-len", len(text)))
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", length) + text + data)


if __name__ == "__main__":
    main()
