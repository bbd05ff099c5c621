#!/usr/bin/python3
"""tools/lgc_export.py rejects what lgc cannot express, naming the module or function.

Library cases: each module must raise lgc_export.ExportError whose message
contains the given strings (the module's name and type, or the function).
Command-line cases: `lgc_export.py` must exit with the given status, print
`lgc_export: error:` naming the culprit on stderr, and write no files; and a
supported FILE.py:NAME model must export (and --verify, when --lgc is given).

    /usr/bin/python3 tests/zoo/exporter_errors.py [--lgc build/tools/lgc]

Exits 77 (skipped, for ctest) without python3-torch and python3-torchvision.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zoo  # noqa: E402

lgc_export = zoo.import_torch("zoo exporter errors")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Wrap(nn.Module):
    def __init__(self, f, **mods):
        super().__init__()
        self.f = f
        for k, v in mods.items():
            self.add_module(k, v)

    def forward(self, x):
        return self.f(self, x)


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.rnn = nn.LSTM(8, 4)

    def forward(self, x):
        return self.rnn(self.fc(x).unsqueeze(0))[0]


class Branchy(nn.Module):
    def forward(self, x):
        return x if x.sum() > 0 else -x


class Bias(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.shift = nn.Parameter(torch.zeros(1, 4, 1, 1))

    def forward(self, x):
        return self.conv(x) + self.shift


def _relu_then_add(y):
    return F.relu(y, inplace=True) + y


class InplaceReused(nn.Module):
    """ReLU(inplace=True) overwrites y, which the sum then reads: not a plain layer."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        y = self.conv(x)
        return self.relu(y) + y


S = [1, 3, 8, 8]
# name: (module factory, input shape, strings the message must contain)
CASES = {
    "LSTM": (Lstm, [2, 8], ["module 'rnn' (LSTM)", "LSTM is not supported"]),
    "ConvTranspose2d": (lambda: nn.Sequential(nn.Conv2d(3, 4, 1), nn.ConvTranspose2d(4, 4, 2)),
                        S, ["module '1' (ConvTranspose2d)", "not supported"]),
    "BatchNorm1d": (lambda: nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4)), [2, 4],
                    ["module '1' (BatchNorm1d)"]),
    "Conv2d_subclass": (lambda: nn.Sequential(nn.LazyConv2d(4, 3)), S, ["LazyConv2d"]),
    "Conv2d_reflect": (lambda: nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), S,
                       ["module 'conv2d' (Conv2d)", "padding_mode='reflect'"]),
    "Conv1d": (lambda: nn.Sequential(nn.Flatten(2), nn.Conv1d(3, 4, 3)), S,
               ["module '1' (Conv1d)"]),
    "MaxPool2d_indices": (lambda: nn.Sequential(nn.MaxPool2d(2, return_indices=True)), S,
                          ["module '0' (MaxPool2d)", "return_indices"]),
    "BatchNorm2d_no_stats": (lambda: nn.Sequential(nn.BatchNorm2d(3, track_running_stats=False)),
                             S, ["module '0' (BatchNorm2d)", "track_running_stats"]),
    "Hardtanh": (lambda: nn.Sequential(nn.Hardtanh()), S, ["module '0' (Hardtanh)"]),
    "Softmax_no_dim": (lambda: nn.Sequential(nn.Softmax()), S, ["module '0' (Softmax)", "dim"]),
    "matmul": (lambda: Wrap(lambda s, x: torch.matmul(x, x)), S, ["torch.matmul", "forward"]),
    "mul_constant": (lambda: Wrap(lambda s, x: s.conv(x) * 2, conv=nn.Conv2d(3, 3, 1)), S,
                     ["operator.mul"]),
    "add_constant": (lambda: Wrap(lambda s, x: s.conv(x) + 1, conv=nn.Conv2d(3, 3, 1)), S,
                     ["operator.add", "adding a constant"]),
    "add_broadcast": (lambda: Wrap(lambda s, x: s.conv(x) + s.pool(x), conv=nn.Conv2d(3, 3, 1),
                                   pool=nn.AdaptiveAvgPool2d(1)), S,
                      ["operator.add", "broadcasting"]),
    "parameter_in_forward": (Bias, S, ["'shift'", "parameter"]),
    "reshape": (lambda: Wrap(lambda s, x: x.view(x.size(0), 3, -1)), S,
                ["Tensor.view", "general reshape"]),
    "view_fixed_batch": (lambda: Wrap(lambda s, x: x.view(1, -1)), S, ["Tensor.view"]),
    "flatten_via_size": (lambda: Wrap(lambda s, x: x.view(x.size(1), -1)), S,
                         ["Tensor.view", "general reshape"]),
    "dropout_training": (lambda: Wrap(lambda s, x: F.dropout(x, 0.5)), S,
                         ["F.dropout", "training=True"]),
    "softmax_no_dim": (lambda: Wrap(lambda s, x: F.softmax(x)), S, ["F.softmax", "dim"]),
    "hardtanh_other": (lambda: Wrap(lambda s, x: F.hardtanh(x)), S, ["F.hardtanh"]),
    "mean_channels": (lambda: Wrap(lambda s, x: x.mean(1)), S, ["Tensor.mean"]),
    "max_pool2d_indices": (lambda: Wrap(lambda s, x: F.max_pool2d(x, 2, return_indices=True)[0]),
                           S, ["F.max_pool2d_with_indices"]),
    "control_flow": (Branchy, S, ["cannot trace", "Branchy"]),
    "shape_mismatch": (lambda: nn.Sequential(nn.Conv2d(4, 4, 1)), S,
                       ["failed at module '0' (Conv2d)", "RuntimeError", "4 channels"]),
    "inplace_reused": (lambda: Wrap(lambda s, x: _relu_then_add(s.conv(x)),
                                    conv=nn.Conv2d(3, 3, 1)), S, ["F.relu", "in-place"]),
    "inplace_module_reused": (InplaceReused, S, ["module 'relu'", "in-place", "'add'"]),
    "getitem": (lambda: Wrap(lambda s, x: x[:, :2]), S, ["operator.getitem"]),
    "silu": (lambda: Wrap(lambda s, x: F.silu(x)), S, ["F.silu"]),
}


