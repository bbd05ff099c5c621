#!/usr/bin/python3
"""Every zoo model passes `lgc check` with torchvision's parameter and MAC counts.

For each model in tests/zoo/zoo.py (and the hand-written AlexNet and
ResNet-18), runs `lgc check models/<name>.yaml` and requires exit status 0,
the total parameters equal to torchvision's `num_params` plus BatchNorm's
running statistics (which lgc counts as parameters), the exact MAC total
pinned in zoo.py, and that total rounding to torchvision's published GFLOPS.
Needs only the lgc binary (no PyTorch).

    /usr/bin/python3 tests/zoo/check_zoo.py --lgc build/tools/lgc
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo  # noqa: E402


def check(lgc, name, entry):
    _, shape, params, bn_stats, macs, gflops = entry
    path = os.path.join(zoo.MODELS, name + ".yaml")
    run = subprocess.run([lgc, "check", path], capture_output=True, text=True)
    if run.returncode != 0:
        return f"lgc check exited {run.returncode}: {run.stderr.strip()}"
    if run.stderr.strip():
        return f"lgc check printed to stderr: {run.stderr.strip()}"
    total = [line for line in run.stdout.splitlines() if line.startswith("total")]
    numbers = re.findall(r"\d[\d,]*", total[0]) if total else []
    if len(numbers) != 3:
        return f"no 'total N layers PARAMS MACS' line in:\n{run.stdout}"
    got_params, got_macs = (int(n.replace(",", "")) for n in numbers[1:])
    problems = []
    if got_params != params + bn_stats:
        problems.append(f"params {got_params:,}, want {params:,} (torchvision) + "
                        f"{bn_stats:,} (BatchNorm running statistics) = {params + bn_stats:,}")
    if got_macs != macs:
        problems.append(f"MACs {got_macs:,}, want {macs:,}")
    if round(got_macs / 1e9, 2) != gflops:
        problems.append(f"{got_macs / 1e9:.3f} GMACs does not round to torchvision's {gflops}")
    if f"input image {shape}" not in run.stdout.replace("\n", " "):
        problems.append(f"input is not image {shape}")
    return "; ".join(problems)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lgc", required=True, help="the lgc binary")
    args = parser.parse_args()
    failed = 0
    for name, entry in {**zoo.ZOO, **zoo.HANDWRITTEN}.items():
        problem = check(args.lgc, name, entry)
        print(f"{name}: {'FAIL: ' + problem if problem else 'ok'}"
              f" ({entry[2] + entry[3]:,} params, {entry[4]:,} MACs)")
        failed += bool(problem)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
