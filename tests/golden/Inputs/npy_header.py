#!/usr/bin/env python3
"""Prints a .npy file's preamble for FileCheck (python3 stdlib only).

    npy_header.py FILE

Prints the magic, version, header length, the header dict, whether the data
starts on a 64-byte boundary, and the data size in bytes.
"""
import struct
import sys


def main():
    data = open(sys.argv[1], "rb").read()
    major = data[6]
    size = 2 if major == 1 else 4
    length = struct.unpack("<H" if size == 2 else "<I", data[8:8 + size])[0]
    start = 8 + size + length
    print("magic:", data[:6])
    print("version: %d.%d" % (major, data[7]))
    print("header length:", length)
    print("header:", data[8 + size:start].decode("latin-1").rstrip(" \n"))
    print("header ends in newline:", data[start - 1:start] == b"\n")
    print("data offset: %d (%s)" % (start, "aligned to 64" if start % 64 == 0 else "unaligned"))
    print("data bytes:", len(data) - start)


if __name__ == "__main__":
    main()
