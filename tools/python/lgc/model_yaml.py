"""lgc model files (SPEC section 1) as Python data: the operator table, a YAML loader, Model,
and flow_value, which writes a parameter value as YAML flow text.

No PyTorch here. load_yaml uses PyYAML when it is installed (Debian's
python3-yaml) and otherwise a small parser of the block/flow subset that lgc's
model files use.
"""

import json
import re

try:
    import yaml as _yaml
except ImportError:  # pragma: no cover - Debian has python3-yaml; fall back to a small parser
    _yaml = None

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

# Keys of a layer that are not operator parameters.
LAYER_KEYS = ("name", "op", "input")


def with_defaults(op, params):
    """A layer's parameters (LAYER_KEYS left out) with the op's defaults filled in."""
    attrs = dict(OPS[op][1])
    attrs.update((k, v) for k, v in params.items() if k not in LAYER_KEYS)
    return attrs


def pair(v):
    """An int or [h, w] -> (h, w)."""
    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise ValueError("expected an int or [h, w], got %r" % (v,))
        return (int(v[0]), int(v[1]))
    return (int(v), int(v))


# Words YAML 1.1 reads as booleans or null: a string spelt so must be quoted.
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def plain_name(s):
    """Whether the string can stand unquoted in a model file: an identifier (dots allowed)
    that YAML does not read as a boolean or null."""
    return re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", s) is not None and s.lower() not in _YAML_WORDS


def flow_value(v, float_text=repr, is_bare=plain_name):
    """A parameter value as YAML flow text: true/false, ints, floats by float_text, lists
    and tuples as [a, b], anything else as its text, bare when is_bare(text) holds and
    JSON-quoted otherwise."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return float_text(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(flow_value(x, float_text, is_bare) for x in v) + "]"
    text = str(v)
    return text if is_bare(text) else json.dumps(text)


# --------------------------------------------------------------------------------------------
# A small YAML reader, for machines without PyYAML
# --------------------------------------------------------------------------------------------

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


def _add_nested_line(doc, key, sub, body):
    """One indented line under top-level `key`; returns the (possibly new) collection."""
    if body.startswith("- "):
        item = body[2:].strip()
        if sub is None:
            sub = doc[key] = []
        if ":" in item and not item.startswith(("{", "[")):
            k, _, v = item.partition(":")
            sub.append({k.strip(): _parse_flow(v)})
        else:
            sub.append(_parse_flow(item))
        return sub
    k, _, v = body.partition(":")
    if sub is None:
        sub = doc[key] = {}
    if isinstance(sub, list):  # continuation of a block mapping list item
        sub[-1][k.strip()] = _parse_flow(v)
    else:
        sub[k.strip()] = _parse_flow(v)
    return sub


def _mini_yaml(text):
    """The block/flow subset lgc's model files use (used only without PyYAML)."""
    doc, key, sub = {}, None, None
    for raw in text.splitlines():
        line = _strip_comment(raw).rstrip()
        if not line.strip():
            continue
        if line[0] not in " \t":
            k, _, v = line.partition(":")
            key = k.strip()
            doc[key] = _parse_flow(v) if v.strip() else None
            sub = None
            continue
        sub = _add_nested_line(doc, key, sub, line.strip())
    return doc


def load_yaml(path):
    """The parsed YAML document of a model file."""
    with open(path) as f:
        text = f.read()
    if _yaml is not None:
        return _yaml.safe_load(text)
    return _mini_yaml(text)


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------

class Model:
    """A parsed lgc model: name, inputs (ordered name -> shape), layers, outputs.

    Each layer is dict(name, op, inputs (a list of names), attrs (defaults filled in)).
    """

    def __init__(self, doc, path="<model>"):
        self.path = path
        self.name = doc["model"]
        self.inputs = dict((str(k), [int(d) for d in v]) for k, v in doc["inputs"].items())
        self.layers = []
        seen = set(self.inputs)
        previous = next(iter(self.inputs))
        for raw in doc["layers"]:
            layer = self._layer(dict(raw), previous, seen)
            self.layers.append(layer)
            seen.add(layer["name"])
            previous = layer["name"]
        outs = doc.get("outputs")
        self.outputs = [str(o) for o in outs] if outs else [self.layers[-1]["name"]]

    def _layer(self, raw, previous, seen):
        path = self.path
        name, op = str(raw.pop("name")), raw.pop("op")
        if op not in OPS:
            raise ValueError("%s: layer '%s': unknown op '%s'" % (path, name, op))
        inp = raw.pop("input", None)
        ins = [previous] if inp is None else [str(i) for i in inp] if isinstance(inp, list) else [str(inp)]
        for i in ins:
            if i not in seen:
                raise ValueError("%s: layer '%s' reads '%s', not an earlier name" % (path, name, i))
        required, defaults = OPS[op]
        for k in required:
            if k not in raw:
                raise ValueError("%s: layer '%s' (%s) needs '%s'" % (path, name, op, k))
        for k in raw:
            if k not in required and k not in defaults:
                raise ValueError("%s: layer '%s' (%s): unknown key '%s'" % (path, name, op, k))
        return dict(name=name, op=op, inputs=ins, attrs=with_defaults(op, raw))


def load_model(path):
    return Model(load_yaml(path), path)
