#!/usr/bin/python3
"""Exports a PyTorch module to an lgc model: model.yaml + model.safetensors.

Traces a torch.nn.Module with torch.fx and writes each call as one lgc layer
(../shared/SPEC.md section 1). A layer that has parameters is named after its
module's state_dict prefix (`features.0`, `layer1.0.downsample.1`), so the
weights file is the module's state_dict itself (`num_batches_tracked`
dropped; tensors of modules the traced forward never calls, such as
GoogLeNet's auxiliary classifiers in eval mode, left out). Parameter-free
modules keep their own names too; one called twice gets `name`, `name_1`, ...
Function calls get `<scope>.<function>` names (`layer1.0.add`, `flatten`,
`inception3a.cat`), the scope being the module whose forward made the call,
made unique and never equal to a module's name.

Supported: modules Conv2d, BatchNorm2d, Linear, MaxPool2d, AvgPool2d,
AdaptiveAvgPool2d, Flatten, ReLU, ReLU6, Hardtanh(0, 6), LeakyReLU, Sigmoid,
Tanh, Softmax, Dropout, Dropout2d, Identity; functions and methods `+` /
torch.add, torch.cat, torch.flatten, x.view/reshape(x.size(0), -1) (a flatten),
F.relu, F.relu6, F.hardtanh(0, 6), F.leaky_relu, torch.sigmoid, torch.tanh,
F.softmax, F.adaptive_avg_pool2d, F.max_pool2d, F.avg_pool2d, F.dropout (eval),
x.mean((2, 3)) (a global average pool), x.contiguous(). Anything else is an
error that names the module or function (exit status 1): never a silently
different model. GoogLeNet/Inception's `transform_input` becomes a depthwise
1x1 Conv2d named `transform_input` (its weights are written too).

Command line (a torchvision model name, or FILE.py:NAME for a module class or
a function returning one):

    /usr/bin/python3 tools/lgc_export.py resnet18 --shape 1,3,224,224 -o models/resnet18
    /usr/bin/python3 tools/lgc_export.py mobilenet_v2 --no-weights -o models/mobilenet_v2
    /usr/bin/python3 tools/lgc_export.py mynet.py:Net --shape 1,1,28,28 --verify --lgc build/tools/lgc

Without network access there are no pretrained downloads: torchvision models
are built with seeded random weights (`--seed`; BatchNorm statistics and
affine parameters randomised too, so that a check means something), or read
from a saved state_dict (`--state-dict resnet18-f37072fd.pth`). `--verify`
runs `lgc run` on a seeded random input and requires every output within
SPEC section 5's tolerance, 1e-4 * max(1, max|expected|), of PyTorch's.

Library use:

    import lgc_export
    lgc_export.export(module, (1, 3, 224, 224), "out/net")   # out/net.yaml, out/net.safetensors
    model = lgc_export.convert(module, (1, 3, 224, 224))     # in memory: .yaml_text(), .tensors
"""

import argparse
import math
import operator
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "python"))
from lgc.model_yaml import flow_value  # noqa: E402

try:
    import numpy as np
    import torch
    import torch.fx
    import torch.nn as nn
    import torch.nn.functional as F
    from lgc.safetensors_io import write_safetensors
except ImportError as _e:  # pragma: no cover - reported by main()
    torch = None
    _IMPORT_ERROR = _e


class ExportError(Exception):
    """A module the exporter cannot express exactly in lgc's format."""


# --------------------------------------------------------------------------------------------
# The exported model
# --------------------------------------------------------------------------------------------

# Parameters written in this order in each layer line (the rest keep insertion order).
_KEY_ORDER = ["name", "op", "input"]


_BARE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def _float_text(v):
    return f"{v:.1f}" if v == int(v) and abs(v) < 1e15 else repr(v)


def _yaml_scalar(v):
    return flow_value(v, _float_text, _BARE.fullmatch)


class LgcModel:
    """A converted model: inputs, layers (dicts in order), outputs and weight tensors."""

    def __init__(self, name):
        self.name = name
        self.inputs = []      # (name, shape)
        self.layers = []      # dict: name, op, [input], params...
        self.outputs = []
        self.tensors = {}     # "<layer>.<param>" -> torch.Tensor
        self.notes = []       # lines for the header comment

    def yaml_text(self, header=()):
        lines = [f"# {h}" if h else "#" for h in header]
        lines += [f"model: {self.name}", "inputs:"]
        lines += [f"  {n}: {_yaml_scalar(list(s))}" for n, s in self.inputs]
        lines.append("layers:")
        previous = self.inputs[0][0] if len(self.inputs) == 1 else None
        for layer in self.layers:
            items = []
            for key in _KEY_ORDER + [k for k in layer if k not in _KEY_ORDER]:
                if key not in layer:
                    continue
                value = layer[key]
                if key == "input" and value == previous:
                    continue
                items.append(f"{key}: {_yaml_scalar(value)}")
            lines.append("  - {" + ", ".join(items) + "}")
            previous = layer["name"]
        lines.append("outputs: " + _yaml_scalar(self.outputs))
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Tracing
# --------------------------------------------------------------------------------------------

def _tracer_class():
    class ScopeTracer(torch.fx.Tracer):
        """symbolic_trace's tracer, recording which module's forward created each node."""

        def __init__(self):
            super().__init__()
            self.scope = [""]

        def call_module(self, m, forward, args, kwargs):
            self.scope.append(self.path_of_module(m))
            try:
                return super().call_module(m, forward, args, kwargs)
            finally:
                self.scope.pop()

        def create_node(self, *args, **kwargs):
            node = super().create_node(*args, **kwargs)
            node.meta["lgc_scope"] = self.scope[-1]
            return node

    return ScopeTracer


def _pair(v):
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            return int(v[0])
        if len(v) != 2:
            raise ExportError(f"expected an int or a pair, got {v!r}")
        return int(v[0]) if v[0] == v[1] else [int(v[0]), int(v[1])]
    return int(v)


