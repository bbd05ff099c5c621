#!/usr/bin/python3
"""lgc model YAML -> an equivalent PyTorch module (for benchmarks and cross-checks).

Reads a model file in lgc's format (../shared/SPEC.md section 1) and builds a
torch.nn.Module that computes exactly what lgc computes: every operator with
PyTorch's semantics, `input:` wiring, several inputs and outputs. Layer names
may contain dots (`features.0`), so submodules live in an nn.ModuleDict under
sanitised keys; the module keeps the mapping back to lgc's names so that a
safetensors file keyed by lgc names (`<layer>.weight`, `<layer>.bias`,
`<layer>.running_mean`, `<layer>.running_var`) loads into it.

The forward method is generated Python source (one statement per layer), so
the module runs eagerly without any interpretation overhead and can be
scripted (torch.jit.script) or traced and frozen.

Library use (Debian's /usr/bin/python3 with python3-torch; PyYAML if present):

    import lgc_torch
    m = lgc_torch.build_module("models/resnet18.yaml", batch=1)
    lgc_torch.init_params(m, seed=0)                   # or:
    lgc_torch.load_lgc_safetensors(m, "weights.safetensors")
    outs = m(*lgc_torch.random_inputs(m, seed=0))      # a tensor, or a tuple for several outputs

Command line:

    /usr/bin/python3 tools/lgc_torch.py --selftest [--frozen] [--fixtures DIR] [--only CASE]...
    /usr/bin/python3 tools/lgc_torch.py MODEL.yaml [--weights W.safetensors] [--batch N]

--selftest builds every tests/fixtures/<case>/model.yaml, loads its weights,
runs it on in.<name>.npy and compares with out.<name>.npy (tolerance
1e-5 * max(1, max|expected|)); --frozen also checks the scripted/traced and
frozen module (torch.jit.optimize_for_inference) the benchmark uses.
"""

import argparse
import json
import linecache
import math
import os
import re
import struct
import sys
import warnings
from typing import List

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

try:
    import yaml as _yaml
except ImportError:  # pragma: no cover - Debian has python3-yaml; fall back to a small parser
    _yaml = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --------------------------------------------------------------------------------------------
# Model file
# --------------------------------------------------------------------------------------------

# op -> (required parameters, defaults of the optional ones)
OPS = {
    "Conv2d": (("in_channels", "out_channels", "kernel_size"),
               dict(stride=1, padding=0, dilation=1, groups=1, bias=True, flip=False)),
    "MaxPool2d": (("kernel_size",), dict(stride=None, padding=0, dilation=1, ceil_mode=False)),
    "AvgPool2d": (("kernel_size",), dict(stride=None, padding=0, ceil_mode=False,
                                         count_include_pad=True, divisor_override=None)),
    "AdaptiveAvgPool2d": (("output_size",), {}),
    "BatchNorm2d": (("num_features",), dict(eps=1e-5)),
    "Linear": (("in_features", "out_features"), dict(bias=True)),
    "Flatten": ((), dict(start_dim=1, end_dim=-1)),
    "ReLU": ((), {}), "ReLU6": ((), {}), "Sigmoid": ((), {}), "Tanh": ((), {}),
    "Identity": ((), {}),
    "LeakyReLU": ((), dict(negative_slope=0.01)),
    "Dropout": ((), dict(p=0.5)),
    "Add": ((), {}),
    "Concat": ((), dict(dim=1)),
    "Softmax": ((), dict(dim=1)),
}


def _parse_scalar(s):
    s = s.strip()
    if s == "":
        return None
    if (s[0] == s[-1]) and s[0] in "'\"" and len(s) >= 2:
        return s[1:-1]
    low = s.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("null", "~"):
        return None
    try:
        return int(s, 0) if re.fullmatch(r"[-+]?(0x[0-9a-fA-F]+|\d+)", s) else float(s)
    except ValueError:
        return s


def _split_flow(s):
    """Split a flow collection's body at top-level commas."""
    parts, depth, cur, quote = [], 0, "", None
    for ch in s:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def _parse_flow(s):
    s = s.strip()
    if s.startswith("["):
        return [_parse_flow(p) for p in _split_flow(s[1:-1])]
    if s.startswith("{"):
        out = {}
        for p in _split_flow(s[1:-1]):
            k, _, v = p.partition(":")
            out[k.strip()] = _parse_flow(v)
        return out
    return _parse_scalar(s)


