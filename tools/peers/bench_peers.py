#!/usr/bin/python3
"""Benchmark lgc against PyTorch, ONNX Runtime and oneDNN on the same layers and networks, in the same run.

For each model (an lgc YAML file, or a single layer written from a one-line
benchdnn-like descriptor), rounds are interleaved: in every round each engine
runs once, in an order rotated from round to round, so that drift on a shared
machine hits every engine alike:

  lgc           `lgc bench MODEL --json --threads T --batch B --repeat R` (a fresh
                process: compile, one warm-up run, R timed runs). A network also runs
                on one thread (the speed-up column; --no-scaling skips it). A single
                layer also runs between a 1x1 convolution and a Flatten with
                --profile, so that its kernel reads and writes lgc's blocked layout as
                oneDNN's reads and writes its own: the "lgc kernel" columns
  torch eager   the equivalent torch.nn.Module (tools/python/lgc/torch_model.py), eval mode,
                torch.no_grad(), torch.set_num_threads(T); warm-up, then R runs
                timed one by one with time.perf_counter
  torch frozen  torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(m)))
                (traced when scripting fails; plain torch.jit.freeze when
                optimize_for_inference fails or gives a different answer than eager
                mode, which PyTorch 1.13 does for some ReLU6 and AdaptiveAvgPool2d
                cases; the table says which form ran)
  ort           ONNX Runtime (npm package onnxruntime-node, CPU): the torch module
                exported with torch.onnx.export (--opset, default 13; cached under
                PEERS_DIR/onnx), run by tools/peers/ort_bench.js in a fresh Node process
                per round: InferenceSession with intraOpNumThreads T, one inter-op
                thread, graphOptimizationLevel 'all'; warm-up, then R runs timed one by
                one. Its output is checked against torch eager (max relative error).
  dnnl          oneDNN (Debian's libdnnl-dev), single layers only (conv, dwconv,
                maxpool, avgpool, linear): tools/peers/dnnl_bench.cpp, compiled on
                demand into PEERS_DIR/bin, builds the primitive (fp32,
                forward_inference) with format_tag::any so that it picks its own
                blocked layouts; tensors are reordered into them once, before timing.
                OpenMP threads: OMP_NUM_THREADS=T. Warm-up, then R runs timed one by one.

Every engine warms up for --warmup-ms (200) every round: the peers for at least 3 runs
too, lgc (lgc bench --warmup-ms) for at least one. Unless --stock-malloc, every engine
runs with glibc's MALLOC_MMAP_THRESHOLD_=1GiB and MALLOC_TRIM_THRESHOLD_=4GiB (mallopt
in this process, for PyTorch): buffers allocated per run then reuse mapped pages instead
of faulting fresh ones in every run, which on a VM that returns freed pages to its host
made PyTorch and ONNX Runtime 3-5x slower on single layers, in phases. lgc allocates its
arena once and is not affected.

The FMA peak (tools/peers/fma_peak.cpp: 16 independent AVX-512 FMA chains per thread,
AVX2 without AVX-512) is measured for 1 and T threads before and after the rounds
(the best of each); every engine's GFLOP/s is also given as a % of the T-thread peak.

ONNX Runtime and oneDNN are optional: bash tools/peers/install_peers.sh installs them
(onnxruntime-node into PEERS_DIR/node_modules, libdnnl-dev with apt). A peer that
is missing is skipped with a one-line note, never an error.

Reported per model: the medians (ms) of each engine, the ratios peer/lgc (> 1
means lgc is faster) for torch eager, torch frozen and the best (fastest) peer,
lgc's GFLOP/s and % of the FMA peak, lgc's compile time (median over rounds), and
the spread of the per-round medians (the noise). Quote medians and ratios, never
one absolute time.

Medians: every engine's is the median of its per-round medians, so that each
round weighs the same for every engine. (The peers' medians used to be over all
their timed runs pooled: the repeat count follows the previous round's speed, so a
fast round held more runs and pulled the pooled median its way, which lgc's
per-round median, from `lgc bench --json`, could not do.)

The code: this file (command line, models, the run), bench_rounds.py (rounds),
peer_engines.py (each engine), machine_load.py (malloc, CPU load),
layer_descriptors.py (descriptors to YAML), peer_report.py (JSON and tables);
the torch module comes from tools/python/lgc/torch_model.py.

Single-layer descriptors (input shape is C x H x W; batch from --batch):
  conv    CxHxW kK [sS] [pP|psame|pvalid] [dD] [gG] ocOC [nobias] [flip]
  dwconv  CxHxW kK [sS] [pP] [dD] [mM]      depthwise: groups=C, out=C*M (M default 1)
  maxpool CxHxW kK [sS] [pP] [dD] [ceil]
  avgpool CxHxW kK [sS] [pP] [ceil] [excl]  (excl: count_include_pad false)
  adaptive CxHxW oO                         AdaptiveAvgPool2d to OxO
  bn|relu|sigmoid|tanh CxHxW
  linear  IN->OUT [nobias]
Sizes k, s, p, d take N, HxW or H,W (non-square: "conv 64x56x56 k1x7 p0,3 oc64").
oneDNN runs conv, dwconv, maxpool, avgpool and linear; the others show "-".

Examples:
  bash tools/peers/install_peers.sh    # once: ONNX Runtime and oneDNN
  /usr/bin/python3 tools/peers/bench_peers.py --threads 2
  /usr/bin/python3 tools/peers/bench_peers.py --layers --rounds 5 --json > out.json
  /usr/bin/python3 tools/peers/bench_peers.py --models models/lenet5.yaml "conv 64x56x56 k3 p1 oc64"
  /usr/bin/python3 tools/peers/bench_peers.py --models models/resnet18.yaml --batch 8
"""

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
from lgc import model_yaml  # noqa: E402
from bench_rounds import Case, bench  # noqa: E402
from layer_descriptors import descriptor_to_yaml, kernel_yaml  # noqa: E402
from machine_load import tune_malloc, wait_idle  # noqa: E402
from peer_engines import DEFAULT_PEERS_DIR, ROOT, Peers, measure_peak  # noqa: E402
from peer_report import print_report, summarise  # noqa: E402

