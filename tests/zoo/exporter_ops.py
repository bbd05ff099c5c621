#!/usr/bin/python3
"""Round trips through tools/lgc_export.py: one small module per supported op or function.

Each case is a tiny torch.nn.Module using one module type, function or method
the exporter supports (with non-default parameters where the op has them),
exported with seeded random weights (BatchNorm statistics randomised), run
with `lgc run` (compiled) and compared with PyTorch at SPEC section 5's
tolerance; most at batch 2. A few cases also pin the layer names the
exporter chooses (state_dict prefixes, `_1` suffixes for reused modules,
`<scope>.<function>` for calls, no collision with module names), and the
exporter must reproduce models/alexnet.yaml exactly (comments aside).

    /usr/bin/python3 tests/zoo/exporter_ops.py --lgc build/tools/lgc [-k CASE]...

Exits 77 (skipped, for ctest) without python3-torch and python3-torchvision.
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo  # noqa: E402

lgc_export = zoo.import_torch("zoo exporter ops")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Fn(nn.Module):
    """forward(x) = f(x), optionally after a convolution (so the op has a computed input)."""

    def __init__(self, f, conv=None):
        super().__init__()
        self.f = f
        self.conv = conv

    def forward(self, x):
        return self.f(self.conv(x) if self.conv is not None else x)


class Two(nn.Module):
    """Two convolutions of the input, combined by f(a, b)."""

    def __init__(self, f, c=3, out=4):
        super().__init__()
        self.f = f
        self.a = nn.Conv2d(c, out, 3, padding=1)
        self.b = nn.Conv2d(c, out, 1)

    def forward(self, x):
        return self.f(self.a(x), self.b(x))


def _iadd(a, b):
    a += b
    return a


class Block(nn.Module):
    """A residual block: the add is named block.add, the ReLU reused twice."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(x + self.relu(self.conv(x)))


class Naming(nn.Module):
    """A module named `add` and a root-level add: the call must not take the name `add`."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 1)
        self.block = Block()
        self.add = nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.relu(self.stem(x))
        y = self.block(x)
        return self.add(self.relu(x + y))


class SharedConv(nn.Module):
    """One convolution called twice: the second call's layer gets copies of its tensors."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return self.conv(torch.relu(self.conv(x)))


class TwoOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 5)

    def forward(self, x):
        y = self.conv(x)
        return y, self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, padding=1)
        self.b = nn.Conv2d(2, 4, 1)

    def forward(self, left, right):
        return torch.cat([self.a(left), self.b(right)], 1)