def _window_params(kernel, stride, padding):
    """A pool's kernel_size, and its stride and padding where they are not the defaults."""
    p = dict(kernel_size=_pair(kernel))
    stride = kernel if stride is None or stride == [] or stride == () else stride
    if _pair(stride) != _pair(kernel):
        p["stride"] = _pair(stride)
    if _pair(padding) != 0:
        p["padding"] = _pair(padding)
    return p


def _bind(node, names, defaults, what):
    """Positional and keyword arguments of a call node as {name: value}."""
    args = list(node.args)
    if len(args) > len(names):
        raise ExportError(f"{what}: too many arguments")
    out = dict(defaults)
    out.update(zip(names, args))
    for k, v in node.kwargs.items():
        if k not in names:
            raise ExportError(f"{what}: unsupported argument '{k}'")
        out[k] = v
    missing = [n for n in names if n not in out]
    if missing:
        raise ExportError(f"{what}: missing argument '{missing[0]}'")
    return out


def _target_name(node):
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    t = node.target
    mod = getattr(t, "__module__", None) or ""
    name = getattr(t, "__name__", repr(t))
    if mod in ("_operator", "operator"):
        return f"operator.{name}"
    if mod.startswith("torch.nn.functional") or t in _functional_set():
        return f"F.{name}"
    if mod.startswith("torch") or mod == "" or mod is None:
        return f"torch.{name}"
    return f"{mod}.{name}"


_FUNCTIONAL = []


def _functional_set():
    if not _FUNCTIONAL:
        _FUNCTIONAL.append({getattr(F, n) for n in dir(F) if callable(getattr(F, n, None))})
    return _FUNCTIONAL[0]


def _is_inplace(node, modules):
    """Whether the call overwrites its first argument (PyTorch's in-place forms)."""
    if node.op == "call_module":
        m = modules[node.target]
        return getattr(m, "inplace", False) is True and not isinstance(m, nn.modules.dropout._DropoutNd)
    if node.op == "call_method":
        return node.target.endswith("_") and not node.target.startswith("__") or \
            node.target == "__iadd__"
    if node.op != "call_function":
        return False
    t = node.target
    if t is operator.iadd or node.kwargs.get("inplace") is True:
        return True
    if getattr(t, "__name__", "").endswith("_") and not getattr(t, "__name__", "").startswith("_"):
        return True
    position = {F.relu: 1, F.relu6: 1, F.leaky_relu: 2, F.hardtanh: 3}
    for f, i in position.items():
        if t is f and len(node.args) > i and node.args[i] is True:
            return True
    return False


class _Call:
    """A call node's target: fn(*targets) and method(*names) test it; what names it in errors."""

    def __init__(self, node):
        self.target, self.op = node.target, node.op
        self.what = f"{_target_name(node)} in '{node.meta.get('lgc_scope') or 'forward'}'"
        self.is_m = node.op == "call_method"

    def fn(self, *targets):
        return self.op == "call_function" and any(self.target is x for x in targets)

    def method(self, *names):
        return self.is_m and self.target in names


