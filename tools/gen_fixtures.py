#!/usr/bin/python3
"""Generate lgc's golden test fixtures from PyTorch.

Every case is a small model described once (inputs, layers, outputs) in this
file.  From that description the script builds a torch.nn.Module (eval mode)
whose sub-modules have exactly the YAML layer names, so that its state_dict
keys are the tensor names lgc expects (SPEC section 2), runs it on seeded
random inputs and writes, into <outdir>/<case>/:

    model.yaml            the lgc model (SPEC section 1), one layer per line
    weights.safetensors   the parameters, only if the model has any
    in.<input>.npy        one per model input, float32, uniform in [-1, 1]
    out.<output>.npy      PyTorch's float32 result for each model output

Then it checks its own output: it re-reads model.yaml (with PyYAML, when
installed) and compares it with the description, re-parses the safetensors
file (header length, alignment, dtype, shapes, offsets), loads those tensors
into a freshly built module, re-runs it on the .npy inputs and requires the
very same outputs; it also checks every layer's shape against the output-size
formula of SPEC section 1 and that each case hits the edge cases it claims.

Run (from the repository root; needs Debian's python3-torch and numpy):

    /usr/bin/python3 tools/gen_fixtures.py                 # all cases -> tests/fixtures/
    /usr/bin/python3 tools/gen_fixtures.py OUTDIR          # all cases -> OUTDIR/
    /usr/bin/python3 tools/gen_fixtures.py --only conv_k3  # one case (repeatable)
    /usr/bin/python3 tools/gen_fixtures.py --list          # list the cases
    /usr/bin/python3 tools/gen_fixtures.py --check-models  # check models/*.yaml against
                                                           # torchvision (alexnet, resnet18)
                                                           # and a hand-written LeNet-5

Deterministic: every case seeds torch with a fixed seed derived from its name
and torch runs single-threaded.  The script only ever writes (or empties) the
directories <outdir>/<case>/ of the cases it generates; it deletes nothing
else.  --check-models writes nothing; it needs python3-torchvision.
"""

import argparse
import json
import os
import re
import struct
import sys
import warnings
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "tests", "fixtures")

# --------------------------------------------------------------------------
# The SPEC's operator table: allowed keys (besides name, op, input), required
# keys and defaults.
# --------------------------------------------------------------------------

OPS = {
    "Conv2d": dict(
        required=["in_channels", "out_channels", "kernel_size"],
        defaults=dict(stride=1, padding=0, dilation=1, groups=1, bias=True, flip=False)),
    "MaxPool2d": dict(
        required=["kernel_size"],
        defaults=dict(stride=None, padding=0, dilation=1, ceil_mode=False)),
    "AvgPool2d": dict(
        required=["kernel_size"],
        defaults=dict(stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                      divisor_override=None)),
    "AdaptiveAvgPool2d": dict(required=["output_size"], defaults={}),
    "BatchNorm2d": dict(required=["num_features"], defaults=dict(eps=1e-5)),
    "Linear": dict(required=["in_features", "out_features"], defaults=dict(bias=True)),
    "Flatten": dict(required=[], defaults=dict(start_dim=1, end_dim=-1)),
    "ReLU": dict(required=[], defaults={}),
    "ReLU6": dict(required=[], defaults={}),
    "Sigmoid": dict(required=[], defaults={}),
    "Tanh": dict(required=[], defaults={}),
    "Identity": dict(required=[], defaults={}),
    "LeakyReLU": dict(required=[], defaults=dict(negative_slope=0.01)),
    "Dropout": dict(required=[], defaults=dict(p=0.5)),
    "Add": dict(required=[], defaults={}),
    "Concat": dict(required=[], defaults=dict(dim=1)),
    "Softmax": dict(required=[], defaults=dict(dim=1)),
}

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def L(name, op, **params):
    """One layer: name, op, then the SPEC parameters (and optionally input)."""
    d = {"name": name, "op": op}
    if "input" in params:
        d["input"] = params.pop("input")
    d.update(params)
    return d


class Case:
    def __init__(self, name, comment, inputs, layers, outputs=None, init=None, hits=()):
        self.name = name
        self.comment = comment
        self.inputs = inputs            # {name: shape}, in order
        self.layers = layers            # [L(...), ...]
        self.outputs = outputs          # None: SPEC default (the last layer)
        self.init = init                # optional callable(module) after the default init
        self.hits = set(hits)           # edge-case events the shape check must see

    @property
    def output_names(self):
        return list(self.outputs) if self.outputs else [self.layers[-1]["name"]]

    @property
    def seed(self):
        return zlib.crc32(self.name.encode()) & 0x7FFFFFFF


# --------------------------------------------------------------------------
# Validation of a description against the SPEC (keys, types, references).
# --------------------------------------------------------------------------

def _is_pair(v):
    return (isinstance(v, int) and not isinstance(v, bool)) or (
        isinstance(v, list) and len(v) == 2 and all(isinstance(e, int) and not isinstance(e, bool) for e in v))


def validate(case):
    assert IDENT.match(case.name), case.name
    assert case.inputs, case.name
    seen = set()
    for n, shp in case.inputs.items():
        assert IDENT.match(n), n
        assert isinstance(shp, list) and len(shp) in (2, 4), (case.name, n, shp)
        seen.add(n)
    for i, layer in enumerate(case.layers):
        name, op = layer["name"], layer["op"]
        where = "%s: layer %s" % (case.name, name)
        assert op in OPS, where
        assert name not in seen, where + ": duplicate name"
        assert re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", name), where
        spec = OPS[op]
        for k in layer:
            if k in ("name", "op", "input"):
                continue
            assert k in spec["required"] or k in spec["defaults"], "%s: unknown key %s" % (where, k)
        for k in spec["required"]:
            assert k in layer, "%s: missing %s" % (where, k)
        if "input" in layer:
            refs = layer["input"] if isinstance(layer["input"], list) else [layer["input"]]
            for r in refs:
                assert r in seen, "%s: input %s is not an earlier name" % (where, r)
        elif i == 0:
            assert len(case.inputs) == 1, where + ": first layer of a multi-input model needs input:"
        if op in ("Add", "Concat"):
            assert isinstance(layer.get("input"), list) and len(layer["input"]) >= 2, where
        for k in ("kernel_size", "stride", "dilation", "output_size"):
            if k in layer and layer[k] is not None:
                assert _is_pair(layer[k]), where + ": " + k
        if "padding" in layer:
            assert _is_pair(layer["padding"]) or (op == "Conv2d" and layer["padding"] in ("same", "valid")), where
        for k in ("bias", "flip", "ceil_mode", "count_include_pad"):
            if k in layer:
                assert isinstance(layer[k], bool), where + ": " + k
        for k in ("eps", "negative_slope", "p"):
            if k in layer:
                assert isinstance(layer[k], float), where + ": " + k
        seen.add(name)
    for o in case.output_names:
        assert o in seen and o not in case.inputs, case.name + ": output " + o


# --------------------------------------------------------------------------
# YAML writer (flow style, one layer per line; only SPEC keys).
# --------------------------------------------------------------------------

_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def yscalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        s = repr(v)
        if "e" in s or "E" in s or "inf" in s or "nan" in s:
            s = ("%.12f" % v).rstrip("0")
            if s.endswith("."):
                s += "0"
        assert float(s) == v and "." in s, v
        return s
    if isinstance(v, str):
        if re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", v) and v.lower() not in _YAML_WORDS:
            return v
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(yscalar(e) for e in v) + "]"
    raise TypeError(repr(v))


