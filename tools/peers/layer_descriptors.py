"""One-line, benchdnn-like layer descriptors -> one-layer lgc models (YAML text), for the peer benchmarks.

"conv 64x56x56 k3 p1 oc64", "dwconv 144x56x56 k3 p1", "linear 9216->4096", ...:
the grammar is in bench_peers.py's docstring (its --help). Imported by
bench_peers.py, which puts tools/python on sys.path.
"""

import re

from lgc.model_yaml import flow_value

_ACTIVATIONS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}
_WINDOW_ATTRS = (("s", "stride"), ("p", "padding"), ("d", "dilation"))


def _size(v):
    """N, HxW or H,W -> an int or [h, w]."""
    parts = [int(p) for p in re.split(r"[x,]", v)]
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return parts
    raise ValueError("bad size '%s'" % v)


def kernel_yaml(desc, text):
    """The layer of `text` (descriptor_to_yaml's) between two 1x1 convolutions, or None.

    lgc keeps a model's inputs and outputs in NCHW, the caller's layout, and the
    layers inside in its own (channels in blocks of a SIMD vector, nChw16c with
    AVX-512). oneDNN is timed in its own layouts with no reorders; to time lgc's
    kernel alike, the layer reads the output of a 1x1 convolution and feeds a
    Flatten (which copies to NCHW), and `lgc bench --profile` gives the layer's
    own step time. A layer of few input channels (a network's first, which
    reads the image) reads the model input as it would in a network.
    """
    m = re.search(r"x: \[(\d+), (\d+), (\d+), (\d+)\]", text)
    if not m or desc.split()[0].lower() == "linear":
        return None
    c = int(m.group(2))
    lines = text.rstrip("\n").split("\n")
    head, layer = lines[:-1], lines[-1]
    out = []
    if c >= 8:
        out.append("  - {name: pre, op: Conv2d, in_channels: %d, out_channels: %d, kernel_size: 1}" % (c, c))
        layer = layer.replace("{name: layer,", "{name: layer, input: pre,")
    out.append(layer)
    out.append("  - {name: post, op: Flatten}")
    return "\n".join(head + out) + "\n"


def _linear(desc, rest):
    """(input shape, layer) of a `linear IN->OUT [nobias]` descriptor."""
    m = re.fullmatch(r"(\d+)->(\d+)", rest[0] if rest else "")
    if not m:
        raise ValueError("linear needs IN->OUT: '%s'" % desc)
    fin, fout = int(m.group(1)), int(m.group(2))
    layer = dict(op="Linear", in_features=fin, out_features=fout)
    for t in rest[1:]:
        if t != "nobias":
            raise ValueError("unknown token '%s' in '%s'" % (t, desc))
        layer["bias"] = False
    return [1, fin], layer


def _options(desc, tokens):
    """{key: value} of the tokens after a CxHxW shape (flags map to True)."""
    opts = {}
    for t in tokens:
        mm = re.fullmatch(r"(oc|k|s|p|d|g|m|o)(.+)", t)
        if t in ("nobias", "flip", "ceil", "excl"):
            opts[t] = True
        elif mm:
            key, val = mm.groups()
            opts[key] = val if (key == "p" and val in ("same", "valid")) else (
                int(val) if key in ("oc", "g", "m") else _size(val))
        else:
            raise ValueError("unknown token '%s' in '%s'" % (t, desc))
    return opts


def _only(desc, kind, opts, *allowed):
    bad = set(opts) - set(allowed)
    if bad:
        raise ValueError("'%s': %s does not take %s" % (desc, kind, sorted(bad)))


def _conv(desc, kind, c, opts):
    if "k" not in opts:
        raise ValueError("'%s' needs kK" % desc)
    if kind == "conv":
        _only(desc, kind, opts, "k", "s", "p", "d", "g", "oc", "nobias", "flip")
        if "oc" not in opts:
            raise ValueError("'%s' needs ocOC" % desc)
        oc, g = opts["oc"], opts.get("g", 1)
    else:
        _only(desc, kind, opts, "k", "s", "p", "d", "m", "nobias", "flip")
        g, oc = c, c * opts.get("m", 1)
    layer = dict(op="Conv2d", in_channels=c, out_channels=oc, kernel_size=opts["k"])
    layer.update((attr, opts[key]) for key, attr in _WINDOW_ATTRS if key in opts)
    if g != 1:
        layer["groups"] = g
    if opts.get("nobias"):
        layer["bias"] = False
    if opts.get("flip"):
        layer["flip"] = True
    return layer


def _pool(desc, kind, opts):
    if kind == "maxpool":
        _only(desc, kind, opts, "k", "s", "p", "d", "ceil", "excl")
    else:
        _only(desc, kind, opts, "k", "s", "p", "ceil", "excl")
    if "k" not in opts:
        raise ValueError("'%s' needs kK" % desc)
    layer = dict(op="MaxPool2d" if kind == "maxpool" else "AvgPool2d", kernel_size=opts["k"])
    layer.update((attr, opts[key]) for key, attr in _WINDOW_ATTRS if key in opts)
    if opts.get("ceil"):
        layer["ceil_mode"] = True
    if opts.get("excl"):
        if kind != "avgpool":
            raise ValueError("'%s': excl is for avgpool" % desc)
        layer["count_include_pad"] = False
    return layer


def _image_layer(desc, kind, rest):
    """(input shape, layer) of a descriptor on a CxHxW input."""
    m = re.fullmatch(r"(\d+)x(\d+)x(\d+)", rest[0] if rest else "")
    if not m:
        raise ValueError("'%s' needs an input shape CxHxW" % desc)
    c, h, w = (int(g) for g in m.groups())
    opts = _options(desc, rest[1:])
    if kind in ("conv", "dwconv"):
        layer = _conv(desc, kind, c, opts)
    elif kind in ("maxpool", "avgpool"):
        layer = _pool(desc, kind, opts)
    elif kind == "adaptive":
        _only(desc, kind, opts, "o")
        layer = dict(op="AdaptiveAvgPool2d", output_size=opts.get("o", 1))
    elif kind == "bn":
        _only(desc, kind, opts)
        layer = dict(op="BatchNorm2d", num_features=c)
    elif kind in _ACTIVATIONS:
        _only(desc, kind, opts)
        layer = dict(op=_ACTIVATIONS[kind])
    else:
        raise ValueError("unknown layer kind '%s' in '%s'" % (kind, desc))
    return [1, c, h, w], layer


def descriptor_to_yaml(desc):
    """(model name, YAML text) for a one-line layer descriptor."""
    toks = desc.split()
    if not toks:
        raise ValueError("empty descriptor")
    kind, rest = toks[0].lower(), toks[1:]
    name = "l_" + re.sub(r"[^A-Za-z0-9]+", "_", desc.strip()).strip("_").lower()
    inputs, layer = _linear(desc, rest) if kind == "linear" else _image_layer(desc, kind, rest)
    fields = ", ".join("%s: %s" % (k, flow_value(v)) for k, v in layer.items())
    text = ("# benchmark layer: %s\nmodel: %s\ninputs:\n  x: %s\nlayers:\n"
            "  - {name: layer, %s}\n" % (desc, name, flow_value(inputs), fields))
    return name, text
