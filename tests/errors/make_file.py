#!/usr/bin/env python3
"""Writes the binary inputs of docs/errors.md that the golden helpers do not.

    make_file.py npy OUT HEADER [--data-bytes N]
        a .npy v1.0 file whose header is HEADER, verbatim (padded with spaces
        and a newline to 64 bytes, as NumPy does), then N zero bytes (0);
    make_file.py bmp OUT WIDTH HEIGHT
        an uncompressed 24-bit BMP of WIDTH x HEIGHT black pixels.

python3 standard library only.
"""
import struct
import sys


def npy(out, header, data_bytes=0):
    text = header.encode("latin-1")
    text += b" " * (63 - (10 + len(text)) % 64) + b"\n"
    with open(out, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + bytes(data_bytes))


def bmp(out, width, height):
    row = (width * 3 + 3) // 4 * 4
    pixels = bytes(row * height)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    head = struct.pack("<2sIHHI", b"BM", 14 + len(info) + len(pixels), 0, 0, 14 + len(info))
    with open(out, "wb") as f:
        f.write(head + info + pixels)


def main(argv):
    if len(argv) >= 3 and argv[0] == "npy":
        data = int(argv[argv.index("--data-bytes") + 1]) if "--data-bytes" in argv else 0
        npy(argv[1], argv[2], data)
    elif len(argv) == 4 and argv[0] == "bmp":
        bmp(argv[1], int(argv[2]), int(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
