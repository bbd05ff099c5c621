#!/usr/bin/env python3
"""flip_bytes.py IN OUT OFFSET [COUNT]: copies IN to OUT with COUNT bytes (default 1)
from OFFSET inverted, to make a corrupt file from a good one."""
import sys

data = bytearray(open(sys.argv[1], "rb").read())
offset = int(sys.argv[3])
for i in range(offset, offset + (int(sys.argv[4]) if len(sys.argv) > 4 else 1)):
    data[i] ^= 0xFF
open(sys.argv[2], "wb").write(bytes(data))