class _Converter:
    def __init__(self, module, shapes, name, input_names):
        self.shapes = [tuple(int(d) for d in s) for s in shapes]
        self.model = LgcModel(name)
        self.input_names = input_names
        self.order = {}
        self.modules = dict(module.named_modules())
        self.reserved = set(self.modules) | {k.rsplit(".", 1)[0] for k in module.state_dict()}
        self.used = set()
        self.values = {}        # node -> ("tensor", name) | ("batch", src) | ("shape", src) | ("int", v)
        self.module_uses = {}

    # ---- names ------------------------------------------------------------------------------
    def _unique(self, base):
        if base not in self.used and base not in self.reserved:
            self.used.add(base)
            return base
        k = 1
        while f"{base}_{k}" in self.used or f"{base}_{k}" in self.reserved:
            k += 1
        self.used.add(f"{base}_{k}")
        return f"{base}_{k}"

    def _module_layer_name(self, target):
        uses = self.module_uses.get(target, 0)
        self.module_uses[target] = uses + 1
        if uses == 0 and target not in self.used:
            self.used.add(target)
            return target, True
        return self._unique(target), False

    def _function_layer_name(self, node, short):
        scope = node.meta.get("lgc_scope", "")
        return self._unique(f"{scope}.{short}" if scope else short)

    # ---- values -----------------------------------------------------------------------------
    def tensor(self, arg, what):
        if isinstance(arg, torch.fx.Node):
            v = self.values.get(arg)
            if v is not None and v[0] == "tensor":
                return v[1]
        raise ExportError(f"{what}: expected a tensor computed by the model, got {arg!r}")

    def shape(self, node):
        shape = node.meta.get("lgc_shape") if isinstance(node, torch.fx.Node) else None
        if shape is None:
            raise ExportError(f"expected a tensor, got {node!r}")
        return shape

    def emit(self, name, op, inputs, **params):
        layer = {"name": name, "op": op}
        if inputs is not None:
            layer["input"] = inputs[0] if len(inputs) == 1 else list(inputs)
        layer.update(params)
        self.model.layers.append(layer)
        return name

    # ---- the walk ---------------------------------------------------------------------------
    def run(self, graph, transform=None):
        placeholders = [n for n in graph.nodes if n.op == "placeholder"]
        if len(placeholders) != len(self.shapes):
            raise ExportError(f"the module's forward takes {len(placeholders)} inputs but "
                              f"{len(self.shapes)} shapes were given")
        for i, (node, shape) in enumerate(zip(placeholders, self.shapes)):
            name = self.input_names[i] if self.input_names else (
                "image" if len(placeholders) == 1 else node.name)
            name = self._unique(name)
            self.model.inputs.append((name, shape))
            self.values[node] = ("tensor", name)
        if transform is not None:
            # transform_input: a depthwise 1x1 convolution in front of everything.
            scale, shift = transform
            src = self.model.inputs[0][0]
            layer = self._unique("transform_input")
            self.emit(layer, "Conv2d", [src], in_channels=3, out_channels=3, kernel_size=1,
                      groups=3)
            self.model.tensors[f"{layer}.weight"] = scale.view(3, 1, 1, 1).clone()
            self.model.tensors[f"{layer}.bias"] = shift.clone()
            self.values[placeholders[0]] = ("tensor", layer)
            self.model.notes.append(f"'{layer}' is the module's transform_input (a per-channel "
                                    "affine map) as a depthwise 1x1 Conv2d; its tensors are "
                                    "not in the state_dict.")
        self.order = {node: i for i, node in enumerate(graph.nodes)}
        for node in graph.nodes:
            if node.op == "placeholder":
                continue
            if _is_inplace(node, self.modules):
                self.check_inplace(node)
            if node.op == "output":
                self.output(node)
            elif node.op == "call_module":
                self.call_module(node)
            elif node.op in ("call_function", "call_method"):
                self.call_function(node)
            elif node.op == "get_attr":
                raise ExportError(f"'{node.target}': a parameter or buffer used directly in "
                                  "forward (not through a supported module) is not supported")
            else:
                raise ExportError(f"unsupported graph node '{node.name}' ({node.op})")
        return self.model

    def check_inplace(self, node):
        """An in-place call is a plain layer unless its input is read again afterwards."""
        src = node.args[0] if node.args else None
        if not isinstance(src, torch.fx.Node):
            return
        later = [u for u in src.users if u is not node and self.order[u] > self.order[node]]
        if later:
            what = (f"module '{node.target}'" if node.op == "call_module" else
                    f"{_target_name(node)} in '{node.meta.get('lgc_scope') or 'forward'}'")
            raise ExportError(f"{what}: in-place operation on a value that is read again "
                              f"afterwards (by '{later[0].name}'); lgc layers never modify "
                              "their input: make it out of place")

    def output(self, node):
        result = node.args[0]
        if isinstance(result, dict):
            result = list(result.values())
        if not isinstance(result, (list, tuple)):
            result = [result]
        for r in result:
            name = self.tensor(r, "model output")
            if name in dict(self.model.inputs):
                name = self.emit(self._unique("output"), "Identity", [name])
            self.model.outputs.append(name)

    # ---- modules ----------------------------------------------------------------------------
    def call_module(self, node):
        m = self.modules[node.target]
        kind = type(m).__name__
        what = f"module '{node.target}' ({kind})"
        if node.kwargs or len(node.args) != 1:
            raise ExportError(f"{what}: called with {len(node.args)} arguments; one tensor expected")
        src = self.tensor(node.args[0], what)
        layer, first = self._module_layer_name(node.target)
        params = None
        if isinstance(m, nn.Conv2d) and type(m) in (nn.Conv2d,):
            if m.padding_mode != "zeros":
                raise ExportError(f"{what}: padding_mode='{m.padding_mode}' is not supported "
                                  "(only zeros)")
            p = dict(in_channels=m.in_channels, out_channels=m.out_channels,
                     kernel_size=_pair(m.kernel_size))
            if _pair(m.stride) != 1:
                p["stride"] = _pair(m.stride)
            padding = m.padding if isinstance(m.padding, str) else _pair(m.padding)
            if padding != 0:
                p["padding"] = padding
            if _pair(m.dilation) != 1:
                p["dilation"] = _pair(m.dilation)
            if m.groups != 1:
                p["groups"] = m.groups
            if m.bias is None:
                p["bias"] = False
            self.emit(layer, "Conv2d", [src], **p)
            params = ["weight"] + (["bias"] if m.bias is not None else [])
        elif type(m) is nn.BatchNorm2d:
            if m.running_mean is None or m.running_var is None:
                raise ExportError(f"{what}: track_running_stats=False (batch statistics at "
                                  "inference) is not supported")
            p = dict(num_features=m.num_features)
            if m.eps != 1e-5:
                p["eps"] = float(m.eps)
            self.emit(layer, "BatchNorm2d", [src], **p)
            params = ["weight", "bias", "running_mean", "running_var"]
        elif type(m) is nn.Linear:
            p = dict(in_features=m.in_features, out_features=m.out_features)
            if m.bias is None:
                p["bias"] = False
            self.emit(layer, "Linear", [src], **p)
            params = ["weight"] + (["bias"] if m.bias is not None else [])
        elif type(m) is nn.MaxPool2d:
            if m.return_indices:
                raise ExportError(f"{what}: return_indices=True is not supported")
            self.max_pool(layer, src, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode)
        elif type(m) is nn.AvgPool2d:
            self.avg_pool(layer, src, m.kernel_size, m.stride, m.padding, m.ceil_mode,
                          m.count_include_pad, m.divisor_override)
        elif type(m) is nn.AdaptiveAvgPool2d:
            self.adaptive_avg_pool(layer, src, node, m.output_size)
        elif type(m) is nn.Flatten:
            self.flatten(layer, src, node, m.start_dim, m.end_dim)
        elif type(m) in (nn.ReLU, nn.ReLU6, nn.Sigmoid, nn.Tanh, nn.Identity):
            self.emit(layer, kind, [src])
        elif type(m) is nn.Hardtanh and m.min_val == 0.0 and m.max_val == 6.0:
            self.emit(layer, "ReLU6", [src])
        elif type(m) is nn.LeakyReLU:
            self.leaky_relu(layer, src, m.negative_slope)
        elif type(m) in (nn.Dropout, nn.Dropout2d):
            self.emit(layer, "Dropout", [src], p=float(m.p))
        elif type(m) is nn.Softmax:
            self.softmax(layer, src, node, m.dim, what)
        else:
            raise ExportError(f"{what}: module type {kind} is not supported by lgc "
                              "(see SPEC section 1 for the operators)")
        self.values[node] = ("tensor", layer)
        if params:
            for p in params:
                tensor = getattr(m, p)
                if tensor is None:  # BatchNorm2d(affine=False): the identity transform
                    tensor = (torch.ones if p == "weight" else torch.zeros)(m.num_features)
                self.model.tensors[f"{layer}.{p}"] = tensor.detach()
            if not first:
                self.model.notes.append(f"'{layer}' is a second call of module '{node.target}': "
                                        f"its tensors are copies of '{node.target}.*'.")

    # ---- shared op builders -----------------------------------------------------------------
    def max_pool(self, layer, src, kernel, stride, padding, dilation, ceil_mode):
        p = _window_params(kernel, stride, padding)
        if _pair(dilation) != 1:
            p["dilation"] = _pair(dilation)
        if ceil_mode:
            p["ceil_mode"] = True
        self.emit(layer, "MaxPool2d", [src], **p)

    def avg_pool(self, layer, src, kernel, stride, padding, ceil_mode, count_include_pad,
                 divisor_override):
        p = _window_params(kernel, stride, padding)
        if ceil_mode:
            p["ceil_mode"] = True
        if not count_include_pad:
            p["count_include_pad"] = False
        if divisor_override:
            p["divisor_override"] = int(divisor_override)
        self.emit(layer, "AvgPool2d", [src], **p)

    def adaptive_avg_pool(self, layer, src, node, output_size):
        in_shape = self.shape(node.args[0])
        if isinstance(output_size, (list, tuple)):
            size = [in_shape[-2 + i] if s is None else int(s) for i, s in enumerate(output_size)]
        else:
            size = [in_shape[-2] if output_size is None else int(output_size)] * 2
        self.emit(layer, "AdaptiveAvgPool2d", [src], output_size=_pair(size))

    def flatten(self, layer, src, node, start_dim, end_dim):
        p = {}
        if start_dim != 1:
            p["start_dim"] = int(start_dim)
        if end_dim != -1:
            p["end_dim"] = int(end_dim)
        self.emit(layer, "Flatten", [src], **p)

    def leaky_relu(self, layer, src, slope):
        p = {} if slope == 0.01 else {"negative_slope": float(slope)}
        self.emit(layer, "LeakyReLU", [src], **p)

    def softmax(self, layer, src, node, dim, what):
        if dim is None:
            raise ExportError(f"{what}: softmax without an explicit dim is not supported")
        ndim = len(self.shape(node.args[0]))
        dim = dim + ndim if dim < 0 else dim
        self.emit(layer, "Softmax", [src], **({} if dim == 1 else {"dim": int(dim)}))

    # ---- functions and methods --------------------------------------------------------------
    def call_function(self, node):
        c = _Call(node)
        if self._size_value(node, c):
            return
        name = self._structural(node, c) or self._activation(node, c) or self._pool_or_reduce(node, c)
        if name is None:
            raise ExportError(f"{c.what}: {'method' if c.is_m else 'function'} "
                              f"{_target_name(node)} is not supported by lgc")
        self.values[node] = ("tensor", name)

    def _size_value(self, node, c):
        """Sizes and shapes (feeding a flatten-like view/reshape) and contiguous(): True when handled."""
        what, fn, method = c.what, c.fn, c.method
        if method("size"):
            b = _bind(node, ["self", "dim"], {"dim": None}, what)
            self.tensor(b["self"], what)
            kind = "batch" if b["dim"] == 0 else "shape" if b["dim"] is None else "size"
            self.values[node] = (kind, node.args[0])
            return True
        if fn(getattr) and len(node.args) == 2 and node.args[1] == "shape":
            self.tensor(node.args[0], what)
            self.values[node] = ("shape", node.args[0])
            return True
        if fn(operator.getitem) and isinstance(node.args[0], torch.fx.Node) and \
                self.values.get(node.args[0], ("",))[0] == "shape":
            if node.args[1] == 0:
                self.values[node] = ("batch", self.values[node.args[0]][1])
                return True
            raise ExportError(f"{what}: using a tensor's size other than the batch size "
                              "is not supported")
        if method("contiguous"):
            self.values[node] = ("tensor", self.tensor(node.args[0], what))
            return True
        return False

    def _structural(self, node, c):
        """add, cat, flatten, a flatten-like view/reshape: the layer's name, or None."""
        t, what, is_m, fn, method = node.target, c.what, c.is_m, c.fn, c.method
        if fn(operator.add, operator.iadd, torch.add) or method("add", "add_", "__add__",
                                                                "__iadd__"):
            if node.kwargs.get("alpha", 1) != 1 or len(node.args) > 2:
                raise ExportError(f"{what}: add with alpha is not supported")
            a, b = node.args[0], node.args[1] if len(node.args) > 1 else node.kwargs.get("other")
            srcs = [self.tensor(a, what + " (adding a constant is not supported)"),
                    self.tensor(b, what + " (adding a constant is not supported)")]
            if self.shape(node.args[0]) != self.shape(b):
                raise ExportError(f"{what}: broadcasting add of {list(self.shape(a))} and "
                                  f"{list(self.shape(b))} is not supported (same shapes only)")
            name = self.emit(self._function_layer_name(node, "add"), "Add", srcs)
            return name
        if fn(torch.cat, getattr(torch, "concat", torch.cat)):
            b = _bind(node, ["tensors", "dim"], {"dim": 0}, what)
            srcs = [self.tensor(x, what) for x in b["tensors"]]
            ndim = len(self.shape(node))
            dim = b["dim"] + ndim if b["dim"] < 0 else b["dim"]
            name = self._function_layer_name(node, "cat")
            self.emit(name, "Concat", srcs, **({} if dim == 1 else {"dim": int(dim)}))
            return name
        if fn(torch.flatten) or method("flatten"):
            b = _bind(node, ["input" if not is_m else "self", "start_dim", "end_dim"],
                      {"start_dim": 0, "end_dim": -1}, what)
            src = self.tensor(node.args[0], what)
            name = self._function_layer_name(node, "flatten")
            self.flatten(name, src, node, b["start_dim"], b["end_dim"])
            return name
        if method("view", "reshape") or fn(torch.reshape):
            src = self.tensor(node.args[0], what)
            dims = list(node.args[1:])
            if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
                dims = list(dims[0])
            if "shape" in node.kwargs:
                dims = list(node.kwargs["shape"])
            in_shape, out_shape = self.shape(node.args[0]), self.shape(node)
            rest = math.prod(in_shape[1:])
            first_is_batch = (dims and (dims[0] == -1 or (
                isinstance(dims[0], torch.fx.Node) and
                self.values.get(dims[0]) == ("batch", node.args[0]))))
            if len(dims) == 2 and first_is_batch and dims[1] in (-1, rest) and \
                    (dims[0] != -1 or dims[1] == rest) and \
                    out_shape == (in_shape[0], rest):
                name = self._function_layer_name(node, "flatten")
                self.emit(name, "Flatten", [src])
            else:
                raise ExportError(f"{what}: only x.{t if is_m else 'reshape'}(x.size(0), -1) "
                                  "(a flatten) is supported, not a general reshape")
            return name
        return None

    def _activation(self, node, c):
        """The activation functions and softmax: the layer's name, or None."""
        what, fn, method = c.what, c.fn, c.method
        if fn(F.relu, torch.relu, torch.relu_, getattr(F, "relu_", F.relu)) or \
                method("relu", "relu_"):
            name = self.emit(self._function_layer_name(node, "relu"), "ReLU",
                             [self.tensor(node.args[0], what)])
            return name
        if fn(F.relu6):
            name = self.emit(self._function_layer_name(node, "relu6"), "ReLU6",
                             [self.tensor(node.args[0], what)])
            return name
        if fn(F.hardtanh, getattr(F, "hardtanh_", F.hardtanh)):
            b = _bind(node, ["input", "min_val", "max_val", "inplace"],
                      {"min_val": -1.0, "max_val": 1.0, "inplace": False}, what)
            if (b["min_val"], b["max_val"]) != (0.0, 6.0):
                raise ExportError(f"{what}: hardtanh is supported only as relu6 (0, 6)")
            name = self.emit(self._function_layer_name(node, "relu6"), "ReLU6",
                             [self.tensor(b["input"], what)])
            return name
        if fn(F.leaky_relu, getattr(F, "leaky_relu_", F.leaky_relu)):
            b = _bind(node, ["input", "negative_slope", "inplace"],
                      {"negative_slope": 0.01, "inplace": False}, what)
            name = self._function_layer_name(node, "leaky_relu")
            self.leaky_relu(name, self.tensor(b["input"], what), b["negative_slope"])
            return name
        if fn(torch.sigmoid, F.sigmoid) or method("sigmoid"):
            name = self.emit(self._function_layer_name(node, "sigmoid"), "Sigmoid",
                             [self.tensor(node.args[0], what)])
            return name
        if fn(torch.tanh, F.tanh) or method("tanh"):
            name = self.emit(self._function_layer_name(node, "tanh"), "Tanh",
                             [self.tensor(node.args[0], what)])
            return name
        if fn(F.softmax, torch.softmax) or method("softmax"):
            b = _bind(node, ["input", "dim", "_stacklevel", "dtype"],
                      {"dim": None, "_stacklevel": 3, "dtype": None}, what)
            if b["dtype"] is not None:
                raise ExportError(f"{what}: softmax with a dtype is not supported")
            name = self._function_layer_name(node, "softmax")
            self.softmax(name, self.tensor(b["input"], what), node, b["dim"], what)
            return name
        return None

    def _pool_or_reduce(self, node, c):
        """Pools, dropout and a global mean: the layer's name, or None."""
        what, is_m, fn, method = c.what, c.is_m, c.fn, c.method
        if fn(F.adaptive_avg_pool2d):
            b = _bind(node, ["input", "output_size"], {}, what)
            name = self._function_layer_name(node, "adaptive_avg_pool2d")
            self.adaptive_avg_pool(name, self.tensor(b["input"], what), node, b["output_size"])
            return name
        if fn(F.max_pool2d, torch.max_pool2d):
            b = _bind(node, ["input", "kernel_size", "stride", "padding", "dilation",
                             "ceil_mode", "return_indices"],
                      {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False,
                       "return_indices": False}, what)
            if b["return_indices"]:
                raise ExportError(f"{what}: return_indices=True is not supported")
            name = self._function_layer_name(node, "max_pool2d")
            self.max_pool(name, self.tensor(b["input"], what), b["kernel_size"], b["stride"],
                          b["padding"], b["dilation"], b["ceil_mode"])
            return name
        if fn(F.avg_pool2d, torch.avg_pool2d if hasattr(torch, "avg_pool2d") else F.avg_pool2d):
            b = _bind(node, ["input", "kernel_size", "stride", "padding", "ceil_mode",
                             "count_include_pad", "divisor_override"],
                      {"stride": None, "padding": 0, "ceil_mode": False,
                       "count_include_pad": True, "divisor_override": None}, what)
            name = self._function_layer_name(node, "avg_pool2d")
            self.avg_pool(name, self.tensor(b["input"], what), b["kernel_size"], b["stride"],
                          b["padding"], b["ceil_mode"], b["count_include_pad"],
                          b["divisor_override"])
            return name
        if fn(F.dropout, F.dropout2d):
            b = _bind(node, ["input", "p", "training", "inplace"],
                      {"p": 0.5, "training": True, "inplace": False}, what)
            if b["training"] is not False:
                raise ExportError(f"{what}: dropout with training=True is random; pass "
                                  "training=self.training and export in eval mode")
            name = self._function_layer_name(node, "dropout")
            self.emit(name, "Dropout", [self.tensor(b["input"], what)], p=float(b["p"]))
            return name
        if fn(torch.mean) or method("mean"):
            b = _bind(node, ["input" if not is_m else "self", "dim", "keepdim", "dtype"],
                      {"dim": None, "keepdim": False, "dtype": None}, what)
            src = self.tensor(node.args[0], what)
            in_shape = self.shape(node.args[0])
            dims = b["dim"] if isinstance(b["dim"], (list, tuple)) else [b["dim"]]
            dims = sorted(d + len(in_shape) if d is not None and d < 0 else d for d in dims
                          if d is not None)
            if len(in_shape) != 4 or dims != [2, 3] or b["dtype"] is not None:
                raise ExportError(f"{what}: mean is supported only over dims (2, 3) of an "
                                  "N, C, H, W tensor (a global average pool)")
            name = self._function_layer_name(node, "mean")
            self.emit(name, "AdaptiveAvgPool2d", [src], output_size=1)
            if not b["keepdim"]:
                name = self.emit(self._function_layer_name(node, "flatten"), "Flatten", [name])
            return name
        return None


