"""safetensors files (SPEC section 2) read and written by hand, with the standard library and numpy.

A file is an 8-byte little-endian header length, a JSON header (name -> dtype,
shape, data_offsets, padded with spaces to a multiple of 8 bytes), then the
raw little-endian data. lgc reads F32; this module writes F32 only and reads
F32, F64, F16 and BF16 (as float32). PyTorch is not imported: a torch.Tensor
passed to write_safetensors is recognised by its `detach` method.
"""

import json
import os
import struct

import numpy as np

_NUMPY_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}


def _as_float32(value):
    """A tensor or array-like as a C-contiguous little-endian float32 array (0-d stays 0-d)."""
    if hasattr(value, "detach"):  # a torch.Tensor
        value = value.detach().cpu().float().numpy()
    return np.asarray(value, dtype="<f4", order="C")


def write_safetensors(path, tensors):
    """Writes {name: tensor or array} as an F32 safetensors file, in the mapping's order.

    The header is compact JSON (no spaces); the data follow without gaps. The file
    appears complete or not at all (written beside it, then renamed).
    """
    header, arrays, offset = {}, [], 0
    for name, value in tensors.items():
        array = _as_float32(value)
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        arrays.append(array)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for array in arrays:
                f.write(memoryview(array.reshape(-1)).cast("B"))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _read_raw(path):
    """(header without __metadata__, header length, data bytes) of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError("%s: header length %d past the end of the file" % (path, n))
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    return header, n, memoryview(blob)[8 + n:]


def _decode(path, name, info, data):
    dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
    if end > len(data) or begin > end:
        raise ValueError("%s: tensor '%s': offsets [%d, %d) past the end" % (path, name, begin, end))
    if dtype == "BF16":
        array = (np.frombuffer(data[begin:end], dtype="<u2").astype(np.uint32) << 16).view(np.float32)
    elif dtype in _NUMPY_DTYPES:
        array = np.frombuffer(data[begin:end], dtype=_NUMPY_DTYPES[dtype])
    else:
        raise ValueError("%s: tensor '%s': unsupported dtype %s" % (path, name, dtype))
    count = int(np.prod(shape)) if shape else 1
    if array.size != count:
        raise ValueError("%s: tensor '%s': %d bytes for shape %s" % (path, name, end - begin, shape))
    return array.astype(np.float32).reshape(shape)


def read_safetensors(path):
    """{name: float32 numpy array (a writable copy)} in the header's order."""
    header, _, data = _read_raw(path)
    return {name: _decode(path, name, info, data) for name, info in header.items()}


def check_layout(path):
    """Raises ValueError unless the file is laid out as write_safetensors lays it out:
    header padded to 8 bytes, F32 only, tensors back to back with no gap, overlap or
    trailing byte."""
    header, n, data = _read_raw(path)
    if n % 8:
        raise ValueError("%s: header length %d is not a multiple of 8" % (path, n))
    spans = []
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError("%s: tensor '%s' is %s, not F32" % (path, name, info["dtype"]))
        _decode(path, name, info, data)
        spans.append(tuple(info["data_offsets"]))
    position = 0
    for begin, end in sorted(spans):
        if begin != position:
            raise ValueError("%s: gap or overlap at byte %d of the data" % (path, begin))
        position = end
    if position != len(data):
        raise ValueError("%s: %d trailing bytes" % (path, len(data) - position))