class TransformInput(nn.Module):
    """GoogLeNet's transform_input, as torchvision writes it."""

    def __init__(self):
        super().__init__()
        self.transform_input = True
        self.conv = nn.Conv2d(3, 4, 3)

    def _transform_input(self, x):
        if self.transform_input:
            x_ch0 = torch.unsqueeze(x[:, 0], 1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5
            x_ch1 = torch.unsqueeze(x[:, 1], 1) * (0.224 / 0.5) + (0.456 - 0.5) / 0.5
            x_ch2 = torch.unsqueeze(x[:, 2], 1) * (0.225 / 0.5) + (0.406 - 0.5) / 0.5
            x = torch.cat((x_ch0, x_ch1, x_ch2), 1)
        return x

    def forward(self, x):
        return self.conv(self._transform_input(x))


class Dropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        return F.dropout(self.conv(x), 0.3, self.training)


def conv(c=3, out=4):
    return nn.Conv2d(c, out, 3, padding=1)


S = [2, 3, 9, 11]   # odd sizes: ceil_mode and padding edges matter
CASES = {
    # modules
    "Conv2d": (lambda: nn.Conv2d(3, 8, 3, stride=2, padding=1), S),
    "Conv2d_groups_dilation_nobias": (lambda: nn.Sequential(
        conv(3, 4), nn.Conv2d(4, 6, (3, 5), padding=(2, 1), dilation=(2, 1), groups=2,
                              bias=False)), S),
    "Conv2d_depthwise": (lambda: nn.Sequential(conv(3, 8), nn.Conv2d(8, 8, 3, groups=8)), S),
    "Conv2d_same": (lambda: nn.Conv2d(3, 4, (2, 3), padding="same"), S),
    "Conv2d_valid": (lambda: nn.Conv2d(3, 4, 3, padding="valid"), S),
    "BatchNorm2d": (lambda: nn.Sequential(conv(), nn.BatchNorm2d(4, eps=1e-3)), S),
    "BatchNorm2d_no_affine": (lambda: nn.BatchNorm2d(3, affine=False), S),
    "Linear": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(3 * 9 * 11, 7)), S),
    "Linear_2d_nobias": (lambda: nn.Sequential(nn.Linear(10, 6, bias=False), nn.ReLU(),
                                               nn.Linear(6, 3)), [2, 10]),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True), S),
    "MaxPool2d_dilation": (lambda: nn.MaxPool2d((2, 3), stride=1, dilation=2), S),
    "AvgPool2d": (lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), S),
    "AvgPool2d_divisor": (lambda: nn.AvgPool2d(2, divisor_override=3), S),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((4, None)), S),
    "Flatten": (lambda: nn.Sequential(conv(), nn.Flatten()), S),
    "ReLU": (lambda: nn.Sequential(conv(), nn.ReLU(inplace=True)), S),
    "ReLU6": (lambda: nn.Sequential(conv(), nn.ReLU6()), S),
    "Hardtanh_0_6": (lambda: nn.Sequential(conv(), nn.Hardtanh(0.0, 6.0)), S),
    "LeakyReLU": (lambda: nn.Sequential(conv(), nn.LeakyReLU(0.2)), S),
    "Sigmoid": (lambda: nn.Sequential(conv(), nn.Sigmoid()), S),
    "Tanh": (lambda: nn.Sequential(conv(), nn.Tanh()), S),
    "Identity": (lambda: nn.Sequential(conv(), nn.Identity()), S),
    "Dropout": (lambda: nn.Sequential(conv(), nn.Dropout(0.25), nn.Dropout2d()), S),
    "Softmax": (lambda: nn.Sequential(conv(), nn.Softmax(dim=1)), S),
    "Softmax_2d": (lambda: nn.Sequential(nn.Linear(10, 6), nn.Softmax(dim=-1)), [2, 10]),
    # functions and methods
    "add_operator": (lambda: Two(lambda a, b: a + b), S),
    "add_torch": (lambda: Two(torch.add), S),
    "add_method": (lambda: Two(lambda a, b: a.add(b)), S),
    "add_inplace": (lambda: Two(_iadd), S),
    "cat": (lambda: Two(lambda a, b: torch.cat([a, b, a], 1), out=2), S),
    "cat_negative_dim": (lambda: Two(lambda a, b: torch.cat((a, b), dim=-3)), S),
    "flatten_torch": (lambda: Fn(lambda x: torch.flatten(x, 1), conv()), S),
    "flatten_method": (lambda: Fn(lambda x: x.flatten(1), conv()), S),
    "view_size0": (lambda: Fn(lambda x: x.view(x.size(0), -1), conv()), S),
    "reshape_shape0": (lambda: Fn(lambda x: x.reshape(x.shape[0], -1), conv()), S),
    "view_minus1": (lambda: Fn(lambda x: x.view(-1, 4 * 9 * 11), conv()), S),
    "relu_F": (lambda: Fn(F.relu, conv()), S),
    "relu_torch": (lambda: Fn(torch.relu, conv()), S),
    "relu_method": (lambda: Fn(lambda x: x.relu(), conv()), S),
    "relu6_F": (lambda: Fn(F.relu6, conv()), S),
    "hardtanh_F": (lambda: Fn(lambda x: F.hardtanh(x, 0.0, 6.0), conv()), S),
    "leaky_relu_F": (lambda: Fn(lambda x: F.leaky_relu(x, 0.1), conv()), S),
    "leaky_relu_F_default": (lambda: Fn(F.leaky_relu, conv()), S),
    "sigmoid_torch": (lambda: Fn(torch.sigmoid, conv()), S),
    "sigmoid_method": (lambda: Fn(lambda x: x.sigmoid(), conv()), S),
    "tanh_torch": (lambda: Fn(torch.tanh, conv()), S),
    "softmax_F": (lambda: Fn(lambda x: F.softmax(x, dim=1), conv()), S),
    "softmax_F_last_dim": (lambda: Fn(lambda x: F.softmax(x, -1), conv()), S),
    "adaptive_avg_pool2d_F": (lambda: Fn(lambda x: F.adaptive_avg_pool2d(x, (2, 3)), conv()), S),
    "max_pool2d_F": (lambda: Fn(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), conv()), S),
    "max_pool2d_F_default_stride": (lambda: Fn(lambda x: F.max_pool2d(x, 2), conv()), S),
    "avg_pool2d_F": (lambda: Fn(lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), conv()), S),
    "dropout_F": (Dropout, S),
    "mean_keepdim": (lambda: Fn(lambda x: x.mean((2, 3), keepdim=True), conv()), S),
    "mean_flat": (lambda: Fn(lambda x: torch.mean(x, [-1, -2]), conv()), S),
    "contiguous": (lambda: Fn(lambda x: x.contiguous(), conv()), S),
    # structure
    "naming": (Naming, S),
    "shared_conv": (SharedConv, S),
    "two_outputs": (TwoOutputs, S),
    "transform_input": (TransformInput, S),
    "two_inputs": (TwoInputs, [S, [2, 2, 9, 11]]),
    "batch1": (lambda: nn.Sequential(conv(), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.Flatten(), nn.Linear(4 * 4 * 5, 3)), [1, 3, 9, 11]),
}