# Module types lgc expresses (checked by exact type: a subclass may change forward).
_MODULES = ("Conv2d", "BatchNorm2d", "Linear", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
            "Flatten", "ReLU", "ReLU6", "Sigmoid", "Tanh", "Identity", "Hardtanh", "LeakyReLU",
            "Dropout", "Dropout2d", "Softmax")


def _check_module(target, m):
    kind = type(m).__name__
    if not any(type(m) is getattr(nn, k) for k in _MODULES):
        raise ExportError(f"module '{target}' ({kind}): module type {kind} is not supported by "
                          "lgc (see SPEC section 1 for the operators)")


def _propagate_shapes(gm, shapes):
    """Runs the traced module on zeros, recording each node's output shape (lgc_shape)."""

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n):
            try:
                result = super().run_node(n)
            except Exception as e:  # noqa: BLE001 - the user's model failed on its input
                if n.op == "call_module":
                    what = f"module '{n.target}' ({type(self.module.get_submodule(n.target)).__name__})"
                elif n.op in ("call_function", "call_method"):
                    what = f"{_target_name(n)} in '{n.meta.get('lgc_scope') or 'forward'}'"
                else:
                    what = f"'{n.name}'"
                message = str(e).split("\n\nWhile executing")[0].strip()
                raise ExportError(f"running the module on inputs of shape "
                                  f"{[list(s) for s in shapes]} failed at {what}: "
                                  f"{type(e).__name__}: {message}") from None
            if isinstance(result, torch.Tensor):
                n.meta["lgc_shape"] = tuple(result.shape)
            return result

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Recorder(gm).run(*[torch.zeros(s) for s in shapes])


