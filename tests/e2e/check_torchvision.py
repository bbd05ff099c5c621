#!/usr/bin/python3
"""Checks lgc against torchvision on the models in models/ that torchvision has.

For each model (default: alexnet, resnet18), builds torchvision's network
with seeded random weights (BatchNorm statistics randomised too), writes its
state_dict as safetensors (with tools/python/lgc/safetensors_io.py), runs
`lgc run` (compiled, and with --threads 1) on a seeded batch of 2, and requires
every output within SPEC 5's tolerance, 1e-4 * max(1, max|expected|), of
torchvision's. ctest runs it as the test `torchvision` (tests/e2e/CMakeLists.txt).

    /usr/bin/python3 tests/e2e/check_torchvision.py --lgc build/tools/lgc [resnet18 ...]

Needs Debian's python3-torch and python3-torchvision; exits 77 (skipped, for
ctest) when they are missing, 1 on any mismatch.
"""
import argparse
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torchvision
except ImportError as e:
    print(f"check_torchvision: skipped: {e} (install python3-torch and python3-torchvision)")
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "python"))
from lgc.safetensors_io import write_safetensors  # noqa: E402


def check(name, lgc, workdir):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)().eval()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    weights = os.path.join(workdir, name + ".safetensors")
    inputs = os.path.join(workdir, name + "_in.npy")
    outputs = os.path.join(workdir, name + "_out.npy")
    write_safetensors(weights, model.state_dict())
    x = torch.rand(2, 3, 224, 224) * 2 - 1
    np.save(inputs, x.numpy())
    with torch.no_grad():
        want = model(x).numpy()
    tolerance = 1e-4 * max(1.0, float(abs(want).max()))
    ok = True
    for flags in ([], ["--threads", "1"]):
        cmd = [lgc, "run", os.path.join(ROOT, "models", name + ".yaml"), "--batch", "2",
               "--weights", weights, "--input", inputs, "--output", outputs] + flags
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{name} {' '.join(flags)}: lgc failed: {run.stderr}")
            ok = False
            continue
        diff = float(abs(np.load(outputs) - want).max())
        good = diff <= tolerance
        ok &= good
        print(f"{name} {' '.join(flags) or '(all threads)'}: max |lgc - torchvision| = {diff:.3g}"
              f" (tolerance {tolerance:.3g}) {'ok' if good else 'MISMATCH'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lgc", default=os.path.join(ROOT, "build", "tools", "lgc"))
    parser.add_argument("models", nargs="*", default=["alexnet", "resnet18"])
    args = parser.parse_args()
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as workdir:
        results = [check(name, args.lgc, workdir) for name in args.models]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