# Layer names some cases must produce, in order.
NAMES = {
    "naming": ["stem", "relu", "block.conv", "block.relu", "block.add", "block.relu_1",
               "add_1", "relu_1", "add"],
    "shared_conv": ["conv", "relu", "conv_1"],
    "two_outputs": ["conv", "adaptive_avg_pool2d", "flatten", "fc"],
    "transform_input": ["transform_input", "conv"],
    "Dropout": ["0", "1", "2"],
}


def run_case(name, lgc, tmp):
    factory, shape = CASES[name]
    torch.manual_seed(0)
    module = factory()
    lgc_export.randomise_batchnorm(module, 0)
    module.eval()
    prefix = os.path.join(tmp, name)
    model = lgc_export.export(module, shape, prefix, name="m_" + name)
    names = [layer["name"] for layer in model.layers]
    if name in NAMES and names != NAMES[name]:
        return f"layer names {names}, want {NAMES[name]}"
    ok, results = lgc_export.verify(module, model, prefix + ".yaml", prefix + ".safetensors",
                                    lgc, seed=1, workdir=tmp)
    text = ", ".join(f"{n}: {d:.3g} (tolerance {t:.3g})" for n, d, t in results)
    return None if ok else f"MISMATCH {text}"


def check_alexnet():
    """The exporter reproduces the hand-written models/alexnet.yaml (comments aside)."""
    import torchvision
    torch.manual_seed(0)
    module = torchvision.models.alexnet().eval()
    got = zoo.body(lgc_export.convert(module, [1, 3, 224, 224], name="alexnet").yaml_text())
    with open(os.path.join(zoo.MODELS, "alexnet.yaml")) as f:
        want = zoo.body(f.read())
    return None if got == want else "the export differs from models/alexnet.yaml"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lgc", required=True, help="the lgc binary")
    parser.add_argument("-k", action="append", help="run only these cases")
    args = parser.parse_args()
    failed = []
    with tempfile.TemporaryDirectory(prefix="lgc_export_ops_") as tmp:
        for name in args.k or CASES:
            try:
                problem = run_case(name, args.lgc, tmp)
            except lgc_export.ExportError as e:
                problem = f"export error: {e}"
            print(f"{name}: {problem or 'ok'}")
            if problem:
                failed.append(name)
    if not args.k:
        problem = check_alexnet()
        print(f"alexnet.yaml reproduced: {problem or 'ok'}")
        if problem:
            failed.append("alexnet")
    print(f"{len(failed)} failed: {', '.join(failed)}" if failed else "all passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
