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

ONNX Runtime and oneDNN are optional: bash tools/install_peers.sh installs them
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
  bash tools/install_peers.sh          # once: ONNX Runtime and oneDNN
  /usr/bin/python3 tools/bench_peers.py --threads 2
  /usr/bin/python3 tools/bench_peers.py --layers --rounds 5 --json > out.json
  /usr/bin/python3 tools/bench_peers.py --models models/lenet5.yaml "conv 64x56x56 k3 p1 oc64"
  /usr/bin/python3 tools/bench_peers.py --models models/resnet18.yaml --batch 8
"""

import argparse
import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import math
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
from lgc import model_yaml, torch_layers, torch_model  # noqa: E402
from lgc.safetensors_io import write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS_SRC = os.path.join(ROOT, "tools", "peers")
DEFAULT_PEERS_DIR = os.path.join(ROOT, "build", "peers")

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

# glibc malloc settings for every engine unless --stock-malloc: keep freed memory in the heap
# instead of unmapping it, so a buffer allocated per run (PyTorch's and ONNX Runtime's
# outputs) reuses pages already mapped. In a VM that hands freed pages back to the host, a
# page touched afresh costs ~15 us, so with glibc's defaults a layer with a 0.8 MB output
# runs 3-5x slower, and bimodally (ORT's conv 64x56x56: 0.8 or 3.6 ms, by phases).
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 32)}


def tune_malloc():
    """MALLOC_ENV for the children (os.environ; values already set win) and, through
    mallopt, for this process (PyTorch). Returns the settings in force."""
    for k, v in MALLOC_ENV.items():
        os.environ.setdefault(k, v)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-1, ctypes.c_int(min(int(os.environ["MALLOC_TRIM_THRESHOLD_"]), 2**31 - 1)))  # M_TRIM_THRESHOLD
        libc.mallopt(-3, ctypes.c_int(min(int(os.environ["MALLOC_MMAP_THRESHOLD_"]), 2**31 - 1)))  # M_MMAP_THRESHOLD
    except (OSError, AttributeError, ValueError):
        pass
    return dict((k, os.environ[k]) for k in MALLOC_ENV)


# Engines, in the order of the first round; the peers are every engine but lgc.
ENGINES = ("lgc", "eager", "frozen", "ort", "dnnl")
PEERS = ENGINES[1:]
JSON_KEY = dict(eager="torch_eager", frozen="torch_frozen", ort="onnxruntime", dnnl="onednn")

# --------------------------------------------------------------------------------------------
# Single-layer models from descriptors
# --------------------------------------------------------------------------------------------


def _size(v):
    """N, HxW or H,W -> an int or [h, w]."""
    parts = [int(p) for p in re.split(r"[x,]", v)]
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return parts
    raise ValueError("bad size '%s'" % v)


def kernel_yaml(desc, text):
    """The layer of `text` (descriptor_to_yaml's) between two 1x1 convolutions, or None.

    lgc keeps a model's inputs and outputs in NCHW, the caller's layout, and the
    layers inside in its own (channels in blocks of a SIMD vector, nChw16c with
    AVX-512). oneDNN is timed in its own layouts with no reorders; to time lgc's
    kernel alike, the layer reads the output of a 1x1 convolution and feeds a
    Flatten (which copies to NCHW), and `lgc bench --profile` gives the layer's
    own step time. A layer of few input channels (a network's first, which
    reads the image) reads the model input as it would in a network.
    """
    m = re.search(r"x: \[(\d+), (\d+), (\d+), (\d+)\]", text)
    if not m or desc.split()[0].lower() == "linear":
        return None
    c = int(m.group(2))
    lines = text.rstrip("\n").split("\n")
    head, layer = lines[:-1], lines[-1]
    out = []
    if c >= 8:
        out.append("  - {name: pre, op: Conv2d, in_channels: %d, out_channels: %d, kernel_size: 1}" % (c, c))
        layer = layer.replace("{name: layer,", "{name: layer, input: pre,")
    out.append(layer)
    out.append("  - {name: post, op: Flatten}")
    return "\n".join(head + out) + "\n"


def _yaml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[%s]" % ", ".join(_yaml_value(x) for x in v)
    return str(v)


def descriptor_to_yaml(desc):
    """(model name, YAML text) for a one-line layer descriptor."""
    toks = desc.split()
    if not toks:
        raise ValueError("empty descriptor")
    kind, rest = toks[0].lower(), toks[1:]
    name = "l_" + re.sub(r"[^A-Za-z0-9]+", "_", desc.strip()).strip("_").lower()
    if kind == "linear":
        m = re.fullmatch(r"(\d+)->(\d+)", rest[0] if rest else "")
        if not m:
            raise ValueError("linear needs IN->OUT: '%s'" % desc)
        fin, fout = int(m.group(1)), int(m.group(2))
        attrs = dict(in_features=fin, out_features=fout)
        for t in rest[1:]:
            if t == "nobias":
                attrs["bias"] = False
            else:
                raise ValueError("unknown token '%s' in '%s'" % (t, desc))
        inputs, layer = [1, fin], dict(op="Linear", **attrs)
    else:
        m = re.fullmatch(r"(\d+)x(\d+)x(\d+)", rest[0] if rest else "")
        if not m:
            raise ValueError("'%s' needs an input shape CxHxW" % desc)
        c, h, w = (int(g) for g in m.groups())
        inputs = [1, c, h, w]
        opts = {}
        for t in rest[1:]:
            mm = re.fullmatch(r"(oc|k|s|p|d|g|m|o)(.+)", t)
            if t in ("nobias", "flip", "ceil", "excl"):
                opts[t] = True
            elif mm:
                key, val = mm.groups()
                opts[key] = val if (key == "p" and val in ("same", "valid")) else (
                    int(val) if key in ("oc", "g", "m") else _size(val))
            else:
                raise ValueError("unknown token '%s' in '%s'" % (t, desc))
        def take(*allowed):
            bad = set(opts) - set(allowed)
            if bad:
                raise ValueError("'%s': %s does not take %s" % (desc, kind, sorted(bad)))
        if kind in ("conv", "dwconv"):
            if "k" not in opts:
                raise ValueError("'%s' needs kK" % desc)
            if kind == "conv":
                take("k", "s", "p", "d", "g", "oc", "nobias", "flip")
                if "oc" not in opts:
                    raise ValueError("'%s' needs ocOC" % desc)
                oc, g = opts["oc"], opts.get("g", 1)
            else:
                take("k", "s", "p", "d", "m", "nobias", "flip")
                g, oc = c, c * opts.get("m", 1)
            layer = dict(op="Conv2d", in_channels=c, out_channels=oc, kernel_size=opts["k"])
            for key, attr in (("s", "stride"), ("p", "padding"), ("d", "dilation")):
                if key in opts:
                    layer[attr] = opts[key]
            if g != 1:
                layer["groups"] = g
            if opts.get("nobias"):
                layer["bias"] = False
            if opts.get("flip"):
                layer["flip"] = True
        elif kind in ("maxpool", "avgpool"):
            take("k", "s", "p", "d", "ceil", "excl") if kind == "maxpool" else take("k", "s", "p", "ceil", "excl")
            if "k" not in opts:
                raise ValueError("'%s' needs kK" % desc)
            layer = dict(op="MaxPool2d" if kind == "maxpool" else "AvgPool2d", kernel_size=opts["k"])
            for key, attr in (("s", "stride"), ("p", "padding"), ("d", "dilation")):
                if key in opts:
                    layer[attr] = opts[key]
            if opts.get("ceil"):
                layer["ceil_mode"] = True
            if opts.get("excl"):
                if kind != "avgpool":
                    raise ValueError("'%s': excl is for avgpool" % desc)
                layer["count_include_pad"] = False
        elif kind == "adaptive":
            take("o")
            layer = dict(op="AdaptiveAvgPool2d", output_size=opts.get("o", 1))
        elif kind == "bn":
            take()
            layer = dict(op="BatchNorm2d", num_features=c)
        elif kind in ("relu", "sigmoid", "tanh"):
            take()
            layer = dict(op={"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}[kind])
        else:
            raise ValueError("unknown layer kind '%s' in '%s'" % (kind, desc))
    fields = ", ".join("%s: %s" % (k, _yaml_value(v)) for k, v in layer.items())
    text = ("# benchmark layer: %s\nmodel: %s\ninputs:\n  x: %s\nlayers:\n"
            "  - {name: layer, %s}\n" % (desc, name, _yaml_value(inputs), fields))
    return name, text


# --------------------------------------------------------------------------------------------
# Optional peers: ONNX Runtime (Node), oneDNN, the FMA peak
# --------------------------------------------------------------------------------------------


def _run_json(cmd, what, env=None, timeout=None):
    """Run cmd; the last line of its stdout that is a JSON object."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                       timeout=timeout)
    if p.returncode != 0:
        err = (p.stderr.strip() or p.stdout.strip()).splitlines() or [""]
        raise RuntimeError("%s: exit %d: %s" % (what, p.returncode, err[-1][-300:]))
    lines = [l for l in p.stdout.splitlines() if l.strip().startswith("{")]
    if not lines:
        raise RuntimeError("%s printed no JSON: %s" % (what, p.stdout[-300:]))
    return json.loads(lines[-1])


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def build_tool(src, out_dir, flags, libs=()):
    """Compile one C++ source into out_dir (once: the file name carries a hash of the
    source and the command); returns the executable's path."""
    cxx = os.environ.get("CXX", "g++")
    with open(src, "rb") as f:
        h = hashlib.sha256(f.read())
    h.update(repr((cxx, list(flags), list(libs))).encode())
    exe = os.path.join(out_dir, "%s-%s" % (os.path.splitext(os.path.basename(src))[0], h.hexdigest()[:12]))
    if os.path.isfile(exe) and os.access(exe, os.X_OK):
        return exe
    if not shutil.which(cxx):
        raise RuntimeError("no C++ compiler (%s)" % cxx)
    os.makedirs(out_dir, exist_ok=True)
    tmp = "%s.tmp%d" % (exe, os.getpid())
    cmd = [cxx, "-O2", "-std=c++17"] + list(flags) + ["-o", tmp, src] + list(libs)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        if os.path.exists(tmp):
            os.remove(tmp)
        err = [l for l in p.stderr.splitlines() if "error" in l] or p.stderr.strip().splitlines() or [""]
        raise RuntimeError("%s failed: %s" % (" ".join(cmd[:2] + [os.path.basename(src)]), err[0][:200]))
    os.replace(tmp, exe)
    return exe


class Peers:
    """Finds (and, for the C++ helpers, compiles) the optional peers. An engine that is
    unavailable is None here, with a one-line reason in .notes."""

    def __init__(self, args, log):
        self.dir = os.path.abspath(args.peers_dir)
        self.bin_dir = os.path.join(self.dir, "bin")
        self.onnx_dir = os.path.join(self.dir, "onnx")
        self.notes = []
        self.ort = self.ort_version = self.node = None
        self.dnnl = self.dnnl_version = None
        self.fma = self.isa = None
        flags = _cpu_flags()
        if args.no_ort:
            self.notes.append("ONNX Runtime: not run (--no-ort)")
        else:
            self._find_ort()
        if args.no_dnnl:
            self.notes.append("oneDNN: not run (--no-dnnl)")
        else:
            self._find_dnnl(log)
        if args.no_peak:
            self.notes.append("FMA peak: not measured (--no-peak)")
        else:
            if "avx512f" in flags:
                isa_flags, self.isa = ["-mavx512f"], "avx512f"
            elif {"avx2", "fma"} <= flags:
                isa_flags, self.isa = ["-mavx2", "-mfma"], "avx2+fma"
            else:
                isa_flags = None
                self.notes.append("FMA peak: not measured (this CPU has neither AVX-512F nor AVX2+FMA)")
            if isa_flags:
                try:
                    self.fma = build_tool(os.path.join(PEERS_SRC, "fma_peak.cpp"), self.bin_dir,
                                          isa_flags + ["-pthread"])
                except Exception as e:  # noqa: BLE001 - optional
                    self.notes.append("FMA peak: not measured (%s)" % str(e)[:200])

    def _find_ort(self):
        self.node = shutil.which("node")
        mod = os.path.join(self.dir, "node_modules", "onnxruntime-node")
        if not self.node:
            self.notes.append("ONNX Runtime: skipped (no `node` on PATH; apt-get install nodejs npm, "
                              "then bash tools/install_peers.sh)")
            return
        if not os.path.isdir(mod):
            self.notes.append("ONNX Runtime: skipped (no onnxruntime-node in %s; bash tools/install_peers.sh)"
                              % os.path.join(self.dir, "node_modules"))
            return
        p = subprocess.run([self.node, "-e", "const o = require(process.argv[1]);"
                            "console.log((o.env && o.env.versions && o.env.versions.node) || "
                            "require(process.argv[1] + '/package.json').version)", mod],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            err = p.stderr.strip().splitlines() or [""]
            self.notes.append("ONNX Runtime: skipped (onnxruntime-node does not load: %s)" % err[-1][:200])
            return
        self.ort, self.ort_version = mod, p.stdout.strip()

    def _find_dnnl(self, log):
        if not any(os.path.isfile(h) for h in ("/usr/include/dnnl.hpp", "/usr/include/oneapi/dnnl/dnnl.hpp")):
            self.notes.append("oneDNN: skipped (no /usr/include/dnnl.hpp; bash tools/install_peers.sh, "
                              "or apt-get install libdnnl-dev)")
            return
        try:
            src = os.path.join(PEERS_SRC, "dnnl_bench.cpp")
            t0 = time.time()
            self.dnnl = build_tool(src, self.bin_dir, ["-fopenmp"], ["-ldnnl"])
            if time.time() - t0 > 1:
                log("compiled %s in %.0f s" % (_show(self.dnnl), time.time() - t0))
            j = _run_json([self.dnnl, "kind=linear", "ic=16", "oc=16", "repeat=1", "warmup_ms=0"], "dnnl_bench",
                          env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=60)
            self.dnnl_version = j.get("dnnl_version")
        except Exception as e:  # noqa: BLE001 - optional
            self.dnnl = None
            self.notes.append("oneDNN: skipped (%s)" % str(e)[:200])

    def fma_peak(self, threads, ms=200, trials=3):
        """Best fp32 GFLOP/s of `trials` FMA runs of about `ms` ms on `threads` threads."""
        j = _run_json([self.fma, "threads=%d" % threads, "ms=%d" % ms, "trials=%d" % trials], "fma_peak",
                      timeout=120)
        return j


def measure_peak(peers, threads, log):
    """({thread count (str): best GFLOP/s} for 1 and `threads` threads, the largest share of
    the CPUs that other processes used meanwhile); ({}, None) when unavailable."""
    out, worst = {}, None
    if not peers.fma:
        return out, worst
    for t in sorted({1, threads}):
        meter = OthersMeter()
        meter.start()
        try:
            out[str(t)] = peers.fma_peak(t)["gflops"]
        except Exception as e:  # noqa: BLE001 - optional
            log("FMA peak on %d threads failed: %s" % (t, e))
        o = meter.stop()
        if o is not None:
            worst = o if worst is None else max(worst, o)
    return out, worst


def _pads(padding, axis, size, k, s, d, out):
    """PyTorch padding (int, [h, w], 'same', 'valid') of one axis -> (before, after) with
    which oneDNN's output-size formula gives `out`."""
    dk = d * (k - 1) + 1
    if padding == "valid":
        lo = 0
    elif padding == "same":
        lo = (dk - 1) // 2  # PyTorch puts the odd one at the end
    else:
        lo = model_yaml.pair(padding)[axis]
    hi = lo if (size + 2 * lo - dk) // s + 1 == out else (out - 1) * s + dk - size - lo
    return lo, hi


class NotForDnnl(Exception):
    """The layer has no oneDNN counterpart in this harness."""


def dnnl_layer_args(model, in_shape, out_shape):
    """dnnl_bench KEY=VALUE arguments for a one-layer lgc model."""
    if len(model.layers) != 1 or len(model.inputs) != 1:
        raise NotForDnnl("not a single layer")
    op, a = model.layers[0]["op"], model.layers[0]["attrs"]
    if op == "Linear":
        if len(in_shape) != 2:
            raise NotForDnnl("Linear on a %d-D input" % len(in_shape))
        return dict(kind="linear", n=in_shape[0], ic=a["in_features"], oc=a["out_features"],
                    bias=int(bool(a["bias"])))
    if op not in ("Conv2d", "MaxPool2d", "AvgPool2d") or len(in_shape) != 4 or len(out_shape) != 4:
        raise NotForDnnl("no oneDNN primitive for %s here" % op)
    n, c, h, w = in_shape
    oh, ow = out_shape[2], out_shape[3]
    kh, kw = model_yaml.pair(a["kernel_size"])
    stride = a.get("stride")
    sh, sw = model_yaml.pair(stride if stride is not None else a["kernel_size"])
    dh, dw = model_yaml.pair(a.get("dilation", 1))
    pt, pb = _pads(a.get("padding", 0), 0, h, kh, sh, dh, oh)
    pl, pr = _pads(a.get("padding", 0), 1, w, kw, sw, dw, ow)
    d = dict(n=n, ic=c, ih=h, iw=w, kh=kh, kw=kw, sh=sh, sw=sw, dh=dh, dw=dw, pt=pt, pl=pl, pb=pb, pr=pr,
             oh=oh, ow=ow)
    if op == "Conv2d":
        d.update(kind="conv", oc=a["out_channels"], g=a["groups"], bias=int(bool(a["bias"])))
    elif op == "MaxPool2d":
        d["kind"] = "maxpool"
    else:
        if a.get("divisor_override"):
            raise NotForDnnl("AvgPool2d with divisor_override")
        d["kind"] = "avgpool" if a.get("count_include_pad", True) else "avgpool_excl"
    return d


_LGC_TORCH_HASH = None


def _show(path):
    """A path as the log shows it: relative to the repository when inside it."""
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def export_onnx(case, m, xs, opset, onnx_dir, log):
    """torch.onnx.export of the module (seeded weights), cached in onnx_dir by the model
    file, batch, opset, torch version and the module builder's source. Returns (path, seconds spent)."""
    global _LGC_TORCH_HASH
    if _LGC_TORCH_HASH is None:
        h = hashlib.sha256()
        for source in (torch_model.__file__, torch_layers.__file__):
            with open(source, "rb") as f:
                h.update(f.read())
        _LGC_TORCH_HASH = h.hexdigest()
    with open(case.path, "rb") as f:
        h = hashlib.sha256(f.read())
    h.update(repr((list(m.input_shapes.values()), opset, torch.__version__, _LGC_TORCH_HASH, 1)).encode())
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", case.label)[:48]
    batch = next(iter(m.input_shapes.values()))[0]
    path = os.path.join(onnx_dir, "%s-b%d-op%d-%s.onnx" % (name, batch, opset, h.hexdigest()[:12]))
    if os.path.isfile(path):
        return path, 0.0
    os.makedirs(onnx_dir, exist_ok=True)
    tmp = "%s.tmp%d" % (path, os.getpid())
    t0 = time.time()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
            warnings.simplefilter("ignore")
            torch.onnx.export(m, tuple(xs), tmp, opset_version=opset, do_constant_folding=True,
                              input_names=list(m.input_shapes), output_names=list(m.lgc_model.outputs))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    dt = time.time() - t0
    if dt > 2:
        log("exported %s to ONNX in %.0f s (cached: %s)" % (case.label, dt, _show(path)))
    return path, dt


def run_ort(peers, case, threads, repeat, warmup_ms, out_dir=None):
    cmd = [peers.node, os.path.join(PEERS_SRC, "ort_bench.js"), "--ort", peers.ort, "--model", case.onnx,
           "--threads", str(threads), "--repeat", str(repeat), "--warmup-ms", "%g" % warmup_ms]
    for spec in case.ort_inputs:
        cmd += ["--input", spec]
    if out_dir:
        cmd += ["--output-dir", out_dir]
    return _run_json(cmd, "ort_bench.js")


def check_ort(case, j):
    """Max relative error of ORT's first-run outputs against torch eager (a string when a
    shape or an output is wrong)."""
    worst = 0.0
    outs = j.get("outputs") or {}
    for name, e in zip(case.out_names, case.eager_out):
        o = outs.get(name)
        if o is None:
            return "no output %s" % name
        got = np.fromfile(o["file"], dtype="<f4")
        if list(o["dims"]) != list(e.shape) or got.size != e.size:
            return "output %s has shape %s, torch %s" % (name, o["dims"], list(e.shape))
        got = got.reshape(e.shape)
        worst = max(worst, float(np.max(np.abs(got - e))) / max(1.0, float(np.max(np.abs(e)))) if e.size else 0.0)
    return worst


def run_dnnl(peers, layer_args, threads, repeat, warmup_ms):
    cmd = [peers.dnnl] + ["%s=%s" % kv for kv in layer_args.items()] + ["repeat=%d" % repeat,
                                                                       "warmup_ms=%d" % round(warmup_ms)]
    return _run_json(cmd, "dnnl_bench", env=dict(os.environ, OMP_NUM_THREADS=str(threads)))


# --------------------------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------------------------


def run_lgc(lgc, path, threads, batch, repeat, warmup_ms, seed=0, profile=False):
    cmd = [lgc, "bench", path, "--json", "--threads", str(threads), "--batch", str(batch),
           "--repeat", str(repeat), "--warmup-ms", str(round(warmup_ms)), "--seed", str(seed)]
    cmd += ["--profile"] if profile else []
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(shlex.quote(c) for c in cmd), p.returncode,
                                                 p.stderr.strip()[-400:]))
    lines = [l for l in p.stdout.splitlines() if l.strip().startswith("{")]
    if not lines:
        raise RuntimeError("lgc bench printed no JSON: %s" % p.stdout[-400:])
    return json.loads(lines[-1])