class _Wrap(nn.Module if torch is not None else object):
    """Holds a bare leaf module under a name, so that its layer has one."""

    def __init__(self, name, module):
        super().__init__()
        self.inner = name
        self.add_module(name, module)

    def forward(self, x):
        return getattr(self, self.inner)(x)


def _is_leaf(module):
    return torch.fx.Tracer().is_leaf_module(module, "")


def _transform_input_affine(module):
    """GoogLeNet/Inception3 `transform_input`: the per-channel affine map it applies."""
    f = module._transform_input
    with torch.no_grad():
        zero = f(torch.zeros(1, 3, 1, 1)).flatten()
        scale = f(torch.ones(1, 3, 1, 1)).flatten() - zero
        x = torch.randn(2, 3, 5, 4)
        if not torch.allclose(f(x), x * scale.view(1, 3, 1, 1) + zero.view(1, 3, 1, 1),
                              atol=1e-5):
            raise ExportError("transform_input is not a per-channel affine map")
    return scale, zero


def convert(module, shapes, name=None, input_names=None):
    """Converts `module` (put in eval mode) for input shape(s) `shapes` to an LgcModel."""
    if isinstance(shapes[0], int):
        shapes = [shapes]
    name = name or re.sub(r"\W", "_", type(module).__name__.lower())
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        name = "m_" + re.sub(r"\W", "_", name)
    module = module.eval()
    if _is_leaf(module):
        # A bare leaf module (nn.Conv2d(...)) has state_dict names without a prefix; a layer
        # needs a name, so it becomes the module's type name (`conv2d.weight`).
        module = _Wrap(type(module).__name__.lower(), module)
    transform = bool(getattr(module, "transform_input", False)) and hasattr(module,
                                                                            "_transform_input")
    try:
        if transform:
            module.transform_input = False
        tracer = _tracer_class()()
        try:
            graph = tracer.trace(module)
        except ExportError:
            raise
        except Exception as e:  # noqa: BLE001 - any tracing failure is the user's model
            raise ExportError(f"torch.fx cannot trace {type(module).__name__}: "
                              f"{type(e).__name__}: {e}") from None
        gm = torch.fx.GraphModule(tracer.root, graph)
        for node in graph.nodes:  # name an unsupported module before running anything
            if node.op == "call_module":
                _check_module(node.target, gm.get_submodule(node.target))
        _propagate_shapes(gm, shapes)
    finally:
        if transform:
            module.transform_input = True
    conv = _Converter(module, shapes, name, input_names)
    model = conv.run(graph, _transform_input_affine(module) if transform else None)
    if not model.layers:
        raise ExportError("the module computes nothing lgc can express (no layers)")
    return model