DEFAULT_NETWORKS = ["models/lenet5.yaml", "models/alexnet.yaml", "models/resnet18.yaml",
                    "models/mobilenet_v2.yaml", "models/squeezenet1_0.yaml", "models/vgg11.yaml"]
DEFAULT_LAYERS = [
    "conv 3x224x224 k7 s2 p3 oc64",      # ResNet stem
    "conv 64x56x56 k3 s1 p1 oc64",       # 3x3: ResNet layer1
    "conv 3x224x224 k11 s4 p2 oc64",     # 11x11 s4: AlexNet conv1
    "conv 256x14x14 k1 oc1024",          # 1x1: bottleneck expand
    "conv 64x56x56 k3 d2 p2 oc64",       # dilated 3x3
    "conv 64x56x56 k1x7 p0,3 oc64",      # non-square 1x7 (Inception-style)
    "dwconv 144x56x56 k3 p1",            # MobileNetV2 depthwise
    "maxpool 64x112x112 k3 s2 p1",       # ResNet stem pool
    "linear 9216->4096",                 # AlexNet fc6
]


def _add_run_options(ap):
    ap.add_argument("--lgc", default=os.path.join(ROOT, "build", "tools", "lgc"), help="lgc binary (default: build/tools/lgc)")
    ap.add_argument("--threads", type=int, default=2, help="threads for every engine (default 2)")
    ap.add_argument("--batch", type=int, default=1, help="batch size N (default 1)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--repeat", type=int, default=0,
                    help="timed runs per engine per round (default: auto, about --target-ms of runs, "
                         "between --min-repeat and --max-repeat; the first round uses --min-repeat)")
    ap.add_argument("--target-ms", type=float, default=500.0, help="auto repeat: time per engine per round")
    ap.add_argument("--min-repeat", type=int, default=3)
    ap.add_argument("--max-repeat", type=int, default=200)
    ap.add_argument("--models", nargs="+", help="model YAML paths and/or layer descriptors (quoted)")
    grp = ap.add_mutually_exclusive_group()
    grp.add_argument("--layers", action="store_true", help="only the default single layers")
    grp.add_argument("--networks", action="store_true", help="only the default networks")
    ap.add_argument("--warmup-ms", type=float, default=200.0,
                    help="every engine's warm-up per round: at least 3 runs (lgc: 1) and this long "
                         "(default 200)")
    ap.add_argument("--verify", action="store_true",
                    help="first check `lgc run` against torch eager on the same weights and input")