def time_torch(fn, xs, repeat, warmup_runs=3, warmup_s=0.2):
    """Warm-up (at least warmup_runs runs and warmup_s seconds), then `repeat` timed runs."""
    with torch.no_grad():
        t_end = time.perf_counter() + warmup_s
        n = 0
        while n < warmup_runs or time.perf_counter() < t_end:
            fn(*xs)
            n += 1
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(*xs)
            times.append((time.perf_counter() - t0) * 1e3)
    return times


def _cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    return sum(v), idle


def cpu_busy(seconds=0.3):
    """Fraction of all CPUs busy (any process) over `seconds`; None where /proc/stat is missing."""
    try:
        t0, i0 = _cpu_times()
        time.sleep(seconds)
        t1, i1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (i1 - i0) / (t1 - t0) if t1 > t0 else 0.0


class OthersMeter:
    """CPU time used by other processes between start() and stop(), as a fraction of all
    CPUs: the machine's busy time (/proc/stat) less this process's and its children's."""

    def start(self):
        try:
            self.t0, self.i0 = _cpu_times()
        except (OSError, ValueError, IndexError):
            self.t0 = None
        self.o0 = os.times()

    def stop(self):
        if self.t0 is None:
            return None
        t1, i1 = _cpu_times()
        o1 = os.times()
        hz = os.sysconf("SC_CLK_TCK")
        total = (t1 - self.t0) / hz
        if total <= 0:
            return 0.0
        busy = total - (i1 - self.i0) / hz
        own = sum(o1[k] - self.o0[k] for k in range(4))  # user, system, children user, system
        return max(0.0, min(1.0, (busy - own) / total))