def library_cases():
    failed = []
    for name, (factory, shape, wants) in CASES.items():
        torch.manual_seed(0)
        try:
            lgc_export.convert(factory().eval(), shape)
            problem = "exported without an error"
        except lgc_export.ExportError as e:
            missing = [w for w in wants if w not in str(e)]
            problem = f"message {str(e)!r} lacks {missing}" if missing else None
            if not problem:
                print(f"{name}: ok: {e}")
        if problem:
            print(f"{name}: FAIL: {problem}")
            failed.append(name)
    return failed


def cli(args, tmp):
    run = subprocess.run([sys.executable, zoo.EXPORTER] + args, capture_output=True,
                         text=True, cwd=tmp)
    return run.returncode, run.stdout, run.stderr


def cli_cases(lgc):
    failed = []
    inputs = os.path.join(HERE, "inputs", "modules.py")
    cases = [
        ("cli_ConvTranspose2d", [f"{inputs}:ConvTransposeNet", "--shape", "1,3,8,8", "-o", "out"],
         1, ["lgc_export: error:", "module 'up' (ConvTranspose2d)"]),
        ("cli_unknown_model", ["no_such_net", "-o", "out"], 1,
         ["lgc_export: error:", "'no_such_net' is not a torchvision.models model"]),
        ("cli_missing_file", ["missing.py:Net", "-o", "out"], 1,
         ["lgc_export: error:", "missing.py"]),
        ("cli_bad_shape", ["resnet18", "--shape", "1,3,224", "-o", "out"], 2, ["bad shape"]),
        ("cli_bad_kwarg", ["resnet18", "--kwarg", "oops", "-o", "out"], 2, ["KEY=VALUE"]),
    ]
    for name, args, status, wants in cases:
        with tempfile.TemporaryDirectory(prefix="lgc_export_err_") as tmp:
            code, out, err = cli(args, tmp)
            left = os.listdir(tmp)
        missing = [w for w in wants if w not in err]
        problem = (f"exit {code}, want {status}" if code != status else
                   f"stderr {err.strip()!r} lacks {missing}" if missing else
                   f"left files {left}" if left else None)
        print(f"{name}: {'FAIL: ' + problem if problem else 'ok: ' + err.strip()}")
        if problem:
            failed.append(name)
    # A supported module from a file, with a constructor keyword argument.
    with tempfile.TemporaryDirectory(prefix="lgc_export_ok_") as tmp:
        args = [f"{inputs}:small_cnn", "--kwarg", "width=6", "--shape", "2,3,10,10",
                "-o", "net/small"] + (["--verify", "--lgc", lgc] if lgc else [])
        code, out, err = cli(args, tmp)
        made = sorted(os.listdir(os.path.join(tmp, "net"))) if code == 0 else []
        ok = code == 0 and made == ["small.safetensors", "small.yaml"] and \
            (not lgc or " ok" in out)
        print(f"cli_file_module: {'ok' if ok else 'FAIL'}: exit {code} {out.strip()} "
              f"{err.strip()}")
        if not ok:
            failed.append("cli_file_module")
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lgc", help="the lgc binary (for the --verify of a good model)")
    args = parser.parse_args()
    failed = library_cases() + cli_cases(args.lgc)
    print(f"{len(failed)} failed: {', '.join(failed)}" if failed else "all passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
