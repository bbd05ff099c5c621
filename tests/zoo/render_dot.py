#!/usr/bin/python3
"""Graphviz renders every model's `lgc dump --emit=dot` without an error or a warning.

For each models/*.yaml (the zoo and the hand-written models), runs
`lgc dump MODEL --emit=dot` (the graph after the optimisation passes, the
only dot level `lgc dump` has), pipes it into `dot -Tsvg`, and fails on a
non-zero exit from either, on anything Graphviz prints on stderr, or on an
SVG without one node per layer box. Exits 77 (skipped, for ctest) where
Graphviz's `dot` is not installed.

    /usr/bin/python3 tests/zoo/render_dot.py --lgc build/tools/lgc [--keep DIR]
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo  # noqa: E402


def render(lgc, dot, model, keep):
    dump = subprocess.run([lgc, "dump", model, "--emit=dot"], capture_output=True, text=True)
    if dump.returncode != 0 or dump.stderr.strip():
        return f"lgc dump --emit=dot exited {dump.returncode}: {dump.stderr.strip()}"
    nodes = dump.stdout.count("shape=") + dump.stdout.count("label=")
    if not dump.stdout.lstrip().startswith("digraph") or nodes == 0:
        return "lgc dump --emit=dot printed no digraph"
    svg = subprocess.run([dot, "-Tsvg"], input=dump.stdout, capture_output=True, text=True)
    if svg.returncode != 0 or svg.stderr.strip():
        return f"dot -Tsvg exited {svg.returncode}: {svg.stderr.strip()}"
    if "<svg" not in svg.stdout or 'class="node"' not in svg.stdout:
        return "dot -Tsvg wrote no SVG nodes"
    if keep:
        name = os.path.splitext(os.path.basename(model))[0]
        with open(os.path.join(keep, name + ".svg"), "w") as f:
            f.write(svg.stdout)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lgc", required=True, help="the lgc binary")
    parser.add_argument("--keep", metavar="DIR", help="also write DIR/<model>.svg")
    args = parser.parse_args()
    dot = shutil.which("dot")
    if not dot:
        print("zoo dot: skipped: Graphviz's dot is not installed (apt-get install graphviz)")
        sys.exit(zoo.SKIP)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    failed = 0
    for model in sorted(glob.glob(os.path.join(zoo.MODELS, "*.yaml"))):
        problem = render(args.lgc, dot, model, args.keep)
        print(f"{os.path.basename(model)}: {'FAIL: ' + problem if problem else 'ok'}")
        failed += bool(problem)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