def wait_idle(max_busy, max_wait_s, log):
    """Sample the machine's load until it is at most max_busy (or max_wait_s passed);
    returns the last busy fraction seen."""
    end = time.time() + max_wait_s
    busy = cpu_busy()
    waited = False
    while busy is not None and busy > max_busy and time.time() < end:
        if not waited:
            log("  machine %.0f%% busy; waiting up to %.0f s for it to drop below %.0f%%"
                % (100 * busy, max_wait_s, 100 * max_busy))
            waited = True
        time.sleep(1.0)
        busy = cpu_busy()
    return busy


def auto_repeat(est_ms, target_ms, lo, hi):
    if est_ms <= 0:
        return hi
    return int(max(lo, min(hi, math.ceil(target_ms / est_ms))))


def spread(values):
    """(max - min) / min of per-round medians, as a fraction."""
    return (max(values) - min(values)) / min(values) if values and min(values) > 0 else 0.0


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------


class Case:
    def __init__(self, label, path, kind, descriptor=None):
        self.label, self.path, self.kind, self.descriptor = label, path, kind, descriptor
        self.error = None
        self.engines = []             # the engines that run this model, in ENGINES order
        self.lgc_rounds = []          # lgc bench JSON per round
        self.kernel_path = None       # a layer: the model that times its kernel (kernel_yaml)
        self.kernel_ms = []           # ... the layer's step time, per round
        self.one_thread_ms = []       # a network: lgc's median on one thread, per round
        self.runs = dict((e, []) for e in PEERS)          # the peers' run times, all rounds
        self.round_meds = dict((e, []) for e in PEERS)    # the peers' per-round medians
        self.peer_notes = {}          # peer -> why it did not run (or stopped running) here
        self.frozen_how = self.frozen_note = None
        self.freeze_ms = None
        self.onnx = None              # exported ONNX file
        self.export_s = None
        self.ort_inputs = []          # NAME=FILE:DIMS for ort_bench.js
        self.out_names, self.eager_out = [], []
        self.ort_err = None           # ORT vs torch eager, max relative error
        self.ort_session_ms = []
        self.dnnl_args = None
        self.dnnl_info = None         # dnnl_bench's JSON from the first round
        self.dnnl_create_ms = []
        self.verify = None
        self.busy = []                # the machine's busy fraction before each round
        self.others = []              # other processes' CPU share during each round
        self.discarded = 0            # rounds measured again because others were busy