# --------------------------------------------------------------------------------------------
# Export, verify
# --------------------------------------------------------------------------------------------

def export(module, shape, out_prefix, name=None, header=(), weights=True, yaml=True,
           input_names=None, trailer=()):
    """Writes OUT_PREFIX.yaml and OUT_PREFIX.safetensors for `module`; returns the LgcModel."""
    model = convert(module, shape, name=name, input_names=input_names)
    directory = os.path.dirname(os.path.abspath(out_prefix))
    os.makedirs(directory, exist_ok=True)
    if yaml:
        lines = list(header) or [f"{type(module).__name__}, exported by tools/lgc_export.py."]
        lines += [w for n in model.notes for w in textwrap.wrap(n, 94)] + list(trailer)
        tmp = out_prefix + ".yaml.tmp"
        with open(tmp, "w") as f:
            f.write(model.yaml_text(lines))
        os.replace(tmp, out_prefix + ".yaml")
    if weights:
        write_safetensors(out_prefix + ".safetensors", model.tensors)
    return model


def find_lgc(path=None):
    """The lgc binary: `path`, else `lgc` on PATH, else build/tools/lgc."""
    if path:
        return path
    found = shutil.which("lgc")
    if found:
        return found
    built = os.path.join(ROOT, "build", "tools", "lgc")
    if os.path.exists(built):
        return built
    raise ExportError("no lgc binary: put it on PATH or pass --lgc PATH")


