#!/usr/bin/python3
"""A zoo model, exported afresh, matches models/<name>.yaml and torchvision's output.

Builds torchvision's network with seeded random weights (He-scaled uniform;
BatchNorm statistics and affine parameters randomised too), exports it with tools/lgc_export.py,
requires the exported layers to equal the committed models/<name>.yaml
(comments aside), writes the weights as safetensors, runs the committed model
with `lgc run` (compiled) on a seeded random input and requires every output
within SPEC section 5's tolerance, 1e-4 * max(1, max|expected|), of
torchvision's in eval mode.

    /usr/bin/python3 tests/zoo/parity.py --lgc build/tools/lgc squeezenet1_1 [--batch 2]

Exits 77 (skipped, for ctest) without python3-torch and python3-torchvision,
1 on any difference.
"""
import argparse
import difflib
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lgc", required=True, help="the lgc binary")
    parser.add_argument("--batch", type=int, help="run with this batch size (lgc run --batch)")
    parser.add_argument("--seed", type=int, default=0, help="weights and input seed (default 0)")
    parser.add_argument("model", choices=sorted({**zoo.ZOO, **zoo.HANDWRITTEN}))
    args = parser.parse_args()
    lgc_export = zoo.import_torch(f"zoo parity {args.model}")
    kwargs, shape = zoo.ZOO.get(args.model, zoo.HANDWRITTEN.get(args.model))[:2]
    committed = os.path.join(zoo.MODELS, args.model + ".yaml")

    start = time.perf_counter()
    module = zoo.random_torchvision_model(lgc_export, args.model, kwargs, args.seed)
    model = lgc_export.convert(module, shape, name=args.model)
    with tempfile.TemporaryDirectory(prefix="lgc_zoo_") as tmp:
        weights = os.path.join(tmp, args.model + ".safetensors")
        lgc_export.write_safetensors(weights, model.tensors)
        export_s = time.perf_counter() - start

        with open(committed) as f:
            want = zoo.body(f.read())
        got = zoo.body(model.yaml_text())
        if got != want:
            diff = difflib.unified_diff(want, got, committed, "exported", lineterm="", n=1)
            print(f"{args.model}: the exporter's output differs from {committed} (regenerate "
                  "it with the command in its header, or fix the exporter):")
            print("\n".join(list(diff)[:40]))
            sys.exit(1)

        start = time.perf_counter()
        try:
            ok, results = lgc_export.verify(module, model, committed, weights, args.lgc,
                                            seed=args.seed, batch=args.batch, workdir=tmp)
        except lgc_export.ExportError as e:
            print(f"{args.model}: {e}")
            sys.exit(1)
        run_s = time.perf_counter() - start
    batch = args.batch or shape[0]
    for name, diff, tol in results:
        print(f"{args.model} batch {batch} output {name}: max |lgc - torchvision| = {diff:.3g} "
              f"(tolerance {tol:.3g}) {'ok' if diff <= tol else 'MISMATCH'}")
    print(f"{args.model}: export {export_s:.1f} s, lgc run + torchvision {run_s:.1f} s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