def verify_case(case, lgc, module, threads, batch, tmp):
    """Run `lgc run` (compiled) with the module's weights and input; max error vs eager torch."""
    w = os.path.join(tmp, "verify.safetensors")
    write_safetensors(w, dict(sorted(module.lgc_state().items())))
    xs = torch_model.random_inputs(module, seed=1)
    cmd = [lgc, "run", case.path, "--threads", str(threads), "--batch", str(batch)]
    if module.lgc_state():
        cmd += ["--weights", w]
    for name, x in zip(module.input_shapes, xs):
        f = os.path.join(tmp, "verify.in.%d.npy" % len(cmd))
        np.save(f, x.numpy())
        cmd += ["--input", "%s=%s" % (name, f)]
    outs = {}
    for i, name in enumerate(module.lgc_model.outputs):
        outs[name] = os.path.join(tmp, "verify.out.%d.npy" % i)
        cmd += ["--output", "%s=%s" % (name, outs[name])]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        return "lgc run failed: " + p.stderr.strip()[-200:]
    with torch.no_grad():
        ys = module(*xs)
    ys = ys if isinstance(ys, tuple) else (ys,)
    worst = 0.0
    for name, y in zip(module.lgc_model.outputs, ys):
        got = np.load(outs[name])
        e = y.numpy()
        if got.shape != e.shape:
            return "shape %s != torch %s" % (got.shape, e.shape)
        worst = max(worst, float(np.max(np.abs(got - e))) / max(1.0, float(np.max(np.abs(e)))))
    return worst


