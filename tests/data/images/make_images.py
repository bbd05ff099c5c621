#!/usr/bin/env python3
"""Writes the small test images in this directory (run it here; the images are committed).

PNG and BMP are built byte by byte with the standard library (zlib, struct), so
their pixels are exactly the values below; the JPEGs need Pillow
(/usr/bin/python3 on Debian: python3-pil) and are lossy, so tests check them
approximately. ImageTest.cpp and tests/golden/images/ assert these values.
"""
import struct
import sys
import zlib

# 4x4 grayscale: row y, column x holds 64*y + 16*x + 5.
GRAY4 = [[64 * y + 16 * x + 5 for x in range(4)] for y in range(4)]
# 3 wide, 2 high, RGB.
RGB32 = [[(255, 0, 0), (0, 255, 0), (0, 0, 255)],
         [(10, 20, 30), (40, 50, 60), (70, 80, 90)]]
# 2x2 RGBA: the alpha values must be dropped, not blended.
RGBA22 = [[(1, 2, 3, 0), (4, 5, 6, 128)],
          [(7, 8, 9, 255), (250, 251, 252, 7)]]
# 2x2 grayscale + alpha.
GA22 = [[(11, 0), (22, 50)], [(33, 100), (44, 255)]]
# 2x1 16-bit grayscale (stb keeps the high byte: 0x12, 0xff).
GRAY16 = [[0x1234, 0xFF00]]


def png(path, rows, color_type, bit_depth=8):
    """color_type: 0 gray, 2 RGB, 4 gray+alpha, 6 RGBA."""
    height, width = len(rows), len(rows[0])
    raw = b""
    for row in rows:
        raw += b"\x00"  # filter: none
        for px in row:
            px = px if isinstance(px, tuple) else (px,)
            for v in px:
                raw += struct.pack(">H", v) if bit_depth == 16 else bytes([v])

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) +
            chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(data)


def bmp24(path, rows):
    """A 24-bit BITMAPINFOHEADER BMP, stored bottom-up, rows padded to 4 bytes."""
    height, width = len(rows), len(rows[0])
    stride = (width * 3 + 3) // 4 * 4
    pixels = b""
    for row in reversed(rows):
        line = b"".join(bytes([b, g, r]) for (r, g, b) in row)
        pixels += line + b"\x00" * (stride - len(line))
    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    offset = 14 + len(header)
    with open(path, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + header + pixels)


def jpegs():
    from PIL import Image  # only here: the lossless files need nothing but the stdlib
    Image.new("RGB", (8, 8), (200, 100, 50)).save("solid8x8.jpg", quality=95)
    gray = Image.new("L", (8, 8))
    gray.putdata([16 * (i % 8) + 60 for i in range(64)])  # columns 60, 76, ..., 172
    gray.save("gray8x8.jpg", quality=95)


if __name__ == "__main__":
    png("gray4x4.png", GRAY4, 0)
    png("rgb3x2.png", RGB32, 2)
    png("rgba2x2.png", RGBA22, 6)
    png("graya2x2.png", GA22, 4)
    png("gray16_2x1.png", GRAY16, 0, bit_depth=16)
    bmp24("rgb3x2.bmp", RGB32)
    if "--no-jpeg" not in sys.argv:
        jpegs()