def _strip_comment(line):
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _mini_yaml(text):
    """The block/flow subset lgc's model files use (used only without PyYAML)."""
    doc, key, sub = {}, None, None
    for raw in text.splitlines():
        line = _strip_comment(raw).rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        if indent == 0:
            k, _, v = body.partition(":")
            key = k.strip()
            if v.strip():
                doc[key] = _parse_flow(v)
                sub = None
            else:
                doc[key] = sub = None
            continue
        if body.startswith("- "):
            item = body[2:].strip()
            if sub is None:
                sub = doc[key] = []
            if ":" in item and not item.startswith(("{", "[")):
                k, _, v = item.partition(":")
                sub.append({k.strip(): _parse_flow(v)})
            else:
                sub.append(_parse_flow(item))
        else:
            k, _, v = body.partition(":")
            if sub is None:
                sub = doc[key] = {}
            if isinstance(sub, list):  # continuation of a block mapping list item
                sub[-1][k.strip()] = _parse_flow(v)
            else:
                sub[k.strip()] = _parse_flow(v)
    return doc


def load_yaml(path):
    with open(path) as f:
        text = f.read()
    if _yaml is not None:
        return _yaml.safe_load(text)
    return _mini_yaml(text)


def _pair(v):
    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise ValueError("expected an int or [h, w], got %r" % (v,))
        return (int(v[0]), int(v[1]))
    return (int(v), int(v))


class Model:
    """A parsed lgc model: name, inputs (ordered name -> shape), layers, outputs."""

    def __init__(self, doc, path="<model>"):
        self.path = path
        self.name = doc["model"]
        self.inputs = dict((str(k), [int(d) for d in v]) for k, v in doc["inputs"].items())
        self.layers = []
        prev = None
        seen = set(self.inputs)
        for raw in doc["layers"]:
            layer = dict(raw)
            name, op = str(layer.pop("name")), layer.pop("op")
            if op not in OPS:
                raise ValueError("%s: layer '%s': unknown op '%s'" % (path, name, op))
            inp = layer.pop("input", None)
            if inp is None:
                ins = [prev if prev is not None else next(iter(self.inputs))]
            elif isinstance(inp, list):
                ins = [str(i) for i in inp]
            else:
                ins = [str(inp)]
            for i in ins:
                if i not in seen:
                    raise ValueError("%s: layer '%s' reads '%s', not an earlier name" % (path, name, i))
            required, defaults = OPS[op]
            attrs = dict(defaults)
            for k in required:
                if k not in layer:
                    raise ValueError("%s: layer '%s' (%s) needs '%s'" % (path, name, op, k))
            for k, v in layer.items():
                if k not in required and k not in defaults:
                    raise ValueError("%s: layer '%s' (%s): unknown key '%s'" % (path, name, op, k))
                attrs[k] = v
            self.layers.append(dict(name=name, op=op, inputs=ins, attrs=attrs))
            seen.add(name)
            prev = name
        outs = doc.get("outputs")
        self.outputs = [str(o) for o in outs] if outs else [self.layers[-1]["name"]]


def load_model(path):
    return Model(load_yaml(path), path)


# --------------------------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------------------------