def prepare(case, args, peers, tmp, log):
    """Build the torch module and everything each engine needs; returns (module, frozen, xs)."""
    m = torch_model.build_module(case.path, batch=args.batch)
    torch_model.init_params(m, seed=0)
    xs = torch_model.random_inputs(m, seed=0)
    case.engines = ["lgc", "eager"]
    frozen = None
    if peers.ort or peers.dnnl:
        with torch.no_grad():
            ys = m(*xs)
        ys = ys if isinstance(ys, tuple) else (ys,)
        case.out_names = list(m.lgc_model.outputs)
        case.eager_out = [y.numpy() for y in ys]
    if peers.ort:
        try:
            case.onnx, case.export_s = export_onnx(case, m, xs, args.opset, peers.onnx_dir, log)
            os.makedirs(tmp, exist_ok=True)
            for i, (name, x) in enumerate(zip(m.input_shapes, xs)):
                f = os.path.join(tmp, "ort.in.%d.bin" % i)
                x.numpy().astype("<f4").tofile(f)
                case.ort_inputs.append("%s=%s:%s" % (name, f, "x".join(str(d) for d in x.shape)))
            case.engines.append("ort")
        except Exception as e:  # noqa: BLE001 - an optional peer
            msg = [l for l in str(e).strip().splitlines() if l.strip()] or [type(e).__name__]
            case.peer_notes["ort"] = "ONNX export failed: %s: %s" % (type(e).__name__, msg[0][:200])
            log("ort %s: %s" % (case.label, case.peer_notes["ort"]))
    if peers.dnnl and case.kind == "layer":
        try:
            case.dnnl_args = dnnl_layer_args(m.lgc_model, list(xs[0].shape), list(case.eager_out[0].shape))
            case.engines.append("dnnl")
        except NotForDnnl as e:
            case.peer_notes["dnnl"] = str(e)
    if not args.no_frozen:
        t0 = time.perf_counter()
        try:
            frozen, case.frozen_how, case.frozen_note = torch_model.freeze(m, xs)
            case.engines.append("frozen")
        except Exception as e:  # noqa: BLE001 - a model that cannot be frozen still runs eager
            case.frozen_note = str(e)[:200]
        case.freeze_ms = (time.perf_counter() - t0) * 1e3
    if args.verify:
        with tempfile.TemporaryDirectory(prefix="lgc-verify-") as vt:
            case.verify = verify_case(case, args.lgc, m, args.threads, args.batch, vt)
        log("verify %-40s %s" % (case.label, case.verify if isinstance(case.verify, str)
                                 else "max rel err %.2e" % case.verify))
    case.engines.sort(key=ENGINES.index)
    return m, frozen, xs


