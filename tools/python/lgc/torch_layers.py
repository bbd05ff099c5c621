"""One lgc layer -> the torch.nn module that computes it (PyTorch semantics, SPEC section 1).

make_layer builds stock torch.nn modules wherever one exists, with PyTorch's
own parameter initialisation (so torch.manual_seed gives seeded weights);
lgc's extras are small modules: LgcConv2d (an nn.Conv2d with `flip` and
padding `same`), and the multi-input Add and Concat, which take a list
of tensors (TorchScript-friendly).
"""

from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

from lgc.model_yaml import pair

# Ops whose module takes a list of tensors (a layer with several inputs).
MULTI_INPUT_OPS = ("Add", "Concat")


class LgcConv2d(nn.Conv2d):
    """nn.Conv2d (the same parameters and initialisation) with lgc's extras: `flip` (true
    convolution: the stored kernel rotated 180 degrees) and padding `same` as numbers, so that
    TorchScript's optimize_for_inference and torch.onnx.export take it. An even total
    padding splits evenly; an odd one puts the extra element at the bottom/right, padded
    beforehand exactly as PyTorch's own padding='same' does (F.pad of the difference, then the
    convolution with the smaller half on both sides), which gives the same bits."""

    def __init__(self, a):
        k, d = pair(a["kernel_size"]), pair(a["dilation"])
        padding, pre_pad = _numeric_padding(a["padding"], k, d, pair(a["stride"]))
        super().__init__(int(a["in_channels"]), int(a["out_channels"]), k, stride=pair(a["stride"]),
                         padding=padding, dilation=d, groups=int(a["groups"]), bias=bool(a["bias"]))
        self.pre_pad = pre_pad
        self.has_pre_pad = any(pre_pad)
        self.flip = bool(a["flip"])

    def forward(self, x):
        if self.has_pre_pad:
            x = F.pad(x, self.pre_pad)
        w = self.weight
        if self.flip:
            w = torch.flip(w, [2, 3])
        return F.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


def _numeric_padding(padding, k, d, stride):
    """(padding (h, w), F.pad list [left, right, top, bottom] of the extra element) for a
    Conv2d padding: an int, [h, w], 'valid' or 'same' (stride 1 only)."""
    if padding == "valid":
        return (0, 0), [0, 0, 0, 0]
    if padding != "same":
        return pair(padding), [0, 0, 0, 0]
    if stride != (1, 1):
        raise ValueError("padding same needs stride 1")
    total = [d[axis] * (k[axis] - 1) for axis in range(2)]
    extra = [t - t // 2 - t // 2 for t in total]
    return (total[0] // 2, total[1] // 2), [0, extra[1], 0, extra[0]]


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


def _conv(a):
    if a["flip"] or a["padding"] == "same":
        return LgcConv2d(a)
    # the stock module: exactly PyTorch's eager path
    padding = (0, 0) if a["padding"] == "valid" else pair(a["padding"])
    return nn.Conv2d(int(a["in_channels"]), int(a["out_channels"]), pair(a["kernel_size"]),
                     stride=pair(a["stride"]), padding=padding, dilation=pair(a["dilation"]),
                     groups=int(a["groups"]), bias=bool(a["bias"]))


def _pool(op, a):
    k = pair(a["kernel_size"])
    s = k if a["stride"] is None else pair(a["stride"])
    if op == "MaxPool2d":
        return nn.MaxPool2d(k, s, pair(a["padding"]), pair(a["dilation"]), ceil_mode=bool(a["ceil_mode"]))
    div = a["divisor_override"]
    return nn.AvgPool2d(k, s, pair(a["padding"]), ceil_mode=bool(a["ceil_mode"]),
                        count_include_pad=bool(a["count_include_pad"]),
                        divisor_override=None if div is None else int(div))


_PARAMETER_FREE = {
    "ReLU": nn.ReLU, "ReLU6": nn.ReLU6, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh,
    "Identity": nn.Identity, "Add": Add,
}

_WITH_ATTRS = {
    "Conv2d": _conv,
    "MaxPool2d": lambda a: _pool("MaxPool2d", a),
    "AvgPool2d": lambda a: _pool("AvgPool2d", a),
    "AdaptiveAvgPool2d": lambda a: nn.AdaptiveAvgPool2d(pair(a["output_size"])),
    "BatchNorm2d": lambda a: nn.BatchNorm2d(int(a["num_features"]), eps=float(a["eps"])),
    "Linear": lambda a: nn.Linear(int(a["in_features"]), int(a["out_features"]), bias=bool(a["bias"])),
    "Flatten": lambda a: nn.Flatten(int(a["start_dim"]), int(a["end_dim"])),
    "LeakyReLU": lambda a: nn.LeakyReLU(float(a["negative_slope"])),
    "Dropout": lambda a: nn.Dropout(float(a["p"])),
    "Concat": lambda a: Concat(a["dim"]),
    "Softmax": lambda a: nn.Softmax(dim=int(a["dim"])),
}


def make_layer(op, attrs):
    """The torch module for one lgc layer; `attrs` has the op's defaults filled in
    (model_yaml.with_defaults). Parameters get PyTorch's default initialisation."""
    if op in _PARAMETER_FREE:
        return _PARAMETER_FREE[op]()
    if op in _WITH_ATTRS:
        return _WITH_ATTRS[op](attrs)
    raise ValueError("unknown op " + op)