def _add_peer_options(ap):
    ap.add_argument("--no-frozen", action="store_true", help="skip the frozen TorchScript engine")
    ap.add_argument("--no-ort", action="store_true", help="skip ONNX Runtime")
    ap.add_argument("--no-dnnl", action="store_true", help="skip oneDNN")
    ap.add_argument("--no-peak", action="store_true", help="do not measure the FMA peak (no %% of peak)")
    ap.add_argument("--no-scaling", action="store_true",
                    help="do not also run each network's lgc on one thread (the speed-up column)")
    ap.add_argument("--peak", type=float, metavar="GFLOPS",
                    help="the --threads FMA peak to divide by, instead of the one measured in this run "
                         "(say, from a run on a quiet machine)")
    ap.add_argument("--peers-dir", metavar="DIR", default=os.environ.get("LGC_PEERS_DIR", DEFAULT_PEERS_DIR),
                    help="where tools/peers/install_peers.sh put node_modules/onnxruntime-node, and where the "
                         "harness keeps its compiled helpers (bin/) and ONNX exports (onnx/) "
                         "(default: $LGC_PEERS_DIR, else build/peers)")
    ap.add_argument("--opset", type=int, default=13, help="ONNX opset for torch.onnx.export (default 13)")
    ap.add_argument("--stock-malloc", action="store_true",
                    help="leave glibc malloc at its defaults; by default every engine runs with "
                         "MALLOC_MMAP_THRESHOLD_=1GiB and MALLOC_TRIM_THRESHOLD_=4GiB (mallopt for "
                         "PyTorch), so that per-run buffers reuse mapped pages (see docs/benchmarks.md)")


def _add_noise_and_output_options(ap):
    ap.add_argument("--wait-idle", type=float, default=0, metavar="S",
                    help="before each model's round, wait up to S seconds for the machine to be at "
                         "most --max-busy busy (other processes; default 0: do not wait, just record it)")
    ap.add_argument("--max-busy", type=float, default=0.25,
                    help="busy fraction of all CPUs that --wait-idle waits for and above which "
                         "--retries measures a round again (default 0.25)")
    ap.add_argument("--retries", type=int, default=0, metavar="N",
                    help="measure a model's round again (up to N times) when other processes used "
                         "more than --max-busy of the CPUs during it (default 0: keep every round)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--json-out", metavar="FILE", help="also write the JSON object to FILE")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def argument_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_run_options(ap)
    _add_peer_options(ap)
    _add_noise_and_output_options(ap)
    return ap


def _network_case(spec, path):
    try:
        label = str(model_yaml.load_yaml(path)["model"])
    except Exception:  # noqa: BLE001 - lgc reports a bad model itself
        label = os.path.splitext(os.path.basename(spec))[0]
    return Case(label, os.path.abspath(path), "network")


def _layer_case(spec, tmpdir):
    """A one-layer model written into tmpdir (and its kernel model, see kernel_yaml)."""
    name, text = descriptor_to_yaml(spec)
    p = os.path.join(tmpdir, name + ".yaml")
    with open(p, "w") as f:
        f.write(text)
    case = Case(spec, p, "layer", descriptor=spec)
    kernel = kernel_yaml(spec, text)
    if kernel:
        case.kernel_path = os.path.join(tmpdir, name + ".kernel.yaml")
        with open(case.kernel_path, "w") as f:
            f.write(kernel)
    return case


def make_cases(ap, args, tmpdir):
    """A Case for every model file and layer descriptor asked for."""
    if args.models:
        specs = args.models
    elif args.layers:
        specs = DEFAULT_LAYERS
    elif args.networks:
        specs = DEFAULT_NETWORKS
    else:
        specs = DEFAULT_NETWORKS + DEFAULT_LAYERS
    cases = []
    for s in specs:
        path = s if os.path.isabs(s) or not os.path.isfile(os.path.join(ROOT, s)) else os.path.join(ROOT, s)
        if s.endswith((".yaml", ".yml")):
            if not os.path.isfile(path):
                ap.error("no model file %s" % s)
            cases.append(_network_case(s, path))
        else:
            try:
                cases.append(_layer_case(s, tmpdir))
            except ValueError as e:
                ap.error(str(e))
    return cases