def bench(cases, args, peers, tmpdir, log):
    torch.set_num_threads(args.threads)
    prepared = []
    for i, case in enumerate(cases):
        try:
            m, frozen, xs = prepare(case, args, peers, os.path.join(tmpdir, "case%d" % i), log)
            prepared.append((case, m, frozen, xs, os.path.join(tmpdir, "case%d" % i)))
        except Exception as e:  # noqa: BLE001 - report the model, keep going
            case.error = "%s: %s" % (type(e).__name__, str(e)[:300])
            log("skip %s: %s" % (case.label, case.error))

    reps = {}  # (case label, engine) -> repeat
    for r in range(args.rounds):
        for case, m, frozen, xs, tmp in prepared:
            if case.error:
                continue
            k = r % len(case.engines)
            order = case.engines[k:] + case.engines[:k]
            for attempt in range(args.retries + 1):
                busy = (wait_idle(args.max_busy, args.wait_idle, log) if args.wait_idle
                        else cpu_busy())
                meter = OthersMeter()
                meter.start()
                got = {}    # engine -> lgc JSON, or the peer's run times
                extra = {}  # engine -> the ort/dnnl helper's JSON
                for eng in order:
                    if eng not in case.engines:
                        continue  # an optional peer that failed earlier in this round
                    key = (case.label, eng)
                    rep = args.repeat or reps.get(key, args.min_repeat)
                    try:
                        if eng == "lgc":
                            got[eng] = run_lgc(args.lgc, case.path, args.threads, args.batch, rep,
                                               args.warmup_ms)
                            est = got[eng]["median_ms"]
                            if case.kernel_path:
                                k = run_lgc(args.lgc, case.kernel_path, args.threads, args.batch, rep,
                                            args.warmup_ms, profile=True)
                                got["kernel"] = [l["ms"] for l in k["layers"] if l["name"] == "layer"][0]
                            if case.kind == "network" and args.threads > 1 and not args.no_scaling:
                                one = run_lgc(args.lgc, case.path, 1, args.batch, max(3, rep // 2),
                                              args.warmup_ms)
                                got["one_thread"] = one["median_ms"]
                        else:
                            if eng in ("eager", "frozen"):
                                got[eng] = time_torch(m if eng == "eager" else frozen, xs, rep,
                                                      warmup_s=args.warmup_ms * 1e-3)
                            elif eng == "ort":
                                check = case.ort_err is None
                                j = run_ort(peers, case, args.threads, rep, args.warmup_ms,
                                            out_dir=tmp if check else None)
                                if check:
                                    case.ort_err = check_ort(case, j)
                                got[eng], extra[eng] = j["times_ms"], j
                            else:
                                j = run_dnnl(peers, case.dnnl_args, args.threads, rep, args.warmup_ms)
                                want = [case.dnnl_args["n"]] + list(case.eager_out[0].shape[1:])
                                if list(j.get("dst_dims", [])) != want:
                                    raise RuntimeError("oneDNN output %s != torch %s" % (j.get("dst_dims"), want))
                                got[eng], extra[eng] = j["times_ms"], j
                            est = statistics.median(got[eng])
                        if not args.repeat:
                            reps[key] = auto_repeat(est, args.target_ms, args.min_repeat, args.max_repeat)
                    except Exception as e:  # noqa: BLE001
                        msg = str(e).strip()[:300]
                        if eng in ("ort", "dnnl", "frozen"):  # a peer's failure drops that peer only
                            case.engines.remove(eng)
                            case.peer_notes[eng] = "failed: " + msg
                            log("error %s: %s: %s (dropped from this model)" % (case.label, eng, msg))
                            continue
                        case.error = "%s: %s" % (eng, msg)
                        log("error %s: %s" % (case.label, case.error))
                        break
                others = meter.stop()
                if case.error:
                    break
                meds = " ".join("%s %s" % (e, fmt_ms(got[e]["median_ms"] if e == "lgc" else statistics.median(got[e])))
                                for e in ENGINES if e in got)
                line = "round %d/%d %-32s busy %3s others %3s  %s" % (
                    r + 1, args.rounds, case.label,
                    "?" if busy is None else "%.0f%%" % (100 * busy),
                    "?" if others is None else "%.0f%%" % (100 * others), meds)
                if others is not None and others > args.max_busy and attempt < args.retries:
                    case.discarded += 1
                    log(line + "  (discarded: other processes busy; again)")
                    continue
                log(line)
                case.busy.append(busy)
                case.others.append(others)
                j = got["lgc"]
                case.lgc_rounds.append(j)
                if "kernel" in got:
                    case.kernel_ms.append(got["kernel"])
                if "one_thread" in got:
                    case.one_thread_ms.append(got["one_thread"])
                for eng in PEERS:
                    if eng in got:
                        case.runs[eng] += got[eng]
                        case.round_meds[eng].append(statistics.median(got[eng]))
                if "ort" in extra:
                    case.ort_session_ms.append(extra["ort"]["session_ms"])
                if "dnnl" in extra:
                    case.dnnl_info = case.dnnl_info or extra["dnnl"]
                    case.dnnl_create_ms.append(extra["dnnl"]["create_ms"])
                break
    return cases


def summarise(case, peak, peers, opset):
    """The model's JSON result. peak: the T-thread FMA peak in GFLOP/s, or None."""
    out = dict(model=case.label, kind=case.kind, path=case.path)
    if case.descriptor:
        out["descriptor"] = case.descriptor
    if case.error:
        out["error"] = case.error
    gflop = None
    if case.lgc_rounds:
        meds = [j["median_ms"] for j in case.lgc_rounds]
        med = statistics.median(meds)
        j0 = case.lgc_rounds[0]
        gflop = j0["gflops"] * j0["median_ms"] * 1e-3  # GFLOP per run, from lgc's own count
        out["gflop_per_run"] = gflop
        gf = gflop / (med * 1e-3) if med > 0 else None
        out["lgc"] = dict(median_ms=med, round_medians_ms=meds,
                          median_of="per-round medians",
                          min_ms=min(j["min_ms"] for j in case.lgc_rounds),
                          runs=sum(j["runs"] for j in case.lgc_rounds),
                          compile_ms=statistics.median(j["compile_ms"] for j in case.lgc_rounds),
                          compile_stages_ms=j0.get("compile_stages_ms"),
                          cached=any(j.get("cached") for j in case.lgc_rounds),
                          gflops=gf, pct_peak=100 * gf / peak if gf and peak else None,
                          arena_bytes=j0.get("arena_bytes"), spread=spread(meds))
        out["lgc"]["largest_live_bytes"] = j0.get("largest_live_bytes")
        if case.one_thread_ms:
            one = statistics.median(case.one_thread_ms)
            out["lgc"]["one_thread"] = dict(median_ms=one, round_medians_ms=case.one_thread_ms,
                                            speedup=one / med if med > 0 else None)
        if case.kernel_ms:
            kmed = statistics.median(case.kernel_ms)
            kgf = gflop / (kmed * 1e-3) if kmed > 0 else None
            out["lgc"]["kernel"] = dict(median_ms=kmed, round_medians_ms=case.kernel_ms, gflops=kgf,
                                        pct_peak=100 * kgf / peak if kgf and peak else None,
                                        model=case.kernel_path)
    best = None
    for eng in PEERS:
        ts = case.runs[eng]
        key = JSON_KEY[eng]
        if not ts:
            note = case.peer_notes.get(eng) or (case.frozen_note if eng == "frozen" else None)
            out[key] = dict(error=note) if note else None
            continue
        med = statistics.median(case.round_meds[eng])
        d = dict(median_ms=med, median_of="per-round medians", round_medians_ms=case.round_meds[eng],
                 min_ms=min(ts), runs=len(ts), spread=spread(case.round_meds[eng]))
        if eng == "frozen":
            d.update(how=case.frozen_how, note=case.frozen_note, freeze_ms=case.freeze_ms)
        elif eng == "ort":
            d.update(version=peers.ort_version, opset=opset, onnx=case.onnx, export_s=case.export_s,
                     session_ms=statistics.median(case.ort_session_ms) if case.ort_session_ms else None,
                     max_rel_err_vs_eager=case.ort_err)
        elif eng == "dnnl":
            info = case.dnnl_info or {}
            d.update(version=info.get("dnnl_version"), impl=info.get("impl"), src_fmt=info.get("src_fmt"),
                     wei_fmt=info.get("wei_fmt"), dst_fmt=info.get("dst_fmt"), args=case.dnnl_args,
                     create_ms=statistics.median(case.dnnl_create_ms) if case.dnnl_create_ms else None)
        if case.peer_notes.get(eng):
            d["note"] = case.peer_notes[eng]
        if gflop is not None:
            d["gflops"] = gflop / (med * 1e-3)
            d["pct_peak"] = 100 * d["gflops"] / peak if peak else None
        d["over_lgc"] = med / out["lgc"]["median_ms"] if "lgc" in out else None
        if eng == "dnnl" and "kernel" in out.get("lgc", {}):
            d["over_lgc_kernel"] = med / out["lgc"]["kernel"]["median_ms"]
        out[key] = d
        if best is None or med < best[1]:
            best = (eng, med)
    if best:
        out["best_peer"] = dict(engine=best[0], median_ms=best[1],
                                over_lgc=best[1] / out["lgc"]["median_ms"] if "lgc" in out else None)
    if case.verify is not None:
        out["verify_max_rel_err"] = case.verify
    out["busy_before_rounds"] = case.busy
    out["others_during_rounds"] = case.others
    out["rounds_discarded"] = case.discarded
    return out


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def fmt_ms(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    if v >= 1:
        return "%.2f" % v
    if v >= 0.01:
        return "%.3f" % v
    return "%.4f" % v


def fmt_ratio(v):
    if v is None:
        return "-"
    return "%.2f" % v if v < 100 else "%.0f" % v


def fmt_pct(v):
    return "-" if v is None else "%.0f%%" % v


SHORT = dict(eager="eager", frozen="frozen", ort="ort", dnnl="dnnl")


def _render(head, rows, left=(0,)):
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    lines = []
    for i, row in enumerate([head] + rows):
        cells = [str(c).ljust(w) if j in left or j == len(row) - 1 else str(c).rjust(w)
                 for j, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def table(results):
    head = ["model", "lgc ms", "eager ms", "frozen ms", "ort ms", "dnnl ms", "eager/lgc", "frozen/lgc",
            "best", "best/lgc", "lgc GF/s", "lgc %pk", "compile ms", "noise", "others", "frozen form"]
    rows = []
    for r in results:
        if "error" in r and "lgc" not in r:
            rows.append([r["model"], "error: " + r["error"][:90]] + [""] * (len(head) - 2))
            continue
        lg = r.get("lgc") or {}
        peers = dict((e, r.get(JSON_KEY[e]) or {}) for e in PEERS)
        noise = max([d.get("spread", 0) for d in [lg] + list(peers.values()) if d] or [0])
        b = [x for x in r.get("others_during_rounds", []) if x is not None]
        busy = "%.0f%%" % (100 * max(b)) if b else "?"
        if r.get("rounds_discarded"):
            busy += " (%d redone)" % r["rounds_discarded"]
        fr = peers["frozen"]
        form = fr.get("how") or ("failed" if fr.get("error") else "-")
        if fr.get("note"):
            form += "*"
        best = r.get("best_peer") or {}
        rows.append([r["model"], fmt_ms(lg.get("median_ms"))]
                    + [fmt_ms(peers[e].get("median_ms")) for e in PEERS]
                    + [fmt_ratio(peers["eager"].get("over_lgc")), fmt_ratio(peers["frozen"].get("over_lgc")),
                       SHORT.get(best.get("engine"), "-"), fmt_ratio(best.get("over_lgc")),
                       "%.1f" % lg["gflops"] if lg.get("gflops") is not None else "-",
                       fmt_pct(lg.get("pct_peak")),
                       "%.0f" % lg["compile_ms"] if "compile_ms" in lg else "-",
                       "%.0f%%" % (100 * noise), busy, form])
    return _render(head, rows)


def threads_table(results, threads):
    """lgc on one thread and on T, and its arena against the largest live set, per network."""
    head = ["model", "1 thread ms", "%d threads ms" % threads, "speed-up", "arena MB",
            "largest live MB", "arena/live"]
    rows = []
    for r in results:
        lg = r.get("lgc") or {}
        if r.get("kind") != "network" or not lg:
            continue
        one = lg.get("one_thread") or {}
        arena, live = lg.get("arena_bytes"), lg.get("largest_live_bytes")
        rows.append([r["model"], fmt_ms(one.get("median_ms")), fmt_ms(lg.get("median_ms")),
                     fmt_ratio(one.get("speedup")),
                     "%.2f" % (arena / 2**20) if arena is not None else "-",
                     "%.2f" % (live / 2**20) if live else "-",
                     fmt_ratio(arena / live) if arena is not None and live else "-"])
    return _render(head, rows) if rows else None


def peak_table(results):
    """GFLOP/s of every engine as a % of the FMA peak, for the single layers."""
    head = ["layer", "GFLOP", "lgc", "lgc kernel", "eager", "frozen", "ort", "dnnl",
            "kernel ms", "dnnl/kernel", "dnnl impl"]
    rows = []
    for r in results:
        if r.get("kind") != "layer" or "lgc" not in r:
            continue
        dn = r.get("onednn") or {}
        kernel = r["lgc"].get("kernel") or {}
        rows.append([r["model"], "%.3f" % r["gflop_per_run"], fmt_pct(r["lgc"].get("pct_peak")),
                     fmt_pct(kernel.get("pct_peak"))]
                    + [fmt_pct((r.get(JSON_KEY[e]) or {}).get("pct_peak")) for e in PEERS]
                    + [fmt_ms(kernel.get("median_ms")), fmt_ratio(dn.get("over_lgc_kernel")),
                       dn.get("impl") or "-"])
    return _render(head, rows) if rows else None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
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
                    help="where tools/install_peers.sh put node_modules/onnxruntime-node, and where the "
                         "harness keeps its compiled helpers (bin/) and ONNX exports (onnx/) "
                         "(default: $LGC_PEERS_DIR, else build/peers)")
    ap.add_argument("--opset", type=int, default=13, help="ONNX opset for torch.onnx.export (default 13)")
    ap.add_argument("--warmup-ms", type=float, default=200.0,
                    help="every engine's warm-up per round: at least 3 runs (lgc: 1) and this long "
                         "(default 200)")
    ap.add_argument("--stock-malloc", action="store_true",
                    help="leave glibc malloc at its defaults; by default every engine runs with "
                         "MALLOC_MMAP_THRESHOLD_=1GiB and MALLOC_TRIM_THRESHOLD_=4GiB (mallopt for "
                         "PyTorch), so that per-run buffers reuse mapped pages (see docs/benchmarks.md)")
    ap.add_argument("--verify", action="store_true",
                    help="first check `lgc run` against torch eager on the same weights and input")
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
    args = ap.parse_args(argv)

    if not (os.path.isfile(args.lgc) and os.access(args.lgc, os.X_OK)):
        ap.error("no lgc binary at %s (build it, or pass --lgc)" % args.lgc)
    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    malloc = "stock" if args.stock_malloc else tune_malloc()

    if args.models:
        specs = args.models
    elif args.layers:
        specs = DEFAULT_LAYERS
    elif args.networks:
        specs = DEFAULT_NETWORKS
    else:
        specs = DEFAULT_NETWORKS + DEFAULT_LAYERS

    cases = []
    tmpdir = tempfile.mkdtemp(prefix="lgc-bench-")
    try:
        for s in specs:
            path = s if os.path.isabs(s) or not os.path.isfile(os.path.join(ROOT, s)) else os.path.join(ROOT, s)
            if s.endswith((".yaml", ".yml")):
                if not os.path.isfile(path):
                    ap.error("no model file %s" % s)
                try:
                    label = str(model_yaml.load_yaml(path)["model"])
                except Exception:  # noqa: BLE001 - lgc reports a bad model itself
                    label = os.path.splitext(os.path.basename(s))[0]
                cases.append(Case(label, os.path.abspath(path), "network"))
            else:
                try:
                    name, text = descriptor_to_yaml(s)
                except ValueError as e:
                    ap.error(str(e))
                p = os.path.join(tmpdir, name + ".yaml")
                with open(p, "w") as f:
                    f.write(text)
                cases.append(Case(s, p, "layer", descriptor=s))
                kernel = kernel_yaml(s, text)
                if kernel:
                    cases[-1].kernel_path = os.path.join(tmpdir, name + ".kernel.yaml")
                    with open(cases[-1].kernel_path, "w") as f:
                        f.write(kernel)

        load0 = os.getloadavg()
        t0 = time.time()
        peers = Peers(args, log)
        for n in peers.notes:
            log(n)
        if args.wait_idle and peers.fma:
            wait_idle(args.max_busy, args.wait_idle, log)
        peak0, others0 = measure_peak(peers, args.threads, log)
        if peak0:
            log("FMA peak (%s): %s GFLOP/s%s" % (peers.isa, ", ".join(
                "%s thread%s %.0f" % (t, "" if t == "1" else "s", g) for t, g in peak0.items()),
                "" if others0 is None else "; others %.0f%%" % (100 * others0)))
        bench(cases, args, peers, tmpdir, log)
        if args.wait_idle and peers.fma:
            wait_idle(args.max_busy, args.wait_idle, log)
        peak1, others1 = measure_peak(peers, args.threads, log)
        elapsed = time.time() - t0
        load1 = os.getloadavg()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    peak = dict((t, max(x for x in (peak0.get(t), peak1.get(t)) if x is not None))
                for t in sorted(set(peak0) | set(peak1), key=int))
    peak_others = [o for o in (others0, others1) if o is not None]
    peak_others = min(peak_others) if peak_others else None  # the quieter of the two measurements
    if args.peak:
        peak[str(args.threads)] = args.peak
    peak_t = peak.get(str(args.threads))
    results = [summarise(c, peak_t, peers, args.opset) for c in cases]

    config = dict(lgc=args.lgc, threads=args.threads, batch=args.batch, rounds=args.rounds,
                  repeat=args.repeat or "auto", target_ms=args.target_ms, torch=torch.__version__,
                  onnxruntime=peers.ort_version, onnx_opset=args.opset if peers.ort else None,
                  onednn=peers.dnnl_version, peers_dir=peers.dir, skipped_peers=peers.notes,
                  malloc=malloc, warmup_ms=args.warmup_ms,
                  fma_peak=dict(isa=peers.isa, gflops=peak, start=peak0, end=peak1, given=args.peak,
                                others_start=others0, others_end=others1) if peak else None,
                  cpu_count=os.cpu_count(), loadavg_start=load0, loadavg_end=load1,
                  elapsed_s=round(elapsed, 1), command=" ".join(shlex.quote(a) for a in sys.argv))
    doc = json.dumps(dict(config=config, results=results), indent=1)
    if args.json_out:
        with open(args.json_out, "w") as f:
            f.write(doc + "\n")
    if args.json:
        print(doc)
    else:
        peers_run = ["PyTorch %s" % torch.__version__]
        if peers.ort:
            peers_run.append("ONNX Runtime %s" % peers.ort_version)
        if peers.dnnl:
            peers_run.append("oneDNN %s" % peers.dnnl_version)
        print("lgc vs %s: %d threads, batch %d, %d interleaved rounds, repeat %s; %.0f s; "
              "load average %.1f -> %.1f on %d CPUs; %s malloc" % (
                  ", ".join(peers_run), args.threads, args.batch, args.rounds, args.repeat or "auto",
                  elapsed, load0[0], load1[0], os.cpu_count(), "stock" if args.stock_malloc else "tuned"))
        if peak:
            print("FMA peak (%s, fp32, best of the runs before and after the rounds): %s GFLOP/s%s%s" % (
                peers.isa or "given", ", ".join("%s thread%s %.1f" % (t, "" if t == "1" else "s", g) for t, g in peak.items()),
                "" if peak_others is None else "; others %.0f%%" % (100 * peak_others),
                " (%d threads: --peak)" % args.threads if args.peak else ""))
            if peak_others is not None and peak_others > args.max_busy and not args.peak:
                print("  other processes were busy while the peak was measured: it is low, and the "
                      "%pk columns high (pass --peak from a quiet run)")
        for n in peers.notes:
            print(n)
        print()
        print(table(results))
        print()
        print("ms: medians of each engine's per-round medians. "
              "ratio = peer median / lgc median (> 1: lgc faster);")
        print("best: the fastest peer (eager, frozen, ort, dnnl). %%pk: GFLOP/s as a share of the "
              "%d-thread FMA peak%s." % (args.threads, "" if peak_t else " (not measured)"))
        print("compile ms: lgc's YAML-to-callable time, median over rounds. noise: largest spread "
              "(max/min - 1) of any engine's per-round medians.")
        print("others: the largest share of all CPUs that other processes used during one of the "
              "model's rounds (high: that model's numbers are suspect).")
        notes = [(r["model"], (r.get("torch_frozen") or {}).get("note") or (r.get("torch_frozen") or {}).get("error"))
                 for r in results]
        notes = [(m, n) for m, n in notes if n]
        print("frozen form: script|trace + ofi (optimize_for_inference) or freeze (jit.freeze only)%s"
              % ("; * = a faster form failed or was wrong:" if notes else "."))
        for m, n in notes:
            print("  %s: %s" % (m, n))
        tt = threads_table(results, args.threads)
        if tt:
            print()
            print("Threads and memory (lgc): the median on one thread and on %d, and the activation "
                  "arena against the largest set of" % args.threads)
            print("buffers live at one step (lgc bench's largest_live_bytes):")
            print()
            print(tt)
        pt = peak_table(results)
        if pt:
            print()
            print("Layers: each engine's GFLOP/s (lgc's flop count) as a %% of the %d-thread FMA peak%s:"
                  % (args.threads, " (%.1f GFLOP/s)" % peak_t if peak_t else " (not measured)"))
            print()
            print(pt)
            print()
            print("lgc: the one-layer model, NCHW in and out, as ORT and PyTorch take it. lgc kernel: "
                  "the layer's own step (lgc bench --profile)")
            print("between a 1x1 convolution and a Flatten, reading and writing lgc's blocked layout, "
                  "as oneDNN is timed in its own layouts;")
            print("kernel ms: its median over rounds; dnnl/kernel: oneDNN's median over it (> 1: lgc "
                  "faster).")
        ort = [(r["model"], (r.get("onnxruntime") or {})) for r in results]
        if any(o for _, o in ort):
            print()
            print("ONNX Runtime (opset %d) vs torch eager, same weights and input, max rel error; "
                  "session ms: InferenceSession.create, median over rounds:" % args.opset)
            for m, o in ort:
                if not o:
                    continue
                if "median_ms" not in o:
                    print("  %s: %s" % (m, o.get("error")))
                    continue
                e = o.get("max_rel_err_vs_eager")
                print("  %s: %s; session %s ms%s" % (m, e if isinstance(e, str) or e is None else "%.2e" % e,
                                                     "%.0f" % o["session_ms"] if o.get("session_ms") else "-",
                                                     "; " + o["note"] if o.get("note") else ""))
        dn = [(r["model"], r.get("onednn")) for r in results if r.get("kind") == "layer" and r.get("onednn")]
        if dn:
            print()
            print("oneDNN (src / weights / dst layouts as oneDNN names them: acdb = NHWC, aBcd16b = nChw16c):")
            for m, d in dn:
                if "median_ms" in d:
                    print("  %s: %s, %s / %s / %s%s" % (m, d.get("impl"), d.get("src_fmt"), d.get("wei_fmt") or "-",
                                                        d.get("dst_fmt"), "; " + d["note"] if d.get("note") else ""))
                else:
                    print("  %s: %s" % (m, d.get("error")))
        if any("verify_max_rel_err" in r for r in results):
            print()
            print("verify (lgc run vs torch eager, same weights and input, max rel error):")
            for r in results:
                v = r.get("verify_max_rel_err")
                print("  %s: %s" % (r["model"], v if isinstance(v, str) else "%.2e" % v))
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