def to_yaml(case):
    lines = ["# " + case.comment, "model: " + case.name, "inputs:"]
    for n, shp in case.inputs.items():
        lines.append("  %s: %s" % (n, yscalar(shp)))
    lines.append("layers:")
    for layer in case.layers:
        lines.append("  - {" + ", ".join("%s: %s" % (k, yscalar(v)) for k, v in layer.items()) + "}")
    if case.outputs:
        lines.append("outputs: " + yscalar(list(case.outputs)))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Shape inference exactly as SPEC section 1 states it (an independent check
# of PyTorch's shapes, and of the edge cases each case claims to cover).
# --------------------------------------------------------------------------

def _pair(v):
    return list(v) if isinstance(v, (list, tuple)) else [v, v]


def _pool_out(n, k, s, p, d, ceil, ev):
    num = n + 2 * p - d * (k - 1) - 1
    fl = num // s + 1
    if not ceil:
        return fl
    out = -(-num // s) + 1
    if (out - 1) * s >= n + p:
        out -= 1
        ev.add("ceil_drop")
    if out > fl:
        ev.add("ceil_partial")
    return out


def infer_shapes(case):
    """{name: shape} for inputs and layers, plus the set of edge-case events."""
    shapes = dict((n, list(s)) for n, s in case.inputs.items())
    ev = set()
    prev = next(iter(case.inputs)) if len(case.inputs) == 1 else None
    for layer in case.layers:
        op, name = layer["op"], layer["name"]
        a = dict(OPS[op]["defaults"])
        a.update({k: v for k, v in layer.items() if k not in ("name", "op", "input")})
        src = layer.get("input", prev)
        srcs = src if isinstance(src, list) else [src]
        ins = [shapes[s] for s in srcs]
        x = ins[0]
        if op == "Conv2d":
            assert len(x) == 4 and x[1] == a["in_channels"], (name, x)
            assert a["in_channels"] % a["groups"] == 0 and a["out_channels"] % a["groups"] == 0, name
            k, s, d = _pair(a["kernel_size"]), _pair(a["stride"]), _pair(a["dilation"])
            out = [x[0], a["out_channels"]]
            for ax in range(2):
                n = x[2 + ax]
                if a["padding"] == "same":
                    assert s[ax] == 1, name
                    tot = d[ax] * (k[ax] - 1)
                    if tot % 2:
                        ev.add("same_asym")
                    out.append(n)
                    continue
                p = 0 if a["padding"] == "valid" else _pair(a["padding"])[ax]
                out.append((n + 2 * p - d[ax] * (k[ax] - 1) - 1) // s[ax] + 1)
            if a["flip"]:
                ev.add("flip")
        elif op in ("MaxPool2d", "AvgPool2d"):
            k = _pair(a["kernel_size"])
            s = _pair(a["stride"]) if a["stride"] is not None else k
            p = _pair(a["padding"])
            d = _pair(a.get("dilation", 1))
            out = [x[0], x[1]]
            for ax in range(2):
                assert p[ax] <= k[ax] // 2, name
                n = x[2 + ax]
                o = _pool_out(n, k[ax], s[ax], p[ax], d[ax], a["ceil_mode"], ev)
                if op == "AvgPool2d":
                    last_end = (o - 1) * s[ax] - p[ax] + k[ax]
                    if last_end > n + p[ax]:
                        ev.add("avg_window_past_pad")
                    if p[ax] > 0:
                        ev.add("avg_pad")
                out.append(o)
        elif op == "AdaptiveAvgPool2d":
            o = _pair(a["output_size"])
            out = [x[0], x[1], o[0], o[1]]
            for ax in range(2):
                if x[2 + ax] % o[ax]:
                    ev.add("adaptive_uneven")
        elif op == "BatchNorm2d":
            assert x[1] == a["num_features"], name
            out = list(x)
        elif op == "Linear":
            assert x[-1] == a["in_features"], (name, x)
            out = x[:-1] + [a["out_features"]]
        elif op == "Flatten":
            r = len(x)
            sd, ed = a["start_dim"] % r, a["end_dim"] % r
            out = x[:sd] + [int(np.prod(x[sd:ed + 1]))] + x[ed + 1:]
        elif op == "Add":
            assert all(i == x for i in ins), name
            out = list(x)
        elif op == "Concat":
            dim = a["dim"] % len(x)
            for i in ins:
                assert len(i) == len(x) and all(i[j] == x[j] for j in range(len(x)) if j != dim), name
            out = list(x)
            out[dim] = sum(i[dim] for i in ins)
        else:
            out = list(x)
        assert all(v > 0 for v in out), (name, out)
        shapes[name] = out
        prev = name
    return shapes, ev


# --------------------------------------------------------------------------
# The PyTorch module built from a description.
# --------------------------------------------------------------------------

class FlipConv2d(nn.Conv2d):
    """Conv2d with flip: true: true convolution, the stored kernel rotated 180 degrees."""

    def forward(self, x):
        return F.conv2d(x, torch.flip(self.weight, [2, 3]), self.bias, self.stride,
                        self.padding, self.dilation, self.groups)


class AddN(nn.Module):
    def forward(self, *xs):
        y = xs[0]
        for t in xs[1:]:
            y = y + t
        return y


class Concat(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, *xs):
        return torch.cat(xs, self.dim)


def _t(v):
    return tuple(v) if isinstance(v, list) else v


def make_layer(layer):
    a = dict(OPS[layer["op"]]["defaults"])
    a.update({k: v for k, v in layer.items() if k not in ("name", "op", "input")})
    op = layer["op"]
    if op == "Conv2d":
        cls = FlipConv2d if a["flip"] else nn.Conv2d
        return cls(a["in_channels"], a["out_channels"], _t(a["kernel_size"]), stride=_t(a["stride"]),
                   padding=_t(a["padding"]), dilation=_t(a["dilation"]), groups=a["groups"],
                   bias=a["bias"])
    if op == "MaxPool2d":
        return nn.MaxPool2d(_t(a["kernel_size"]), stride=_t(a["stride"]), padding=_t(a["padding"]),
                            dilation=_t(a["dilation"]), ceil_mode=a["ceil_mode"])
    if op == "AvgPool2d":
        return nn.AvgPool2d(_t(a["kernel_size"]), stride=_t(a["stride"]), padding=_t(a["padding"]),
                            ceil_mode=a["ceil_mode"], count_include_pad=a["count_include_pad"],
                            divisor_override=a["divisor_override"])
    if op == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(_t(a["output_size"]))
    if op == "BatchNorm2d":
        return nn.BatchNorm2d(a["num_features"], eps=a["eps"])
    if op == "Linear":
        return nn.Linear(a["in_features"], a["out_features"], bias=a["bias"])
    if op == "Flatten":
        return nn.Flatten(a["start_dim"], a["end_dim"])
    if op == "LeakyReLU":
        return nn.LeakyReLU(a["negative_slope"])
    if op == "Dropout":
        return nn.Dropout(a["p"])
    if op == "Add":
        return AddN()
    if op == "Concat":
        return Concat(a["dim"])
    if op == "Softmax":
        return nn.Softmax(a["dim"])
    return getattr(nn, op)()   # ReLU, ReLU6, Sigmoid, Tanh, Identity


class GraphNet(nn.Module):
    """The layers of a description, registered under their (dotted) names."""

    def __init__(self, inputs, layers):
        super().__init__()
        self.input_names = list(inputs)
        self.specs = layers
        self.mods = []
        for layer in layers:
            m = make_layer(layer)
            parent = self
            parts = layer["name"].split(".")
            for p in parts[:-1]:
                if p not in parent._modules:
                    parent.add_module(p, nn.Module())
                parent = parent._modules[p]
            assert parts[-1] not in parent._modules, layer["name"]
            parent.add_module(parts[-1], m)
            self.mods.append(m)

    def forward(self, *xs):
        vals = dict(zip(self.input_names, xs))
        prev = self.input_names[0]
        for layer, m in zip(self.specs, self.mods):
            src = layer.get("input", prev)
            args = [vals[s] for s in (src if isinstance(src, list) else [src])]
            vals[layer["name"]] = m(*args)
            prev = layer["name"]
        self.values = vals
        return vals


def build(case, seed=None):
    torch.manual_seed(case.seed if seed is None else seed)
    net = GraphNet(case.inputs, case.layers)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
        if case.init:
            case.init(net)
    return net.eval()


def state_tensors(net):
    return {k: v.detach().contiguous().float() for k, v in net.state_dict().items()
            if not k.endswith("num_batches_tracked")}


# --------------------------------------------------------------------------
# safetensors (written and read by hand; no safetensors package needed).
# --------------------------------------------------------------------------

def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        b = t.numpy().astype("<f4", copy=False).tobytes(order="C")
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    data = open(path, "rb").read()
    assert len(data) >= 8, path
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0 and 8 + n <= len(data), path
    header = json.loads(data[8:8 + n].decode())
    body = data[8 + n:]
    out, spans = {}, []
    for k, info in header.items():
        if k == "__metadata__":
            continue
        assert info["dtype"] == "F32", k
        b, e = info["data_offsets"]
        shape = info["shape"]
        assert 0 <= b <= e <= len(body), k
        assert e - b == 4 * int(np.prod(shape, dtype=np.int64)), k
        spans.append((b, e))
        out[k] = torch.from_numpy(np.frombuffer(body[b:e], dtype="<f4").reshape(shape).copy())
    spans.sort()
    pos = 0
    for b, e in spans:
        assert b == pos, "gap or overlap in " + path
        pos = e
    assert pos == len(body), "trailing bytes in " + path
    return out


# --------------------------------------------------------------------------
# Generating and checking one case.
# --------------------------------------------------------------------------

def gen_case(case, outdir):
    validate(case)
    shapes, events = infer_shapes(case)
    missing = case.hits - events
    assert not missing, "%s: does not hit %s" % (case.name, sorted(missing))

    net = build(case)
    torch.manual_seed(case.seed + 1)
    xs = [torch.rand(*s) * 2 - 1 for s in case.inputs.values()]
    with torch.no_grad():
        vals = net(*xs)
    for n, shp in shapes.items():
        assert list(vals[n].shape) == shp, "%s: %s torch %s, SPEC formula %s" % (
            case.name, n, list(vals[n].shape), shp)

    d = os.path.join(outdir, case.name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):          # stale files of this case only
        p = os.path.join(d, f)
        if os.path.isfile(p) or os.path.islink(p):
            os.remove(p)
    text = to_yaml(case)
    with open(os.path.join(d, "model.yaml"), "w") as f:
        f.write(text)
    tensors = state_tensors(net)
    if tensors:
        write_safetensors(os.path.join(d, "weights.safetensors"), tensors)
    for n, x in zip(case.inputs, xs):
        np.save(os.path.join(d, "in.%s.npy" % n), np.ascontiguousarray(x.numpy(), dtype=np.float32))
    for o in case.output_names:
        np.save(os.path.join(d, "out.%s.npy" % o),
                np.ascontiguousarray(vals[o].numpy(), dtype=np.float32))

    check_case(case, d)
    return d


def check_case(case, d):
    """Re-read everything written for a case and re-run it from the files."""
    try:
        import yaml
    except ImportError:
        yaml = None
    if yaml is not None:
        doc = yaml.safe_load(open(os.path.join(d, "model.yaml")))
        want = {"model": case.name, "inputs": case.inputs, "layers": case.layers}
        if case.outputs:
            want["outputs"] = list(case.outputs)
        assert doc == want, case.name + ": model.yaml does not read back as written"
        for got, layer in zip(doc["layers"], case.layers):   # types survive (True is not 1)
            for k, v in layer.items():
                assert type(got[k]) == type(v), (case.name, layer["name"], k)

    net = build(case, seed=12345)       # different init: everything must come from the file
    wpath = os.path.join(d, "weights.safetensors")
    if os.path.exists(wpath):
        tensors = read_safetensors(wpath)
        names = {l["name"] for l in case.layers}
        for k in tensors:
            assert k.rsplit(".", 1)[0] in names, k
        net.load_state_dict(tensors, strict=False)
        missing = set(state_tensors(net)) - set(tensors)
        assert not missing, missing
    else:
        assert not state_tensors(net), case.name + ": parameters but no weights file"
    xs = []
    for n, s in case.inputs.items():
        a = np.load(os.path.join(d, "in.%s.npy" % n))
        assert a.dtype == np.dtype("<f4") and a.flags.c_contiguous and list(a.shape) == s
        xs.append(torch.from_numpy(a))
    with torch.no_grad():
        vals = net(*xs)
    files = sorted(os.listdir(d))
    expect = sorted(["model.yaml"] + (["weights.safetensors"] if os.path.exists(wpath) else [])
                    + ["in.%s.npy" % n for n in case.inputs]
                    + ["out.%s.npy" % o for o in case.output_names])
    assert files == expect, (files, expect)
    for o in case.output_names:
        a = np.load(os.path.join(d, "out.%s.npy" % o))
        assert a.dtype == np.dtype("<f4") and a.flags.c_contiguous
        assert np.array_equal(a, vals[o].numpy()), case.name + ": " + o + " not reproducible"
        assert np.isfinite(a).all()


# --------------------------------------------------------------------------
# Parameter tweaks for cases that need particular value ranges.
# --------------------------------------------------------------------------

def scale_params(factor, *names):
    def f(net):
        sd = dict(net.named_parameters())
        for n in names:
            sd[n].mul_(factor)
    return f


# --------------------------------------------------------------------------
# The cases.
# --------------------------------------------------------------------------

def cases():
    C = []

    def add(*a, **k):
        C.append(Case(*a, **k))

    # ---------------- Conv2d ----------------
    add("conv_k1", "Conv2d: kernel 1 (pointwise), 8->4 channels",
        {"x": [1, 8, 6, 7]},
        [L("conv", "Conv2d", in_channels=8, out_channels=4, kernel_size=1)], ["conv"])
    add("conv_k3", "Conv2d: kernel 3, padding 1, stride 1",
        {"x": [1, 3, 8, 8]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, padding=1)], ["conv"])
    add("conv_k3_s2", "Conv2d: kernel 3, stride 2, padding 1, odd non-square input",
        {"x": [1, 3, 9, 11]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=1)], ["conv"])
    add("conv_k5", "Conv2d: kernel 5, no padding",
        {"x": [1, 2, 12, 10]},
        [L("conv", "Conv2d", in_channels=2, out_channels=3, kernel_size=5)], ["conv"])
    add("conv_k11_p5", "Conv2d: kernel 11, padding 5",
        {"x": [1, 2, 16, 14]},
        [L("conv", "Conv2d", in_channels=2, out_channels=3, kernel_size=11, padding=5)], ["conv"])
    add("conv_k3x5_s2x1", "Conv2d: non-square kernel [3,5], stride [2,1]",
        {"x": [1, 3, 11, 10]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=[3, 5], stride=[2, 1])], ["conv"])
    add("conv_k5x3_p2x1", "Conv2d: non-square kernel [5,3], per-axis padding [2,1]",
        {"x": [1, 3, 9, 8]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=[5, 3], padding=[2, 1])], ["conv"])
    add("conv_k1x7_p0x3", "Conv2d: kernel [1,7], padding [0,3] (Inception-style factorised conv)",
        {"x": [1, 4, 7, 9]},
        [L("conv", "Conv2d", in_channels=4, out_channels=4, kernel_size=[1, 7], padding=[0, 3])], ["conv"])
    add("conv_p1x2_s1x2", "Conv2d: per-axis padding [1,2] larger than needed, stride [1,2]",
        {"x": [1, 2, 6, 7]},
        [L("conv", "Conv2d", in_channels=2, out_channels=3, kernel_size=3, stride=[1, 2], padding=[1, 2])], ["conv"])
    add("conv_k4_s3_p2", "Conv2d: even kernel 4 (not same), stride 3, padding 2",
        {"x": [1, 3, 13, 11]},
        [L("conv", "Conv2d", in_channels=3, out_channels=5, kernel_size=4, stride=3, padding=2)], ["conv"])
    add("conv_same_k3", "Conv2d: padding same, odd kernel 3",
        {"x": [1, 3, 7, 9]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, padding="same")], ["conv"])
    add("conv_same_k4", "Conv2d: padding same, even kernel 4 (extra pad row/col at bottom/right)",
        {"x": [1, 3, 7, 8]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=4, padding="same")], ["conv"],
        hits=["same_asym"])
    add("conv_same_k2x5", "Conv2d: padding same, non-square kernel [2,5] (even height: extra pad at bottom)",
        {"x": [1, 2, 6, 7]},
        [L("conv", "Conv2d", in_channels=2, out_channels=3, kernel_size=[2, 5], padding="same")], ["conv"],
        hits=["same_asym"])
    add("conv_same_dil2", "Conv2d: padding same, kernel 3, dilation 2",
        {"x": [1, 3, 9, 8]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, dilation=2, padding="same")], ["conv"])
    add("conv_same_k4x5_dil3x2", "Conv2d: padding same, kernel [4,5], dilation [3,2] (height pad 9: 4 top, 5 bottom)",
        {"x": [1, 2, 12, 10]},
        [L("conv", "Conv2d", in_channels=2, out_channels=3, kernel_size=[4, 5], dilation=[3, 2],
           padding="same")], ["conv"],
        hits=["same_asym"])
    add("conv_valid", "Conv2d: padding valid (= 0), kernel 3, stride 2",
        {"x": [1, 3, 10, 9]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, stride=2, padding="valid")], ["conv"])
    add("conv_dil2", "Conv2d: dilation 2, padding 2",
        {"x": [1, 3, 10, 10]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, padding=2, dilation=2)], ["conv"])
    add("conv_dil2x3", "Conv2d: dilation [2,3], padding [1,0], stride 2",
        {"x": [1, 2, 13, 15]},
        [L("conv", "Conv2d", in_channels=2, out_channels=3, kernel_size=3, stride=2, padding=[1, 0],
           dilation=[2, 3])], ["conv"])
    add("conv_groups2", "Conv2d: groups 2 (4->6 channels)",
        {"x": [1, 4, 8, 7]},
        [L("conv", "Conv2d", in_channels=4, out_channels=6, kernel_size=3, padding=1, groups=2)], ["conv"])
    add("conv_groups4_s2", "Conv2d: groups 4 (8->8 channels), stride 2, batch 2",
        {"x": [2, 8, 9, 9]},
        [L("conv", "Conv2d", in_channels=8, out_channels=8, kernel_size=3, stride=2, groups=4)], ["conv"])
    add("conv_depthwise", "Conv2d: depthwise (groups = in_channels = out_channels = 6)",
        {"x": [1, 6, 8, 8]},
        [L("conv", "Conv2d", in_channels=6, out_channels=6, kernel_size=3, padding=1, groups=6)], ["conv"])
    add("conv_depthwise_mult2", "Conv2d: depthwise with channel multiplier 2 (4->8, groups 4), stride 2",
        {"x": [1, 4, 9, 8]},
        [L("conv", "Conv2d", in_channels=4, out_channels=8, kernel_size=3, stride=2, padding=1, groups=4)],
        ["conv"])
    add("conv_dw_separable", "Conv2d: depthwise-separable block (depthwise 3x3 + BN + ReLU6, pointwise 1x1 + BN + ReLU6)",
        {"x": [1, 8, 8, 8]},
        [L("dw", "Conv2d", in_channels=8, out_channels=8, kernel_size=3, padding=1, groups=8, bias=False),
         L("dw_bn", "BatchNorm2d", num_features=8),
         L("dw_relu", "ReLU6"),
         L("pw", "Conv2d", in_channels=8, out_channels=12, kernel_size=1, bias=False),
         L("pw_bn", "BatchNorm2d", num_features=12),
         L("pw_relu", "ReLU6")], ["pw_relu"])
    add("conv_nobias", "Conv2d: bias false",
        {"x": [1, 3, 7, 7]},
        [L("conv", "Conv2d", in_channels=3, out_channels=5, kernel_size=3, bias=False)], ["conv"])
    add("conv_flip", "Conv2d: flip true (true convolution: kernel rotated 180 degrees), kernel 3, padding 1",
        {"x": [1, 3, 8, 8]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, padding=1, flip=True)], ["conv"],
        hits=["flip"])
    add("conv_flip_k3x5_s2", "Conv2d: flip true with non-square kernel [3,5], stride 2, padding [1,2], bias false",
        {"x": [1, 2, 9, 11]},
        [L("conv", "Conv2d", in_channels=2, out_channels=3, kernel_size=[3, 5], stride=2, padding=[1, 2],
           bias=False, flip=True)], ["conv"], hits=["flip"])
    add("conv_flip_same_k4_g2", "Conv2d: flip true with padding same, even kernel 4, groups 2",
        {"x": [1, 4, 7, 6]},
        [L("conv", "Conv2d", in_channels=4, out_channels=4, kernel_size=4, padding="same", groups=2,
           flip=True)], ["conv"], hits=["flip", "same_asym"])
    add("conv_flip_dil2", "Conv2d: flip true with dilation 2, no padding",
        {"x": [1, 2, 9, 9]},
        [L("conv", "Conv2d", in_channels=2, out_channels=2, kernel_size=[2, 3], dilation=2, flip=True)],
        ["conv"], hits=["flip"])
    add("conv_k11_s4_alexnet", "Conv2d: AlexNet-like kernel 11, stride 4, padding 2, then ReLU and MaxPool2d 3/2",
        {"x": [1, 3, 67, 67]},
        [L("conv", "Conv2d", in_channels=3, out_channels=8, kernel_size=11, stride=4, padding=2),
         L("relu", "ReLU"),
         L("pool", "MaxPool2d", kernel_size=3, stride=2)], ["pool"])
    add("spec_k11_s4_227", "Conv2d: SPEC example 1x1x227x227, kernel 11, stride 4, padding 0 -> 1x1x55x55",
        {"x": [1, 1, 227, 227]},
        [L("conv", "Conv2d", in_channels=1, out_channels=1, kernel_size=11, stride=4)], ["conv"])
    add("spec_k11_s2_p1", "Conv2d: SPEC example 1x1x64x32, kernel 11, stride 2, padding 1 -> 1x1x28x12",
        {"x": [1, 1, 64, 32]},
        [L("conv", "Conv2d", in_channels=1, out_channels=1, kernel_size=11, stride=2, padding=1)], ["conv"])
    add("spec_conv_pool", "Conv2d + MaxPool2d: SPEC example 1x1x28x28, conv 1->5 k5 -> 1x5x24x24, MaxPool2d(2) -> 1x5x12x12",
        {"x": [1, 1, 28, 28]},
        [L("conv", "Conv2d", in_channels=1, out_channels=5, kernel_size=5),
         L("pool", "MaxPool2d", kernel_size=2)], ["pool"])
    add("conv_batch3", "Conv2d: batch 3, kernel 3, stride 2, padding 1, groups 2",
        {"x": [3, 4, 7, 6]},
        [L("conv", "Conv2d", in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, groups=2)],
        ["conv"])
    add("conv_chain", "Conv2d chain: 3 convs with different kernel/stride/padding, batch 2",
        {"x": [2, 3, 12, 12]},
        [L("conv1", "Conv2d", in_channels=3, out_channels=8, kernel_size=3, padding=1),
         L("relu1", "ReLU"),
         L("conv2", "Conv2d", in_channels=8, out_channels=8, kernel_size=3, stride=2, padding=1),
         L("relu2", "ReLU"),
         L("conv3", "Conv2d", in_channels=8, out_channels=4, kernel_size=1)], ["conv3"])

    # ---------------- MaxPool2d ----------------
    add("maxpool_k2", "MaxPool2d: kernel 2, default stride (= kernel)",
        {"x": [1, 3, 8, 8]}, [L("pool", "MaxPool2d", kernel_size=2)], ["pool"])
    add("maxpool_k3_s2", "MaxPool2d: kernel 3, stride 2, floor drops the remainder",
        {"x": [1, 2, 9, 10]}, [L("pool", "MaxPool2d", kernel_size=3, stride=2)], ["pool"])
    add("maxpool_k2_p1", "MaxPool2d: kernel 2, padding 1 (edge windows see 1-2 cells; padded cells never win)",
        {"x": [1, 4, 6, 5]}, [L("pool", "MaxPool2d", kernel_size=2, padding=1)], ["pool"])
    add("maxpool_k3_s2_p1", "MaxPool2d: kernel 3, stride 2, padding 1 (ResNet stem pool)",
        {"x": [1, 3, 9, 8]}, [L("pool", "MaxPool2d", kernel_size=3, stride=2, padding=1)], ["pool"])
    add("maxpool_dil2", "MaxPool2d: kernel 3, stride 1, dilation 2",
        {"x": [1, 2, 9, 8]}, [L("pool", "MaxPool2d", kernel_size=3, stride=1, dilation=2)], ["pool"])
    add("maxpool_dil2x1_k2x3", "MaxPool2d: kernel [2,3], stride [1,2], padding [1,1], dilation [2,1]",
        {"x": [1, 2, 7, 9]},
        [L("pool", "MaxPool2d", kernel_size=[2, 3], stride=[1, 2], padding=[1, 1], dilation=[2, 1])], ["pool"])
    add("maxpool_k3x2", "MaxPool2d: non-square kernel [3,2], default stride",
        {"x": [1, 3, 9, 8]}, [L("pool", "MaxPool2d", kernel_size=[3, 2])], ["pool"])
    add("maxpool_ceil", "MaxPool2d: ceil_mode true adds a partial last window (6x7, kernel 3, stride 2)",
        {"x": [1, 2, 6, 7]}, [L("pool", "MaxPool2d", kernel_size=3, stride=2, ceil_mode=True)], ["pool"],
        hits=["ceil_partial"])
    add("maxpool_ceil_p1", "MaxPool2d: ceil_mode true, kernel 3, stride 2, padding 1 (partial window into the padding)",
        {"x": [1, 2, 8, 8]},
        [L("pool", "MaxPool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True)], ["pool"],
        hits=["ceil_partial"])
    add("maxpool_ceil_drop", "MaxPool2d: ceil_mode true, last window would start in the padding and is dropped (height), partial window kept (width)",
        {"x": [1, 2, 5, 8]},
        [L("pool", "MaxPool2d", kernel_size=[2, 3], stride=2, padding=1, ceil_mode=True)], ["pool"],
        hits=["ceil_drop", "ceil_partial"])
    add("maxpool_ceil_drop_s3", "MaxPool2d: ceil_mode true, kernel [2,3], stride 3, padding 1: dropped window (4 rows), partial window kept (6 cols)",
        {"x": [1, 2, 4, 6]},
        [L("pool", "MaxPool2d", kernel_size=[2, 3], stride=3, padding=1, ceil_mode=True)], ["pool"],
        hits=["ceil_drop", "ceil_partial"])
    add("maxpool_ceil_dil2", "MaxPool2d: ceil_mode true with dilation 2, stride 2",
        {"x": [1, 2, 10, 9]},
        [L("pool", "MaxPool2d", kernel_size=3, stride=2, dilation=2, ceil_mode=True)], ["pool"],
        hits=["ceil_partial"])
    add("maxpool_batch2", "MaxPool2d: batch 2, kernel 3, stride 2, padding 1, ceil_mode true",
        {"x": [2, 3, 7, 10]},
        [L("pool", "MaxPool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True)], ["pool"],
        hits=["ceil_partial"])

    # ---------------- AvgPool2d ----------------
    add("avgpool_k2", "AvgPool2d: kernel 2, default stride",
        {"x": [1, 3, 8, 6]}, [L("pool", "AvgPool2d", kernel_size=2)], ["pool"])
    add("avgpool_k3_s2_p1", "AvgPool2d: kernel 3, stride 2, padding 1, count_include_pad true (default)",
        {"x": [1, 3, 9, 8]}, [L("pool", "AvgPool2d", kernel_size=3, stride=2, padding=1)], ["pool"],
        hits=["avg_pad"])
    add("avgpool_k3_s2_p1_nopad", "AvgPool2d: kernel 3, stride 2, padding 1, count_include_pad false",
        {"x": [1, 3, 9, 8]},
        [L("pool", "AvgPool2d", kernel_size=3, stride=2, padding=1, count_include_pad=False)], ["pool"],
        hits=["avg_pad"])
    add("avgpool_k3x2_s2x1_p1x0", "AvgPool2d: non-square kernel [3,2], stride [2,1], padding [1,0]",
        {"x": [1, 2, 7, 6]},
        [L("pool", "AvgPool2d", kernel_size=[3, 2], stride=[2, 1], padding=[1, 0])], ["pool"])
    add("avgpool_ceil", "AvgPool2d: ceil_mode true, no padding: partial last windows divide by the cells inside",
        {"x": [1, 2, 7, 8]}, [L("pool", "AvgPool2d", kernel_size=3, stride=2, ceil_mode=True)], ["pool"],
        hits=["ceil_partial", "avg_window_past_pad"])
    add("avgpool_ceil_p1_incl", "AvgPool2d: ceil_mode true, padding 1, count_include_pad true: last window runs past the padding (divisor clipped at the padded edge)",
        {"x": [1, 2, 8, 6]},
        [L("pool", "AvgPool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True)], ["pool"],
        hits=["ceil_partial", "avg_window_past_pad"])
    add("avgpool_ceil_p1_excl", "AvgPool2d: ceil_mode true, padding 1, count_include_pad false: edge windows divide by the real cells",
        {"x": [1, 2, 8, 6]},
        [L("pool", "AvgPool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)],
        ["pool"], hits=["ceil_partial", "avg_window_past_pad"])
    add("avgpool_ceil_drop", "AvgPool2d: ceil_mode true, kernel 2, stride 2, padding 1: last window starts in the padding and is dropped",
        {"x": [1, 2, 5, 5]},
        [L("pool", "AvgPool2d", kernel_size=2, stride=2, padding=1, ceil_mode=True)], ["pool"],
        hits=["ceil_drop"])
    add("avgpool_divisor", "AvgPool2d: divisor_override 3, kernel 2",
        {"x": [1, 2, 6, 8]}, [L("pool", "AvgPool2d", kernel_size=2, divisor_override=3)], ["pool"])
    add("avgpool_divisor_ceil_p1", "AvgPool2d: divisor_override 5 with padding 1 and ceil_mode true (every window divides by 5)",
        {"x": [1, 2, 8, 7]},
        [L("pool", "AvgPool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=5)],
        ["pool"], hits=["ceil_partial"])
    add("avgpool_batch3", "AvgPool2d: batch 3, kernel 2, stride 1, padding 1, count_include_pad false",
        {"x": [3, 2, 5, 6]},
        [L("pool", "AvgPool2d", kernel_size=2, stride=1, padding=1, count_include_pad=False)], ["pool"])

    # ---------------- AdaptiveAvgPool2d ----------------
    add("adaptive_7_to_3", "AdaptiveAvgPool2d: output_size 3 from 7x7 (overlapping, uneven bins)",
        {"x": [1, 3, 7, 7]}, [L("pool", "AdaptiveAvgPool2d", output_size=3)], ["pool"],
        hits=["adaptive_uneven"])
    add("adaptive_5x9_to_2x4", "AdaptiveAvgPool2d: output_size [2,4] from 5x9",
        {"x": [1, 3, 5, 9]}, [L("pool", "AdaptiveAvgPool2d", output_size=[2, 4])], ["pool"],
        hits=["adaptive_uneven"])
    add("adaptive_to_1", "AdaptiveAvgPool2d: output_size 1 (global average), batch 2",
        {"x": [2, 5, 6, 7]}, [L("pool", "AdaptiveAvgPool2d", output_size=1)], ["pool"])
    add("adaptive_8_to_4", "AdaptiveAvgPool2d: output_size 4 from 8x12 (evenly divisible)",
        {"x": [1, 2, 8, 12]}, [L("pool", "AdaptiveAvgPool2d", output_size=4)], ["pool"])
    add("adaptive_13_to_6", "AdaptiveAvgPool2d: output_size [6,6] from 13x13 (AlexNet-style)",
        {"x": [1, 2, 13, 13]}, [L("pool", "AdaptiveAvgPool2d", output_size=[6, 6])], ["pool"],
        hits=["adaptive_uneven"])
    add("adaptive_upsample", "AdaptiveAvgPool2d: output larger than input, [5,7] from 3x4 (bins overlap)",
        {"x": [1, 2, 3, 4]}, [L("pool", "AdaptiveAvgPool2d", output_size=[5, 7])], ["pool"],
        hits=["adaptive_uneven"])

    # ---------------- BatchNorm2d ----------------
    add("batchnorm", "BatchNorm2d: default eps, random running stats and affine params",
        {"x": [1, 6, 5, 4]}, [L("bn", "BatchNorm2d", num_features=6)], ["bn"])
    add("batchnorm_eps", "BatchNorm2d: custom eps 0.001, batch 2",
        {"x": [2, 4, 5, 5]}, [L("bn", "BatchNorm2d", num_features=4, eps=0.001)], ["bn"])
    add("conv_bn_relu", "Conv2d (bias false) + BatchNorm2d + ReLU, batch 2",
        {"x": [2, 3, 8, 8]},
        [L("conv", "Conv2d", in_channels=3, out_channels=8, kernel_size=3, padding=1, bias=False),
         L("bn", "BatchNorm2d", num_features=8),
         L("relu", "ReLU")], ["relu"])
    add("conv_bias_bn", "Conv2d with bias + BatchNorm2d (eps 0.0001)",
        {"x": [1, 4, 6, 6]},
        [L("conv", "Conv2d", in_channels=4, out_channels=4, kernel_size=3, stride=2, padding=1),
         L("bn", "BatchNorm2d", num_features=4, eps=0.0001)], ["bn"])

    # ---------------- Linear / Flatten ----------------
    add("linear", "Linear on a 2-D [N, F] input, bias true, batch 3",
        {"x": [3, 16]}, [L("fc", "Linear", in_features=16, out_features=8)], ["fc"])
    add("linear_nobias", "Linear: bias false",
        {"x": [2, 12]}, [L("fc", "Linear", in_features=12, out_features=5, bias=False)], ["fc"])
    add("flatten_linear", "Flatten (default) then Linear from a 4-D tensor, batch 2",
        {"x": [2, 3, 4, 5]},
        [L("flat", "Flatten"),
         L("fc", "Linear", in_features=60, out_features=10)], ["fc"])
    add("flatten_default", "Flatten: default start_dim 1, end_dim -1 ([2,3,4,5] -> [2,60])",
        {"x": [2, 3, 4, 5]}, [L("flat", "Flatten")], ["flat"])
    add("flatten_start2", "Flatten: start_dim 2 ([2,3,4,5] -> [2,3,20])",
        {"x": [2, 3, 4, 5]}, [L("flat", "Flatten", start_dim=2)], ["flat"])
    add("flatten_start1_end2", "Flatten: start_dim 1, end_dim 2 ([2,3,4,5] -> [2,12,5])",
        {"x": [2, 3, 4, 5]}, [L("flat", "Flatten", start_dim=1, end_dim=2)], ["flat"])
    add("flatten_end_neg2", "Flatten: start_dim 2, end_dim -2 flattens nothing ([1,3,4,5] -> [1,3,4,5]); then start_dim 1, end_dim -2 ([1,12,5])",
        {"x": [1, 3, 4, 5]},
        [L("flat0", "Flatten", start_dim=2, end_dim=-2),
         L("flat", "Flatten", start_dim=1, end_dim=-2)], ["flat"])
    add("flatten_chain_linear", "Flatten start_dim 2, then Flatten (default), then Linear",
        {"x": [1, 2, 3, 4]},
        [L("flat2", "Flatten", start_dim=2),
         L("flat", "Flatten"),
         L("fc", "Linear", in_features=24, out_features=6)], ["fc"])
    add("mlp", "Linear-ReLU-Dropout-Linear-Softmax MLP on [N, F], batch 2",
        {"x": [2, 20]},
        [L("fc1", "Linear", in_features=20, out_features=32),
         L("relu", "ReLU"),
         L("drop", "Dropout", p=0.2),
         L("fc2", "Linear", in_features=32, out_features=10),
         L("softmax", "Softmax", dim=1)], ["softmax"])

    # ---------------- element-wise activations ----------------
    add("act_relu", "ReLU on a 4-D input", {"x": [1, 3, 5, 6]}, [L("act", "ReLU")], ["act"])
    add("act_relu6", "ReLU6: conv with weights scaled x8 so values reach past 6, then ReLU6",
        {"x": [1, 3, 5, 6]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=1),
         L("act", "ReLU6")], ["act"], init=scale_params(8.0, "conv.weight"))
    add("act_sigmoid", "Sigmoid after a conv with large outputs (saturation)",
        {"x": [1, 3, 5, 6]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=1),
         L("act", "Sigmoid")], ["act"], init=scale_params(10.0, "conv.weight"))
    add("act_tanh", "Tanh after a conv with large outputs (saturation)",
        {"x": [1, 3, 5, 6]},
        [L("conv", "Conv2d", in_channels=3, out_channels=4, kernel_size=1),
         L("act", "Tanh")], ["act"], init=scale_params(5.0, "conv.weight"))
    add("act_identity", "Identity between two layers",
        {"x": [1, 2, 4, 4]},
        [L("conv", "Conv2d", in_channels=2, out_channels=2, kernel_size=1),
         L("id", "Identity"),
         L("relu", "ReLU")], ["relu"])
    add("act_leakyrelu", "LeakyReLU: default negative_slope 0.01",
        {"x": [1, 3, 5, 6]}, [L("act", "LeakyReLU")], ["act"])
    add("act_leakyrelu_0p2", "LeakyReLU: negative_slope 0.2, batch 2",
        {"x": [2, 3, 4, 4]}, [L("act", "LeakyReLU", negative_slope=0.2)], ["act"])
    add("act_dropout", "Dropout p 0.3 is the identity at inference (between conv and ReLU)",
        {"x": [1, 3, 5, 5]},
        [L("conv", "Conv2d", in_channels=3, out_channels=3, kernel_size=3, padding=1),
         L("drop", "Dropout", p=0.3),
         L("relu", "ReLU")], ["relu"])
    add("act_dropout_default", "Dropout with default p (0.5) on a 2-D tensor",
        {"x": [2, 8]}, [L("drop", "Dropout"), L("act", "Tanh")], ["act"])

    # ---------------- Softmax ----------------
    add("softmax_2d", "Softmax dim 1 on a [N, F] tensor, batch 3",
        {"x": [3, 10]}, [L("softmax", "Softmax", dim=1)], ["softmax"])
    add("softmax_default_dim", "Softmax with default dim (1) after Linear",
        {"x": [2, 6]},
        [L("fc", "Linear", in_features=6, out_features=7),
         L("softmax", "Softmax")], ["softmax"])
    add("softmax_4d", "Softmax dim 1 (over channels) on a 4-D tensor",
        {"x": [2, 5, 3, 4]}, [L("softmax", "Softmax", dim=1)], ["softmax"])
    add("softmax_large_logits", "Softmax on logits of magnitude ~50 (needs max subtraction)",
        {"x": [2, 8]},
        [L("fc", "Linear", in_features=8, out_features=6),
         L("softmax", "Softmax", dim=1)], ["softmax"], init=scale_params(60.0, "fc.weight"))

    # ---------------- Add ----------------
    add("add_residual", "Add: residual block, conv-relu-conv + the model input x (input: [conv2, x]), then ReLU",
        {"x": [1, 4, 6, 6]},
        [L("conv1", "Conv2d", in_channels=4, out_channels=4, kernel_size=3, padding=1),
         L("relu1", "ReLU"),
         L("conv2", "Conv2d", in_channels=4, out_channels=4, kernel_size=3, padding=1),
         L("add", "Add", input=["conv2", "x"]),
         L("relu2", "ReLU")], ["relu2"])
    add("add_three", "Add with three inputs (three conv branches reading the model input)",
        {"x": [1, 3, 6, 5]},
        [L("b1", "Conv2d", in_channels=3, out_channels=4, kernel_size=1),
         L("b2", "Conv2d", input="x", in_channels=3, out_channels=4, kernel_size=3, padding=1),
         L("b3", "Conv2d", input="x", in_channels=3, out_channels=4, kernel_size=[1, 3], padding=[0, 1]),
         L("sum", "Add", input=["b1", "b2", "b3"])], ["sum"])
    add("add_two_inputs", "Add of two model inputs a and b, then ReLU (multiple model inputs), batch 2",
        {"a": [2, 3, 4, 4], "b": [2, 3, 4, 4]},
        [L("add", "Add", input=["a", "b"]),
         L("relu", "ReLU")], ["relu"])
    add("add_skip_earlier", "Add: skip connection from a non-adjacent earlier layer (input: [conv3, relu1])",
        {"x": [1, 3, 6, 6]},
        [L("conv1", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, padding=1),
         L("relu1", "ReLU"),
         L("conv2", "Conv2d", in_channels=4, out_channels=4, kernel_size=3, padding=1),
         L("relu2", "ReLU"),
         L("conv3", "Conv2d", in_channels=4, out_channels=4, kernel_size=1),
         L("add", "Add", input=["conv3", "relu1"])], ["add"])
    add("add_same_input_twice", "Add of a layer with itself (input: [relu, relu])",
        {"x": [1, 2, 3, 3]},
        [L("relu", "ReLU"),
         L("add", "Add", input=["relu", "relu"])], ["add"])

    # ---------------- Concat ----------------
    add("concat_channels", "Concat of two conv branches on dim 1 (default)",
        {"x": [1, 3, 6, 6]},
        [L("b1", "Conv2d", in_channels=3, out_channels=2, kernel_size=1),
         L("b2", "Conv2d", input="x", in_channels=3, out_channels=5, kernel_size=3, padding=1),
         L("cat", "Concat", input=["b1", "b2"])], ["cat"])
    add("concat_dim2", "Concat on dim 2 (height) of branches with different heights, batch 2",
        {"x": [2, 2, 6, 5]},
        [L("b1", "Conv2d", in_channels=2, out_channels=3, kernel_size=1),
         L("b2", "Conv2d", input="x", in_channels=2, out_channels=3, kernel_size=[3, 1]),
         L("cat", "Concat", input=["b1", "b2"], dim=2)], ["cat"])
    add("concat_dim3_inputs", "Concat on dim 3 (width) of two model inputs a [1,2,4,5] and b [1,2,4,3]",
        {"a": [1, 2, 4, 5], "b": [1, 2, 4, 3]},
        [L("cat", "Concat", input=["a", "b"], dim=3)], ["cat"])
    add("concat_two_inputs_conv", "Concat of two model inputs (3 and 2 channels) on dim 1, then Conv2d",
        {"img": [1, 3, 5, 5], "extra": [1, 2, 5, 5]},
        [L("cat", "Concat", input=["img", "extra"]),
         L("conv", "Conv2d", in_channels=5, out_channels=4, kernel_size=3, padding=1)], ["conv"])
    add("concat_three_2d", "Concat of three 2-D tensors (Linear outputs) on dim 1, batch 3",
        {"x": [3, 6]},
        [L("fa", "Linear", in_features=6, out_features=2),
         L("fb", "Linear", input="x", in_features=6, out_features=3),
         L("fc", "Linear", input="x", in_features=6, out_features=4),
         L("cat", "Concat", input=["fa", "fb", "fc"], dim=1)], ["cat"])
    add("inception_block", "Concat: Inception-style block (1x1, 1x1->3x3, 1x1->5x5, maxpool->1x1 branches)",
        {"x": [1, 8, 8, 8]},
        [L("b1", "Conv2d", in_channels=8, out_channels=4, kernel_size=1),
         L("b1_relu", "ReLU"),
         L("b2_reduce", "Conv2d", input="x", in_channels=8, out_channels=4, kernel_size=1),
         L("b2_relu1", "ReLU"),
         L("b2", "Conv2d", in_channels=4, out_channels=6, kernel_size=3, padding=1),
         L("b2_relu2", "ReLU"),
         L("b3_reduce", "Conv2d", input="x", in_channels=8, out_channels=2, kernel_size=1),
         L("b3_relu1", "ReLU"),
         L("b3", "Conv2d", in_channels=2, out_channels=3, kernel_size=5, padding=2),
         L("b3_relu2", "ReLU"),
         L("b4_pool", "MaxPool2d", input="x", kernel_size=3, stride=1, padding=1),
         L("b4", "Conv2d", in_channels=8, out_channels=3, kernel_size=1),
         L("b4_relu", "ReLU"),
         L("cat", "Concat", input=["b1_relu", "b2_relu2", "b3_relu2", "b4_relu"])], ["cat"])

    # ---------------- graph structure ----------------
    add("two_outputs", "outputs: two outputs, an intermediate layer (also consumed later) and the last layer",
        {"x": [1, 3, 6, 6]},
        [L("conv1", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, padding=1),
         L("relu1", "ReLU"),
         L("pool", "MaxPool2d", kernel_size=2),
         L("flat", "Flatten"),
         L("fc", "Linear", in_features=36, out_features=5)], ["relu1", "fc"])
    add("two_outputs_two_inputs", "two model inputs and two outputs (a 2-D head and a 4-D head)",
        {"image": [2, 2, 4, 4], "feat": [2, 6]},
        [L("conv", "Conv2d", input="image", in_channels=2, out_channels=3, kernel_size=3, padding=1),
         L("gap", "AdaptiveAvgPool2d", output_size=1),
         L("flat", "Flatten"),
         L("cat", "Concat", input=["flat", "feat"]),
         L("fc", "Linear", in_features=9, out_features=4)], ["fc", "conv"])
    add("outputs_default", "no outputs: key, so the output is the last layer",
        {"x": [1, 2, 5, 5]},
        [L("conv", "Conv2d", in_channels=2, out_channels=3, kernel_size=3),
         L("sig", "Sigmoid")])
    add("dotted_names", "layer names with dots (PyTorch state_dict prefixes: features.0, classifier.1)",
        {"x": [1, 3, 8, 8]},
        [L("features.0", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, padding=1),
         L("features.1", "ReLU"),
         L("features.2", "MaxPool2d", kernel_size=2),
         L("avgpool", "AdaptiveAvgPool2d", output_size=2),
         L("flatten", "Flatten"),
         L("classifier.0", "Dropout", p=0.5),
         L("classifier.1", "Linear", in_features=16, out_features=5)], ["classifier.1"])

    # ---------------- whole small networks ----------------
    lenet = [
        L("conv1", "Conv2d", in_channels=1, out_channels=6, kernel_size=5),
        L("relu1", "ReLU"),
        L("pool1", "MaxPool2d", kernel_size=2),
        L("conv2", "Conv2d", in_channels=6, out_channels=16, kernel_size=5),
        L("relu2", "ReLU"),
        L("pool2", "MaxPool2d", kernel_size=2),
        L("flatten", "Flatten"),
        L("fc1", "Linear", in_features=400, out_features=120),
        L("relu3", "ReLU"),
        L("fc2", "Linear", in_features=120, out_features=84),
        L("relu4", "ReLU"),
        L("fc3", "Linear", in_features=84, out_features=10)]
    add("lenet5", "network: LeNet-5 (conv 6@5x5, ReLU, maxpool, conv 16@5x5, ReLU, maxpool, fc 120, fc 84, fc 10)",
        {"x": [1, 1, 32, 32]}, lenet, ["fc3"])
    add("lenet5_classic", "network: classic LeNet-5 with Tanh and AvgPool2d, batch 2, softmax output",
        {"x": [2, 1, 32, 32]},
        [L("conv1", "Conv2d", in_channels=1, out_channels=6, kernel_size=5),
         L("tanh1", "Tanh"),
         L("pool1", "AvgPool2d", kernel_size=2),
         L("conv2", "Conv2d", in_channels=6, out_channels=16, kernel_size=5),
         L("tanh2", "Tanh"),
         L("pool2", "AvgPool2d", kernel_size=2),
         L("flatten", "Flatten"),
         L("fc1", "Linear", in_features=400, out_features=120),
         L("tanh3", "Tanh"),
         L("fc2", "Linear", in_features=120, out_features=84),
         L("tanh4", "Tanh"),
         L("fc3", "Linear", in_features=84, out_features=10),
         L("softmax", "Softmax", dim=1)], ["softmax"])
    add("resnet_block", "network: ResNet basic block with BatchNorm and a 1x1 stride-2 downsample (torchvision names)",
        {"x": [1, 8, 10, 10]}, resnet_block("layer1.0", "x", 8, 16, 2), ["layer1.0.relu2"])
    add("resnet_block_identity", "network: ResNet basic block with identity shortcut, batch 2",
        {"x": [2, 6, 6, 6]}, resnet_block("layer1.0", "x", 6, 6, 1), ["layer1.0.relu2"])
    stem = [
        L("conv1", "Conv2d", in_channels=3, out_channels=8, kernel_size=7, stride=2, padding=3, bias=False),
        L("bn1", "BatchNorm2d", num_features=8),
        L("relu", "ReLU"),
        L("maxpool", "MaxPool2d", kernel_size=3, stride=2, padding=1)]
    tail = [
        L("avgpool", "AdaptiveAvgPool2d", output_size=1),
        L("flatten", "Flatten"),
        L("fc", "Linear", in_features=16, out_features=10)]
    add("tiny_resnet", "network: tiny ResNet (stem, identity block, downsampling block, global pool, fc), batch 2",
        {"x": [2, 3, 32, 32]},
        stem + resnet_block("layer1.0", "maxpool", 8, 8, 1)
        + resnet_block("layer2.0", "layer1.0.relu2", 8, 16, 2) + tail, ["fc"])
    add("tiny_alexnet", "network: tiny AlexNet (torchvision layer names features.N / classifier.N)",
        {"x": [1, 3, 63, 63]},
        [L("features.0", "Conv2d", in_channels=3, out_channels=8, kernel_size=11, stride=4, padding=2),
         L("features.1", "ReLU"),
         L("features.2", "MaxPool2d", kernel_size=3, stride=2),
         L("features.3", "Conv2d", in_channels=8, out_channels=12, kernel_size=5, padding=2),
         L("features.4", "ReLU"),
         L("features.5", "MaxPool2d", kernel_size=3, stride=2),
         L("features.6", "Conv2d", in_channels=12, out_channels=16, kernel_size=3, padding=1),
         L("features.7", "ReLU"),
         L("avgpool", "AdaptiveAvgPool2d", output_size=2),
         L("flatten", "Flatten"),
         L("classifier.0", "Dropout", p=0.5),
         L("classifier.1", "Linear", in_features=64, out_features=32),
         L("classifier.2", "ReLU"),
         L("classifier.3", "Linear", in_features=32, out_features=10)], ["classifier.3"])
    return C


def resnet_block(prefix, inp, cin, cout, stride):
    """A torchvision BasicBlock as lgc layers: the names of layers with parameters are
    torchvision's; the residual Add and the second ReLU get names of their own."""
    p = prefix + "."
    conv1 = L(p + "conv1", "Conv2d", input=inp, in_channels=cin, out_channels=cout, kernel_size=3)
    if stride != 1:
        conv1["stride"] = stride
    conv1.update(padding=1, bias=False)
    layers = [
        conv1,
        L(p + "bn1", "BatchNorm2d", num_features=cout),
        L(p + "relu", "ReLU"),
        L(p + "conv2", "Conv2d", in_channels=cout, out_channels=cout, kernel_size=3, padding=1, bias=False),
        L(p + "bn2", "BatchNorm2d", num_features=cout)]
    shortcut = inp
    if stride != 1 or cin != cout:
        layers += [
            L(p + "downsample.0", "Conv2d", input=inp, in_channels=cin, out_channels=cout, kernel_size=1,
              stride=stride, bias=False),
            L(p + "downsample.1", "BatchNorm2d", num_features=cout)]
        shortcut = p + "downsample.1"
    layers += [L(p + "add", "Add", input=[p + "bn2", shortcut]),
               L(p + "relu2", "ReLU")]
    return layers


# --------------------------------------------------------------------------
# Cross-checks against hand-written PyTorch modules.
# --------------------------------------------------------------------------

class _LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def cross_check(outdir, names):
    """The generic GraphNet against independent PyTorch code, from the files."""
    checks = {"lenet5": lambda: _LeNet()}
    try:
        from torchvision.models.resnet import BasicBlock

        class _Block(nn.Module):
            def __init__(self, cin, cout, stride):
                super().__init__()
                ds = None
                if stride != 1 or cin != cout:
                    ds = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                self.layer1 = nn.Sequential(BasicBlock(cin, cout, stride, ds))

            def forward(self, x):
                return self.layer1(x)
        checks["resnet_block"] = lambda: _Block(8, 16, 2)
        checks["resnet_block_identity"] = lambda: _Block(6, 6, 1)
    except ImportError:
        pass
    for name, mk in checks.items():
        if name not in names:
            continue
        d = os.path.join(outdir, name)
        m = mk().eval()
        res = m.load_state_dict(read_safetensors(os.path.join(d, "weights.safetensors")), strict=False)
        assert not res.unexpected_keys, res
        assert all(k.endswith("num_batches_tracked") for k in res.missing_keys), res
        x = torch.from_numpy(np.load(os.path.join(d, "in.x.npy")))
        outs = [f for f in os.listdir(d) if f.startswith("out.")]
        with torch.no_grad():
            y = m(x).numpy()
        ref = np.load(os.path.join(d, outs[0]))
        err = np.abs(y - ref).max()
        assert err <= 1e-6 * max(1.0, np.abs(ref).max()), (name, err)
        print("cross-checked %s against hand-written PyTorch (max diff %.3g)" % (name, err))


# --------------------------------------------------------------------------
# models/*.yaml against torchvision.
# --------------------------------------------------------------------------

def load_model_yaml(path):
    import yaml
    doc = yaml.safe_load(open(path))
    case = Case(doc["model"], "", doc["inputs"], doc["layers"], doc.get("outputs"))
    validate(case)
    return case


def check_models(models_dir):
    import torchvision
    refs = {"alexnet": torchvision.models.alexnet, "resnet18": torchvision.models.resnet18,
            "lenet5": _LeNet}
    ok = True
    for fname in sorted(os.listdir(models_dir)):
        if not fname.endswith(".yaml"):
            continue
        case = load_model_yaml(os.path.join(models_dir, fname))
        shapes, _ = infer_shapes(case)
        net = build(case, seed=0)
        mine = {k: list(v.shape) for k, v in state_tensors(net).items()}
        msg = "%s: %d layers, %d tensors, %d parameters, output %s" % (
            fname, len(case.layers), len(mine), sum(int(np.prod(s)) for s in mine.values()),
            shapes[case.output_names[-1]])
        ref_fn = refs.get(case.name)
        if ref_fn is None:
            print(msg + " (no reference module)")
            continue
        torch.manual_seed(1)
        ref = ref_fn().eval()
        with torch.no_grad():
            for m in ref.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 2.0)
        theirs = {k: list(v.shape) for k, v in state_tensors(ref).items()}
        if mine != theirs:
            ok = False
            print(msg + ": MISMATCH with the reference module")
            for k in sorted(set(mine) | set(theirs)):
                if mine.get(k) != theirs.get(k):
                    print("   %s: yaml %s reference %s" % (k, mine.get(k), theirs.get(k)))
            continue
        net.load_state_dict(state_tensors(ref), strict=False)
        torch.manual_seed(2)
        x = torch.rand(*next(iter(case.inputs.values()))) * 2 - 1
        with torch.no_grad():
            y = net(x)[case.output_names[-1]]
            r = ref(x)
        err = (y - r).abs().max().item()
        good = err <= 1e-4 * max(1.0, r.abs().max().item())
        ok &= good
        print(msg + ": state_dict keys and shapes match the reference; max output diff %.3g %s"
              % (err, "ok" if good else "TOO LARGE"))
    return ok


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", nargs="?", default=DEFAULT_OUT, help="default: tests/fixtures")
    ap.add_argument("--only", action="append", metavar="NAME", help="generate only this case (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--check-models", action="store_true",
                    help="check models/*.yaml against torchvision and exit")
    args = ap.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")

    if args.check_models:
        sys.exit(0 if check_models(os.path.join(REPO, "models")) else 1)

    all_cases = cases()
    names = [c.name for c in all_cases]
    assert len(set(names)) == len(names), "duplicate case names"
    if args.list:
        for c in all_cases:
            print("%-28s %s" % (c.name, c.comment))
        return
    chosen = all_cases
    if args.only:
        unknown = set(args.only) - set(names)
        if unknown:
            ap.error("unknown case(s): " + ", ".join(sorted(unknown)))
        chosen = [c for c in all_cases if c.name in args.only]
    os.makedirs(args.outdir, exist_ok=True)
    total = 0
    for c in chosen:
        d = gen_case(c, args.outdir)
        total += sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    cross_check(args.outdir, {c.name for c in chosen})
    if not args.only:
        stray = sorted(set(e for e in os.listdir(args.outdir)
                           if os.path.isdir(os.path.join(args.outdir, e))) - set(names))
        if stray:
            print("note: directories of no current case (left alone): " + ", ".join(stray))
    print("wrote %d case(s), %.1f KiB, to %s" % (len(chosen), total / 1024.0, args.outdir))


if __name__ == "__main__":
    main()