class LgcConv2d(nn.Module):
    """Conv2d with lgc's extras: padding same/valid (asymmetric: the extra element at the
    bottom/right) and flip (true convolution: the stored kernel rotated 180 degrees)."""

    def __init__(self, a):
        super().__init__()
        k, s, d = _pair(a["kernel_size"]), _pair(a["stride"]), _pair(a["dilation"])
        cin, cout, g = int(a["in_channels"]), int(a["out_channels"]), int(a["groups"])
        pad = a["padding"]
        if pad == "valid":
            pad = (0, 0)
        if pad == "same":
            if s != (1, 1):
                raise ValueError("padding same needs stride 1")
            th, tw = d[0] * (k[0] - 1), d[1] * (k[1] - 1)
            # F.pad order: left, right, top, bottom; the extra element at the bottom/right
            extra = [tw // 2, tw - tw // 2, th // 2, th - th // 2]
            if extra[0] == extra[1] and extra[2] == extra[3]:
                pad, extra = (th // 2, tw // 2), [0, 0, 0, 0]
            else:
                pad = (0, 0)
        else:
            pad, extra = _pair(pad), [0, 0, 0, 0]
        self.pre_pad = [int(e) for e in extra]
        self.has_pre_pad = any(self.pre_pad)
        self.flip = bool(a["flip"])
        self.stride, self.padding, self.dilation, self.groups = s, pad, d, g
        self.weight = nn.Parameter(torch.empty(cout, cin // g, k[0], k[1]))
        self.bias = nn.Parameter(torch.empty(cout)) if a["bias"] else None

    def forward(self, x):
        if self.has_pre_pad:
            x = F.pad(x, self.pre_pad)
        w = self.weight
        if self.flip:
            w = torch.flip(w, [2, 3])
        return F.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Add(nn.Module):
    def forward(self, xs: List[torch.Tensor]) -> torch.Tensor:
        y = xs[0]
        for i in range(1, len(xs)):
            y = y + xs[i]
        return y


class Concat(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = int(dim)

    def forward(self, xs: List[torch.Tensor]) -> torch.Tensor:
        return torch.cat(xs, self.dim)


class Flatten(nn.Module):
    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = int(start), int(end)

    def forward(self, x):
        return torch.flatten(x, self.start, self.end)


def make_layer(op, a):
    """The torch module for one lgc layer (parameters left uninitialised)."""
    if op == "Conv2d":
        plain = not a["flip"] and a["padding"] != "same"
        if plain:  # the stock module: exactly PyTorch's eager path
            pad = (0, 0) if a["padding"] == "valid" else _pair(a["padding"])
            return nn.Conv2d(int(a["in_channels"]), int(a["out_channels"]), _pair(a["kernel_size"]),
                             _pair(a["stride"]), pad, _pair(a["dilation"]), int(a["groups"]),
                             bool(a["bias"]))
        return LgcConv2d(a)
    if op == "MaxPool2d":
        k = _pair(a["kernel_size"])
        s = k if a["stride"] is None else _pair(a["stride"])
        return nn.MaxPool2d(k, s, _pair(a["padding"]), _pair(a["dilation"]),
                            ceil_mode=bool(a["ceil_mode"]))
    if op == "AvgPool2d":
        k = _pair(a["kernel_size"])
        s = k if a["stride"] is None else _pair(a["stride"])
        div = a["divisor_override"]
        return nn.AvgPool2d(k, s, _pair(a["padding"]), ceil_mode=bool(a["ceil_mode"]),
                            count_include_pad=bool(a["count_include_pad"]),
                            divisor_override=None if div is None else int(div))
    if op == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(_pair(a["output_size"]))
    if op == "BatchNorm2d":
        return nn.BatchNorm2d(int(a["num_features"]), eps=float(a["eps"]))
    if op == "Linear":
        return nn.Linear(int(a["in_features"]), int(a["out_features"]), bias=bool(a["bias"]))
    if op == "Flatten":
        return Flatten(a["start_dim"], a["end_dim"])
    if op == "ReLU":
        return nn.ReLU()
    if op == "ReLU6":
        return nn.ReLU6()
    if op == "Sigmoid":
        return nn.Sigmoid()
    if op == "Tanh":
        return nn.Tanh()
    if op == "Identity":
        return nn.Identity()
    if op == "LeakyReLU":
        return nn.LeakyReLU(float(a["negative_slope"]))
    if op == "Dropout":
        return nn.Dropout(float(a["p"]))
    if op == "Add":
        return Add()
    if op == "Concat":
        return Concat(a["dim"])
    if op == "Softmax":
        return nn.Softmax(dim=int(a["dim"]))
    raise ValueError("unknown op " + op)


def _ident(name, used):
    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not s or s[0].isdigit():
        s = "_" + s
    base, i = s, 1
    while s in used:
        i += 1
        s = "%s_%d" % (base, i)
    used.add(s)
    return s


class LgcModule(nn.Module):
    """Base of the generated classes; see build_module."""

    def lgc_state(self):
        """lgc tensor name (`<layer>.<param>`) -> the module's parameter or buffer."""
        out = {}
        for lgc_name, key in self.lgc_keys.items():
            for pname, t in self.layers[key].state_dict(keep_vars=True).items():
                if pname == "num_batches_tracked":
                    continue
                out[lgc_name + "." + pname] = t
        return out


_counter = [0]


def _generate_class(model):
    used, keys = set(), {}
    for layer in model.layers:
        keys[layer["name"]] = _ident(layer["name"], used)
    var = {}
    used_vars = set(["self"])
    for name in model.inputs:
        var[name] = _ident("in_" + name, used_vars)
    lines = ["def forward(self, %s):" % ", ".join(var[n] for n in model.inputs)]
    for layer in model.layers:
        v = _ident("v_" + layer["name"], used_vars)
        args = [var[i] for i in layer["inputs"]]
        call = "self.layers.%s" % keys[layer["name"]]
        if layer["op"] in ("Add", "Concat"):
            lines.append("    %s = %s([%s])" % (v, call, ", ".join(args)))
        else:
            if len(args) != 1:
                raise ValueError("layer '%s' (%s) takes one input" % (layer["name"], layer["op"]))
            lines.append("    %s = %s(%s)" % (v, call, args[0]))
        var[layer["name"]] = v
    outs = [var[o] for o in model.outputs]
    lines.append("    return " + (outs[0] if len(outs) == 1 else "(%s)" % ", ".join(outs)))
    src = "\n".join(lines) + "\n"
    # Register the source so that torch.jit.script (inspect.getsource) can read it.
    _counter[0] += 1
    fname = "<lgc_torch %s #%d>" % (model.name, _counter[0])
    linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
    ns = {"torch": torch}
    exec(compile(src, fname, "exec"), ns)
    cls = type("Lgc_" + re.sub(r"\W", "_", model.name), (LgcModule,), {"forward": ns["forward"]})
    return cls, keys, src


def build_module(model, batch=None):
    """An eval-mode torch module equivalent to the lgc model (a path or a Model).
    Parameters are uninitialised: call init_params or load_lgc_safetensors."""
    if not isinstance(model, Model):
        model = load_model(model)
    cls, keys, src = _generate_class(model)
    m = cls()
    m.layers = nn.ModuleDict()
    for layer in model.layers:
        m.layers[keys[layer["name"]]] = make_layer(layer["op"], layer["attrs"])
    m.lgc_model = model
    m.lgc_keys = keys  # lgc layer name -> ModuleDict key
    m.lgc_source = src
    m.input_shapes = dict((n, list(s)) for n, s in model.inputs.items())
    if batch is not None:
        for s in m.input_shapes.values():
            s[0] = int(batch)
    m.eval()
    for p in m.parameters():
        p.requires_grad_(False)
    return m


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "BF16": None}


def read_safetensors(path):
    """name -> numpy array (float32); a tiny reader: 8-byte LE header length, JSON, data."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError("%s: header length %d past the end of the file" % (path, n))
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = memoryview(blob)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, shape, (b, e) = info["dtype"], info["shape"], info["data_offsets"]
        if e > len(data) or b > e:
            raise ValueError("%s: tensor '%s': offsets [%d, %d) past the end" % (path, name, b, e))
        if dtype == "BF16":
            raw = np.frombuffer(data[b:e], dtype="<u2").astype(np.uint32) << 16
            arr = raw.view(np.float32)
        elif dtype in _DTYPES:
            arr = np.frombuffer(data[b:e], dtype=np.dtype(_DTYPES[dtype]).newbyteorder("<"))
        else:
            raise ValueError("%s: tensor '%s': unsupported dtype %s" % (path, name, dtype))
        count = int(np.prod(shape)) if shape else 1
        if arr.size != count:
            raise ValueError("%s: tensor '%s': %d bytes for shape %s" % (path, name, e - b, shape))
        out[name] = arr.astype(np.float32).reshape(shape)
    return out


def write_safetensors(path, tensors):
    """Write name -> tensor/array as an F32 safetensors file (names sorted, data 8-aligned)."""
    header, chunks, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        arr = np.ascontiguousarray(t.detach().cpu().numpy() if torch.is_tensor(t) else t, dtype="<f4")
        b = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in chunks:
            f.write(b)


def load_lgc_safetensors(module, path, strict=True):
    """Copy a safetensors file keyed by lgc names into the module. Missing or misshapen
    tensors are errors (strict) ; unused tensors are returned as a list."""
    tensors = read_safetensors(path)
    state = module.lgc_state()
    for name, t in state.items():
        if name not in tensors:
            if strict:
                raise KeyError("%s: missing tensor '%s'" % (path, name))
            continue
        arr = tensors[name]
        if list(arr.shape) != list(t.shape):
            raise ValueError("%s: tensor '%s' has shape %s, expected %s"
                             % (path, name, list(arr.shape), list(t.shape)))
        with torch.no_grad():
            t.copy_(torch.from_numpy(np.ascontiguousarray(arr)))
    return sorted(set(tensors) - set(state))


def init_params(module, seed=0):
    """Seeded random parameters: uniform +-1/sqrt(fan_in) for weights and biases (as PyTorch
    initialises), BatchNorm weight in [0.5, 1.5), bias and mean in [-0.1, 0.1), var in [0.5, 1.5)."""
    g = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for name, t in sorted(module.lgc_state().items()):
            key = module.lgc_keys[name.rsplit(".", 1)[0]]
            layer, pname = module.layers[key], name.rsplit(".", 1)[1]
            if isinstance(layer, nn.BatchNorm2d):
                lo, hi = {"weight": (0.5, 1.5), "running_var": (0.5, 1.5)}.get(pname, (-0.1, 0.1))
            else:
                w = layer.weight
                fan_in = int(np.prod(w.shape[1:]))
                bound = 1.0 / math.sqrt(max(1, fan_in))
                lo, hi = -bound, bound
            t.copy_(torch.rand(t.shape, generator=g) * (hi - lo) + lo)
    return module


def random_inputs(module, seed=0):
    """Seeded inputs uniform in [-1, 1), in model input order."""
    g = torch.Generator().manual_seed(int(seed))
    return [torch.rand(s, generator=g) * 2 - 1 for s in module.input_shapes.values()]


def _max_rel_err(a, b):
    a, b = _as_tuple(a), _as_tuple(b)
    worst = 0.0
    for x, y in zip(a, b):
        if x.shape != y.shape:
            return float("inf")
        if x.numel():
            d = float((x - y).abs().max()) / max(1.0, float(y.abs().max()))
            worst = max(worst, d if d == d else float("inf"))
    return worst


def freeze(module, example_inputs, tol=1e-4, runs=3):
    """The fastest correct frozen TorchScript form of the module: torch.jit.optimize_for_inference
    of the scripted module (else the traced one). Each candidate is run `runs` times (the
    profiling executor specialises after a couple of runs) and its output compared with eager
    mode's (tolerance tol * max(1, max|eager|)); a candidate that fails or disagrees is dropped
    in favour of the next: optimize_for_inference, then plain torch.jit.freeze. (PyTorch 1.13's
    optimize_for_inference is wrong for ReLU6 on some MKLDNN-converted convolutions and fails on
    AdaptiveAvgPool2d with non-divisible sizes.)

    Returns (frozen module, how, note): how is 'script+ofi', 'script+freeze', 'trace+ofi' or
    'trace+freeze'; note says why earlier candidates were dropped ('' when the first one won)."""
    with warnings.catch_warnings():
        # PyTorch 1.13's MKLDNN path warns about resizing its own outputs; not ours to fix
        warnings.filterwarnings("ignore", message="An output with one or more elements was resized")
        return _freeze(module, tuple(example_inputs), tol, runs)


def _freeze(module, xs, tol, runs):
    with torch.no_grad():
        expected = module(*xs)
    notes = []
    bases = []
    try:
        bases.append(("script", torch.jit.script(module)))
    except Exception as e:  # noqa: BLE001 - report any scripting failure and trace instead
        notes.append("script failed: %s" % str(e).strip().splitlines()[0][:100])
    if not bases:
        bases.append(("trace", torch.jit.trace(module, xs, check_trace=False)))
    for how, base in bases:
        for step in ("ofi", "freeze"):
            try:
                frozen = torch.jit.freeze(base.eval())
                if step == "ofi":
                    frozen = torch.jit.optimize_for_inference(frozen)
                with torch.no_grad():
                    for _ in range(runs):
                        y = frozen(*xs)
                err = _max_rel_err(y, expected)
                if err <= tol:
                    return frozen, how + "+" + step, "; ".join(notes)
                notes.append("%s+%s wrong (error %.2g)" % (how, step, err))
            except Exception as e:  # noqa: BLE001
                msg = [l for l in str(e).strip().splitlines() if "Error" in l] or str(e).strip().splitlines()
                notes.append("%s+%s failed: %s" % (how, step, msg[-1].strip()[:100]))
    raise RuntimeError("no frozen form works: " + "; ".join(notes))


# --------------------------------------------------------------------------------------------
# Self-test against the committed fixtures
# --------------------------------------------------------------------------------------------


def _as_tuple(y):
    return y if isinstance(y, tuple) else (y,)


def check_fixture(d, frozen=False, tol=1e-5):
    """Returns (ok, max relative error, message)."""
    m = build_module(os.path.join(d, "model.yaml"))
    w = os.path.join(d, "weights.safetensors")
    if os.path.exists(w):
        unused = load_lgc_safetensors(m, w)
        if unused:
            return False, float("inf"), "unused tensors: %s" % unused
    elif m.lgc_state():
        return False, float("inf"), "model has parameters but no weights file"
    model = m.lgc_model
    xs = []
    for name in model.inputs:
        x = np.load(os.path.join(d, "in.%s.npy" % name))
        if list(x.shape) != model.inputs[name]:
            return False, float("inf"), "in.%s.npy shape %s != %s" % (name, x.shape, model.inputs[name])
        xs.append(torch.from_numpy(x))
    expected = {}
    for f in os.listdir(d):
        if f.startswith("out.") and f.endswith(".npy"):
            expected[f[4:-4]] = np.load(os.path.join(d, f))
    if sorted(expected) != sorted(model.outputs):
        return False, float("inf"), "outputs %s but out.*.npy for %s" % (model.outputs, sorted(expected))
    runs, notes = [], []
    with torch.no_grad():
        runs.append(("eager", _as_tuple(m(*xs))))
        if frozen:
            fm, how, note = freeze(m, xs)
            if note:
                notes.append("frozen: %s, used %s" % (note, how))
            for _ in range(3):  # the profiling executor specialises after a couple of runs
                y = fm(*xs)
            runs.append(("frozen-" + how, _as_tuple(y)))
    worst, msgs = 0.0, []
    for kind, ys in runs:
        for name, y in zip(model.outputs, ys):
            e = expected[name]
            y = y.numpy()
            if y.shape != e.shape:
                return False, float("inf"), "%s output %s shape %s != %s" % (kind, name, y.shape, e.shape)
            err = float(np.max(np.abs(y - e))) / max(1.0, float(np.max(np.abs(e)))) if e.size else 0.0
            worst = max(worst, err)
            if not err <= tol:
                msgs.append("%s output %s: error %.3g" % (kind, name, err))
    return not msgs, worst, "; ".join(msgs + notes)


def selftest(fixtures, only=(), frozen=False):
    cases = sorted(c for c in os.listdir(fixtures) if os.path.isfile(os.path.join(fixtures, c, "model.yaml")))
    if only:
        cases = [c for c in cases if c in only]
    torch.set_num_threads(1)
    failed, worst = [], 0.0
    for c in cases:
        try:
            ok, err, msg = check_fixture(os.path.join(fixtures, c), frozen=frozen)
        except Exception as e:  # noqa: BLE001 - a broken case is a failure, keep going
            ok, err, msg = False, float("inf"), "%s: %s" % (type(e).__name__, e)
        worst = max(worst, err)
        print("%-4s %-32s max rel err %.2e%s" % ("ok" if ok else "FAIL", c, err, "  " + msg if msg else ""))
        if not ok:
            failed.append(c)
    print("%d/%d fixtures pass (tolerance 1e-5 * max(1, max|expected|)%s); worst error %.2e"
          % (len(cases) - len(failed), len(cases), ", eager and frozen" if frozen else ", eager", worst))
    return 1 if failed or not cases else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", help="model YAML: build, run once, print output shapes")
    ap.add_argument("--selftest", action="store_true", help="check every fixture in --fixtures")
    ap.add_argument("--frozen", action="store_true", help="with --selftest: also the frozen module")
    ap.add_argument("--fixtures", default=os.path.join(ROOT, "tests", "fixtures"))
    ap.add_argument("--only", action="append", default=[], help="with --selftest: this case (repeats)")
    ap.add_argument("--weights", help="safetensors keyed by lgc names (default: seeded values)")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show-source", action="store_true", help="print the generated forward()")
    args = ap.parse_args(argv)
    if args.selftest:
        return selftest(args.fixtures, args.only, args.frozen)
    if not args.model:
        ap.error("give a model, or --selftest")
    m = build_module(args.model, batch=args.batch)
    if args.weights:
        for name in load_lgc_safetensors(m, args.weights):
            print("warning: unused tensor '%s'" % name, file=sys.stderr)
    else:
        init_params(m, args.seed)
    if args.show_source:
        print(m.lgc_source)
    with torch.no_grad():
        ys = _as_tuple(m(*random_inputs(m, args.seed)))
    for name, y in zip(m.lgc_model.outputs, ys):
        print("%s: %s" % (name, list(y.shape)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
