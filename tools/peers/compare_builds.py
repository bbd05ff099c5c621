#!/usr/bin/env python3
"""Compares two lgc builds on the same models, runs interleaved (stdlib only).

    tools/peers/compare_builds.py OLD_LGC NEW_LGC MODEL.yaml... [--rounds N] [--repeat R]
                                  [--threads T] [--batch B] [--layout L] [--profile]

On a small shared machine two timings taken minutes apart differ by more than
most changes do, so one build's number against another's means little. This
runs `lgc bench MODEL --json --no-cache` with the old and the new binary
alternately, N rounds (default 7), each a fresh process, and prints for every
model the median over rounds of each build's median and the ratio new/old
(< 1: the new build is faster), with the spread of each build's rounds. With
--profile it also lists the layers whose median time changed by more than 5%.
Compile time (median compile_ms) is reported too.

Example:
    git stash && cmake --build build && cp build/tools/lgc /tmp/lgc.old && git stash pop
    cmake --build build
    tools/peers/compare_builds.py /tmp/lgc.old build/tools/lgc models/resnet18.yaml
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def bench(lgc, model, args, cache):
    cmd = [lgc, "bench", model, "--json", "--no-cache", "--repeat", str(args.repeat),
           "--threads", str(args.threads), "--layout", args.layout]
    if args.batch:
        cmd += ["--batch", str(args.batch)]
    if args.profile:
        cmd.append("--profile")
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ, XDG_CACHE_HOME=cache)).stdout
    return json.loads([l for l in out.splitlines() if l.startswith("{")][-1])


def spread(values):
    return (max(values) - min(values)) / min(values) if min(values) > 0 else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog=__doc__.split("\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--layout", default="auto")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lgc-compare-") as cache:
        for model in args.models:
            runs = {"old": [], "new": []}
            for r in range(args.rounds):
                for which in (("old", "new") if r % 2 == 0 else ("new", "old")):
                    runs[which].append(bench(getattr(args, which), model, args, cache))
            med = {w: statistics.median(j["median_ms"] for j in runs[w]) for w in runs}
            comp = {w: statistics.median(j["compile_ms"] for j in runs[w]) for w in runs}
            print("%-40s old %.4f ms (spread %.0f%%)  new %.4f ms (spread %.0f%%)  new/old %.3f"
                  "   compile old %.0f ms new %.0f ms" % (
                      os.path.basename(model), med["old"],
                      100 * spread([j["median_ms"] for j in runs["old"]]), med["new"],
                      100 * spread([j["median_ms"] for j in runs["new"]]),
                      med["new"] / med["old"], comp["old"], comp["new"]))
            if args.profile:
                layers = {w: {} for w in runs}
                for w in runs:
                    for j in runs[w]:
                        for l in j.get("layers", []):
                            layers[w].setdefault(l["name"], []).append(l["ms"])
                for name, ts in layers["new"].items():
                    if name not in layers["old"]:
                        continue
                    o, n = statistics.median(layers["old"][name]), statistics.median(ts)
                    if o > 0 and abs(n / o - 1) > 0.05:
                        print("    %-36s old %.4f  new %.4f  new/old %.2f" % (name, o, n, n / o))
    return 0


if __name__ == "__main__":
    sys.exit(main())