def verify(module, model, yaml_path, weights_path, lgc, seed=0, batch=None, threads=None,
           workdir=None):
    """Runs lgc on seeded random inputs and compares with `module`.

    Returns (ok, [(output name, max |diff|, tolerance)]).
    """
    gen = torch.Generator().manual_seed(seed)
    xs = []
    for _, shape in model.inputs:
        shape = list(shape)
        if batch:
            shape[0] = batch
        xs.append(torch.rand(shape, generator=gen) * 2 - 1)
    with torch.no_grad():
        want = module.eval()(*xs)
    if isinstance(want, dict):
        want = list(want.values())
    if not isinstance(want, (list, tuple)):
        want = [want]
    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="lgc_export_")
    try:
        cmd = [lgc, "run", yaml_path, "--weights", weights_path]
        for (name, _), x in zip(model.inputs, xs):
            path = os.path.join(workdir, f"in.{name}.npy")
            np.save(path, x.numpy().astype("<f4"))
            cmd += ["--input", f"{name}={path}"]
        outs = []
        for i, name in enumerate(model.outputs):
            path = os.path.join(workdir, f"out{i}.npy")
            outs.append(path)
            cmd += ["--output", f"{name}={path}"]
        if batch:
            cmd += ["--batch", str(batch)]
        if threads:
            cmd += ["--threads", str(threads)]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            raise ExportError(f"lgc run failed (exit {run.returncode}): {run.stderr.strip()}")
        results, ok = [], True
        for name, path, w in zip(model.outputs, outs, want):
            got = np.load(path)
            w = w.numpy()
            if got.shape != w.shape:
                raise ExportError(f"output '{name}': lgc gives shape {list(got.shape)}, "
                                  f"PyTorch {list(w.shape)}")
            diff = float(np.abs(got.astype(np.float64) - w).max()) if w.size else 0.0
            tol = 1e-4 * max(1.0, float(np.abs(w).max()) if w.size else 0.0)
            ok &= diff <= tol
            results.append((name, diff, tol))
        return ok, results
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Building modules from the command line
# --------------------------------------------------------------------------------------------

def randomise_batchnorm(module, seed):
    """Seeded random BatchNorm statistics and affine parameters (else BN is nearly identity)."""
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                if m.running_mean is not None:
                    m.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
                    m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
                if m.weight is not None:
                    m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                    m.bias.copy_(torch.rand(n, generator=gen) - 0.5)


def _parse_value(text):
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def build_module(spec, kwargs, seed):
    """A module from a torchvision name or FILE.py:NAME, with seeded random weights."""
    torch.manual_seed(seed)
    if ":" in spec and spec.split(":", 1)[0].endswith(".py"):
        path, attr = spec.rsplit(":", 1)
        import importlib.util
        loader_spec = importlib.util.spec_from_file_location("lgc_export_user_module", path)
        if loader_spec is None or not os.path.exists(path):
            raise ExportError(f"{path}: no such Python file")
        user = importlib.util.module_from_spec(loader_spec)
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        loader_spec.loader.exec_module(user)
        if not hasattr(user, attr):
            raise ExportError(f"{path} defines no '{attr}'")
        module = getattr(user, attr)(**kwargs)
        if not isinstance(module, nn.Module):
            raise ExportError(f"{spec} did not return a torch.nn.Module")
        return module, attr.lower()
    try:
        import torchvision
    except ImportError as e:
        raise ExportError(f"'{spec}' needs torchvision ({e}); or give FILE.py:NAME") from None
    builder = getattr(torchvision.models, spec, None)
    if builder is None or spec.startswith("_") or not callable(builder):
        raise ExportError(f"'{spec}' is not a torchvision.models model (nor FILE.py:NAME)")
    if spec == "googlenet":
        kwargs.setdefault("init_weights", True)  # torchvision's init, without its warning
    module = builder(**kwargs)
    return module, spec


def _parse_shape(text):
    try:
        shape = [int(d) for d in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad shape '{text}': want N,C,H,W or N,F") from None
    if len(shape) not in (2, 4) or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"bad shape '{text}': want N,C,H,W or N,F, all >= 1")
    return shape