def _peak_around(peers, args, log):
    """The FMA peak measured now (after waiting for a quiet machine with --wait-idle)."""
    if args.wait_idle and peers.fma:
        wait_idle(args.max_busy, args.wait_idle, log)
    return measure_peak(peers, args.threads, log)


def run_benchmark(ap, args, log):
    """Peers found, peak measured before and after, every case timed. Returns (cases, peers, run)."""
    tmpdir = tempfile.mkdtemp(prefix="lgc-bench-")
    try:
        cases = make_cases(ap, args, tmpdir)
        run = dict(load0=os.getloadavg(), cpu_count=os.cpu_count())
        t0 = time.time()
        peers = Peers(args, log)
        for n in peers.notes:
            log(n)
        peak0, others0 = _peak_around(peers, args, log)
        if peak0:
            log("FMA peak (%s): %s GFLOP/s%s" % (peers.isa, ", ".join(
                "%s thread%s %.0f" % (t, "" if t == "1" else "s", g) for t, g in peak0.items()),
                "" if others0 is None else "; others %.0f%%" % (100 * others0)))
        bench(cases, args, peers, tmpdir, log)
        peak1, others1 = _peak_around(peers, args, log)
        run.update(elapsed=time.time() - t0, load1=os.getloadavg())
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    run.update(peak0=peak0, peak1=peak1, others0=others0, others1=others1)
    return cases, peers, run


def combine_peaks(run, args):
    """run["peak"]: the better of the two measurements per thread count (--peak overrides
    T threads), run["peak_others"]: the quieter measurement's others, run["peak_t"]."""
    peak0, peak1 = run["peak0"], run["peak1"]
    peak = dict((t, max(x for x in (peak0.get(t), peak1.get(t)) if x is not None))
                for t in sorted(set(peak0) | set(peak1), key=int))
    peak_others = [o for o in (run["others0"], run["others1"]) if o is not None]
    if args.peak:
        peak[str(args.threads)] = args.peak
    run.update(peak=peak, peak_others=min(peak_others) if peak_others else None,
               peak_t=peak.get(str(args.threads)))


def config_json(args, peers, run, malloc):
    peak = run["peak"]
    return dict(lgc=args.lgc, threads=args.threads, batch=args.batch, rounds=args.rounds,
                repeat=args.repeat or "auto", target_ms=args.target_ms, torch=torch.__version__,
                onnxruntime=peers.ort_version, onnx_opset=args.opset if peers.ort else None,
                onednn=peers.dnnl_version, peers_dir=peers.dir, skipped_peers=peers.notes,
                malloc=malloc, warmup_ms=args.warmup_ms,
                fma_peak=dict(isa=peers.isa, gflops=peak, start=run["peak0"], end=run["peak1"],
                              given=args.peak, others_start=run["others0"],
                              others_end=run["others1"]) if peak else None,
                cpu_count=run["cpu_count"], loadavg_start=run["load0"], loadavg_end=run["load1"],
                elapsed_s=round(run["elapsed"], 1), command=" ".join(shlex.quote(a) for a in sys.argv))


def main(argv=None):
    ap = argument_parser()
    args = ap.parse_args(argv)
    if not (os.path.isfile(args.lgc) and os.access(args.lgc, os.X_OK)):
        ap.error("no lgc binary at %s (build it, or pass --lgc)" % args.lgc)
    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    malloc = "stock" if args.stock_malloc else tune_malloc()
    cases, peers, run = run_benchmark(ap, args, log)
    combine_peaks(run, args)
    results = [summarise(c, run["peak_t"], peers, args.opset) for c in cases]
    doc = json.dumps(dict(config=config_json(args, peers, run, malloc), results=results), indent=1)
    if args.json_out:
        with open(args.json_out, "w") as f:
            f.write(doc + "\n")
    if args.json:
        print(doc)
    else:
        print_report(results, args, peers, run, torch.__version__)
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
