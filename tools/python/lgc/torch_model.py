"""lgc model YAML -> an equivalent PyTorch module (for benchmarks and cross-checks).

Reads a model file in lgc's format (SPEC section 1) and builds a
torch.nn.Module that computes exactly what lgc computes: every operator with
PyTorch's semantics (torch_layers), `input:` wiring, several inputs and
outputs. Layer names may contain dots (`features.0`), so submodules live in an
nn.ModuleDict under sanitised keys; the module keeps the mapping back to lgc's
names so that a safetensors file keyed by lgc names (`<layer>.weight`,
`<layer>.bias`, `<layer>.running_mean`, `<layer>.running_var`) loads into it.

The forward method is generated Python source (one statement per layer), so
the module runs eagerly without any interpretation overhead and can be
scripted (torch.jit.script) or traced and frozen.

    import sys; sys.path.insert(0, "<repo>/tools/python")
    from lgc import torch_model
    m = torch_model.build_module("models/resnet18.yaml", batch=1)
    torch_model.init_params(m, seed=0)                   # or:
    torch_model.load_lgc_safetensors(m, "weights.safetensors")
    outs = m(*torch_model.random_inputs(m, seed=0))      # a tensor, or a tuple for several outputs

tests/fixtures/check_torch_model.py checks it against every committed fixture.
"""

import linecache
import math
import re
import warnings

import numpy as np
import torch
import torch.nn as nn

from lgc.model_yaml import Model, load_model
from lgc.safetensors_io import read_safetensors
from lgc.torch_layers import MULTI_INPUT_OPS, make_layer


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
        """lgc tensor name (`<layer>.<param>`) -> the module's parameter or buffer, in layer order."""
        out = {}
        for lgc_name, key in self.lgc_keys.items():
            for pname, t in self.layers[key].state_dict(keep_vars=True).items():
                if pname == "num_batches_tracked":
                    continue
                out[lgc_name + "." + pname] = t
        return out


_counter = [0]


def _forward_source(model, keys):
    """The generated forward(): one statement per layer, reading the variables of its inputs."""
    var = {}
    used_vars = set(["self"])
    for name in model.inputs:
        var[name] = _ident("in_" + name, used_vars)
    lines = ["def forward(self, %s):" % ", ".join(var[n] for n in model.inputs)]
    for layer in model.layers:
        v = _ident("v_" + layer["name"], used_vars)
        args = [var[i] for i in layer["inputs"]]
        call = "self.layers.%s" % keys[layer["name"]]
        if layer["op"] in MULTI_INPUT_OPS:
            lines.append("    %s = %s([%s])" % (v, call, ", ".join(args)))
        else:
            if len(args) != 1:
                raise ValueError("layer '%s' (%s) takes one input" % (layer["name"], layer["op"]))
            lines.append("    %s = %s(%s)" % (v, call, args[0]))
        var[layer["name"]] = v
    outs = [var[o] for o in model.outputs]
    lines.append("    return " + (outs[0] if len(outs) == 1 else "(%s)" % ", ".join(outs)))
    return "\n".join(lines) + "\n"


def _generate_class(model):
    used, keys = set(), {}
    for layer in model.layers:
        keys[layer["name"]] = _ident(layer["name"], used)
    src = _forward_source(model, keys)
    # Register the source so that torch.jit.script (inspect.getsource) can read it.
    _counter[0] += 1
    fname = "<lgc torch_model %s #%d>" % (model.name, _counter[0])
    linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
    ns = {"torch": torch}
    exec(compile(src, fname, "exec"), ns)
    cls = type("Lgc_" + re.sub(r"\W", "_", model.name), (LgcModule,), {"forward": ns["forward"]})
    return cls, keys, src


def build_module(model, batch=None):
    """An eval-mode torch module equivalent to the lgc model (a path or a Model).
    Parameters have PyTorch's default initialisation: call init_params or load_lgc_safetensors."""
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
# Parameters and inputs
# --------------------------------------------------------------------------------------------

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


def as_tuple(y):
    """A module's result as a tuple of outputs."""
    return y if isinstance(y, tuple) else (y,)


def max_rel_err(got, expected):
    """Max |got - expected| / max(1, max|expected|) over a tuple of tensors (inf on a shape mismatch)."""
    worst = 0.0
    for x, y in zip(as_tuple(got), as_tuple(expected)):
        if x.shape != y.shape:
            return float("inf")
        if x.numel():
            d = float((x - y).abs().max()) / max(1.0, float(y.abs().max()))
            worst = max(worst, d if d == d else float("inf"))
    return worst


# --------------------------------------------------------------------------------------------
# Frozen TorchScript
# --------------------------------------------------------------------------------------------

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


def _script_or_trace(module, xs, notes):
    try:
        return "script", torch.jit.script(module)
    except Exception as e:  # noqa: BLE001 - report any scripting failure and trace instead
        notes.append("script failed: %s" % str(e).strip().splitlines()[0][:100])
    return "trace", torch.jit.trace(module, xs, check_trace=False)


def _freeze(module, xs, tol, runs):
    with torch.no_grad():
        expected = module(*xs)
    notes = []
    how, base = _script_or_trace(module, xs, notes)
    for step in ("ofi", "freeze"):
        try:
            frozen = torch.jit.freeze(base.eval())
            if step == "ofi":
                frozen = torch.jit.optimize_for_inference(frozen)
            with torch.no_grad():
                for _ in range(runs):
                    y = frozen(*xs)
            err = max_rel_err(y, expected)
            if err <= tol:
                return frozen, how + "+" + step, "; ".join(notes)
            notes.append("%s+%s wrong (error %.2g)" % (how, step, err))
        except Exception as e:  # noqa: BLE001
            msg = [l for l in str(e).strip().splitlines() if "Error" in l] or str(e).strip().splitlines()
            notes.append("%s+%s failed: %s" % (how, step, msg[-1].strip()[:100]))
    raise RuntimeError("no frozen form works: " + "; ".join(notes))