def _argument_parser():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Exit status: 0 success, 1 unsupported model, failed lgc run or --verify "
               "mismatch, 2 bad command line.")
    parser.add_argument("model", help="a torchvision.models name (resnet18, vgg16, ...) or "
                        "FILE.py:NAME (a Module class or a function returning a Module)")
    parser.add_argument("--shape", type=_parse_shape, action="append",
                        help="input shape N,C,H,W (or N,F); repeat for several inputs "
                        "(default 1,3,224,224)")
    parser.add_argument("-o", "--output", help="output prefix: writes PREFIX.yaml and "
                        "PREFIX.safetensors (default: the model's name)")
    parser.add_argument("--name", help="the YAML's model identifier (default from the model)")
    parser.add_argument("--input-name", action="append", help="the input's name (default image)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for random weights (BatchNorm statistics randomised too) "
                        "and for --verify's input (default 0)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--random-weights", action="store_true",
                        help="seeded random weights (the default)")
    source.add_argument("--state-dict", metavar="FILE",
                        help="load this torch.save'd state_dict (e.g. downloaded pretrained "
                        "weights) instead of random weights")
    parser.add_argument("--kwarg", action="append", default=[], metavar="KEY=VALUE",
                        help="keyword argument for the model's constructor "
                        "(e.g. num_classes=10, transform_input=true)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--no-weights", action="store_true", help="write the YAML alone")
    group.add_argument("--weights-only", action="store_true",
                       help="write the safetensors alone")
    parser.add_argument("--verify", action="store_true",
                        help="run lgc on a random input and compare with PyTorch "
                        "(SPEC 5 tolerance); fails (exit 1) on a mismatch")
    parser.add_argument("--batch", type=int, help="--verify with this batch size")
    parser.add_argument("--lgc", help="the lgc binary for --verify (default: lgc on PATH)")
    parser.add_argument("--header", action="append", default=[],
                        help="a comment line for the YAML header, replacing the generated "
                        "one (repeatable)")
    parser.add_argument("--note", action="append", default=[],
                        help="a paragraph added to the generated YAML header (repeatable)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    return parser


def _module_with_weights(args, kwargs):
    """(module in eval mode, default name): seeded random weights, or --state-dict's."""
    module, default_name = build_module(args.model, kwargs, args.seed)
    if args.state_dict:
        try:
            state = torch.load(args.state_dict, map_location="cpu")
            if isinstance(state, dict) and "state_dict" in state:
                state = state["state_dict"]
            module.load_state_dict(state)
        except Exception as e:  # noqa: BLE001 - a wrong file or a different network
            raise ExportError(f"{args.state_dict}: cannot load as {args.model}'s "
                              f"state_dict: {e}") from None
    else:
        randomise_batchnorm(module, args.seed)
    return module.eval(), default_name


def _export_command(args, prefix):
    """The command line that writes this YAML again, for its header."""
    command = ["tools/lgc_export.py", args.model]
    for shape in args.shape or []:
        command += ["--shape", ",".join(map(str, shape))]
    for kv in args.kwarg:
        command += ["--kwarg", kv]
    for n in args.input_name or []:
        command += ["--input-name", n]
    command += (["--name", args.name] if args.name else []) + ["-o", prefix]
    command += ["--no-weights"] if args.no_weights else []
    return shlex.join(command)


def _header_lines(args):
    origin = (f"torchvision.models.{args.model}" if ":" not in args.model else args.model)
    header = args.header or textwrap.wrap(
        f"{origin}({', '.join(args.kwarg)}) in eval mode, exported by tools/lgc_export.py "
        f"(torch {torch.__version__.split('+')[0]}). Layer names are the module's "
        "state_dict prefixes, so its state_dict, saved as safetensors, binds.", 94)
    for note in args.note:
        header += textwrap.wrap(note, 94)
    return header


def _verify_export(args, module, model, prefix, shapes, name, header):
    """--verify: lgc on a random input against PyTorch; prints each output, True when all pass."""
    lgc = find_lgc(args.lgc)
    with tempfile.TemporaryDirectory(prefix="lgc_export_") as tmp:
        yaml_path, weights_path = prefix + ".yaml", prefix + ".safetensors"
        if args.weights_only or args.no_weights:
            tmp_prefix = os.path.join(tmp, "model")
            export(module, shapes, tmp_prefix, name=name, header=header,
                   input_names=args.input_name)
            yaml_path, weights_path = tmp_prefix + ".yaml", tmp_prefix + ".safetensors"
        ok, results = verify(module, model, yaml_path, weights_path, lgc,
                             seed=args.seed, batch=args.batch, workdir=tmp)
    for out, diff, tol in results:
        print(f"verify {name} output {out}: max |lgc - torch| = {diff:.3g} "
              f"(tolerance {tol:.3g}) {'ok' if diff <= tol else 'MISMATCH'}")
    return ok


def _run(args, kwargs):
    """Export (and verify) as the command line asks; returns the exit status."""
    shapes = args.shape or [[1, 3, 224, 224]]
    start = time.perf_counter()
    module, default_name = _module_with_weights(args, kwargs)
    prefix = args.output or default_name
    name = args.name or re.sub(r"\W", "_", os.path.basename(prefix)) or default_name
    header = _header_lines(args)
    trailer = [f"Exported with: /usr/bin/python3 {_export_command(args, prefix)}"]
    model = export(module, shapes, prefix, name=name, header=header,
                   weights=not args.no_weights, yaml=not args.weights_only,
                   input_names=args.input_name, trailer=trailer)
    elapsed = time.perf_counter() - start
    if not args.quiet:
        n = sum(t.numel() for t in model.tensors.values())
        written = [p for p, w in ((prefix + ".yaml", not args.weights_only),
                                  (prefix + ".safetensors", not args.no_weights)) if w]
        print(f"exported {name}: {len(model.layers)} layers, {n:,} weight values "
              f"({len(model.tensors)} tensors) in {elapsed:.2f} s -> {', '.join(written)}")
    if args.verify and not _verify_export(args, module, model, prefix, shapes, name, header):
        return 1
    return 0


def main(argv=None):
    parser = _argument_parser()
    args = parser.parse_args(argv)
    if torch is None:
        print(f"lgc_export: error: needs PyTorch ({_IMPORT_ERROR}); install python3-torch",
              file=sys.stderr)
        return 1
    kwargs = {}
    for kv in args.kwarg:
        if "=" not in kv:
            parser.error(f"--kwarg wants KEY=VALUE, got '{kv}'")
        k, v = kv.split("=", 1)
        kwargs[k] = _parse_value(v)
    try:
        return _run(args, kwargs)
    except ExportError as e:
        print(f"lgc_export: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
