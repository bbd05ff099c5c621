"""The engines of the peer benchmarks: lgc, PyTorch (eager and frozen), ONNX Runtime, oneDNN, and the FMA peak.

Each is run the same way: a fresh process (lgc bench, tools/peers/ort_bench.js
in Node, the compiled tools/peers/dnnl_bench.cpp) that prints one JSON object,
or, for PyTorch, timed in this process. ONNX Runtime and oneDNN are optional:
Peers finds them (and compiles the C++ helpers) and says why one is missing.
Imported by bench_peers.py, which puts tools/python on sys.path.
"""

import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np
import torch

from lgc import torch_layers, torch_model
from lgc.model_yaml import pair
from machine_load import OthersMeter

PEERS_SRC = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(PEERS_SRC))
DEFAULT_PEERS_DIR = os.path.join(ROOT, "build", "peers")

# Engines, in the order of the first round; the peers are every engine but lgc.
ENGINES = ("lgc", "eager", "frozen", "ort", "dnnl")
PEERS = ENGINES[1:]
JSON_KEY = dict(eager="torch_eager", frozen="torch_frozen", ort="onnxruntime", dnnl="onednn")


def show_path(path):
    """A path as the log shows it: relative to the repository when inside it."""
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def _last_json(stdout, what, tail=300):
    """The last line of a helper's stdout that is a JSON object."""
    lines = [l for l in stdout.splitlines() if l.strip().startswith("{")]
    if not lines:
        raise RuntimeError("%s printed no JSON: %s" % (what, stdout[-tail:]))
    return json.loads(lines[-1])


def _run_json(cmd, what, env=None, timeout=None):
    """Run cmd; the last line of its stdout that is a JSON object."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                       timeout=timeout)
    if p.returncode != 0:
        err = (p.stderr.strip() or p.stdout.strip()).splitlines() or [""]
        raise RuntimeError("%s: exit %d: %s" % (what, p.returncode, err[-1][-300:]))
    return _last_json(p.stdout, what)


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
            self._build_fma()

    def _build_fma(self):
        flags = _cpu_flags()
        if "avx512f" in flags:
            isa_flags, self.isa = ["-mavx512f"], "avx512f"
        elif {"avx2", "fma"} <= flags:
            isa_flags, self.isa = ["-mavx2", "-mfma"], "avx2+fma"
        else:
            self.notes.append("FMA peak: not measured (this CPU has neither AVX-512F nor AVX2+FMA)")
            return
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
                              "then bash tools/peers/install_peers.sh)")
            return
        if not os.path.isdir(mod):
            self.notes.append("ONNX Runtime: skipped (no onnxruntime-node in %s; bash tools/peers/install_peers.sh)"
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
            self.notes.append("oneDNN: skipped (no /usr/include/dnnl.hpp; bash tools/peers/install_peers.sh, "
                              "or apt-get install libdnnl-dev)")
            return
        try:
            src = os.path.join(PEERS_SRC, "dnnl_bench.cpp")
            t0 = time.time()
            self.dnnl = build_tool(src, self.bin_dir, ["-fopenmp"], ["-ldnnl"])
            if time.time() - t0 > 1:
                log("compiled %s in %.0f s" % (show_path(self.dnnl), time.time() - t0))
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


# --------------------------------------------------------------------------------------------
# oneDNN
# --------------------------------------------------------------------------------------------

def _pads(padding, axis, size, k, s, d, out):
    """PyTorch padding (int, [h, w], 'same', 'valid') of one axis -> (before, after) with
    which oneDNN's output-size formula gives `out`."""
    dk = d * (k - 1) + 1
    if padding == "valid":
        lo = 0
    elif padding == "same":
        lo = (dk - 1) // 2  # PyTorch puts the odd one at the end
    else:
        lo = pair(padding)[axis]
    hi = lo if (size + 2 * lo - dk) // s + 1 == out else (out - 1) * s + dk - size - lo
    return lo, hi


class NotForDnnl(Exception):
    """The layer has no oneDNN counterpart in this harness."""


def _window_args(a, in_shape, out_shape):
    """dnnl_bench's shape, kernel, stride, dilation and padding arguments of a conv or pool."""
    n, c, h, w = in_shape
    oh, ow = out_shape[2], out_shape[3]
    kh, kw = pair(a["kernel_size"])
    stride = a.get("stride")
    sh, sw = pair(stride if stride is not None else a["kernel_size"])
    dh, dw = pair(a.get("dilation", 1))
    pt, pb = _pads(a.get("padding", 0), 0, h, kh, sh, dh, oh)
    pl, pr = _pads(a.get("padding", 0), 1, w, kw, sw, dw, ow)
    return dict(n=n, ic=c, ih=h, iw=w, kh=kh, kw=kw, sh=sh, sw=sw, dh=dh, dw=dw, pt=pt, pl=pl, pb=pb, pr=pr,
                oh=oh, ow=ow)


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
    d = _window_args(a, in_shape, out_shape)
    if op == "Conv2d":
        d.update(kind="conv", oc=a["out_channels"], g=a["groups"], bias=int(bool(a["bias"])))
    elif op == "MaxPool2d":
        d["kind"] = "maxpool"
    else:
        if a.get("divisor_override"):
            raise NotForDnnl("AvgPool2d with divisor_override")
        d["kind"] = "avgpool" if a.get("count_include_pad", True) else "avgpool_excl"
    return d


def run_dnnl(peers, layer_args, threads, repeat, warmup_ms):
    cmd = [peers.dnnl] + ["%s=%s" % kv for kv in layer_args.items()] + ["repeat=%d" % repeat,
                                                                       "warmup_ms=%d" % round(warmup_ms)]
    return _run_json(cmd, "dnnl_bench", env=dict(os.environ, OMP_NUM_THREADS=str(threads)))


# --------------------------------------------------------------------------------------------
# ONNX Runtime
# --------------------------------------------------------------------------------------------

_MODULE_SOURCE_HASH = None


def _module_source_hash():
    """A hash of the code that builds the torch module (it decides what the ONNX file holds)."""
    global _MODULE_SOURCE_HASH
    if _MODULE_SOURCE_HASH is None:
        h = hashlib.sha256()
        for source in (torch_model.__file__, torch_layers.__file__):
            with open(source, "rb") as f:
                h.update(f.read())
        _MODULE_SOURCE_HASH = h.hexdigest()
    return _MODULE_SOURCE_HASH


def _onnx_path(case, m, opset, onnx_dir):
    with open(case.path, "rb") as f:
        h = hashlib.sha256(f.read())
    h.update(repr((list(m.input_shapes.values()), opset, torch.__version__, _module_source_hash(), 1)).encode())
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", case.label)[:48]
    batch = next(iter(m.input_shapes.values()))[0]
    return os.path.join(onnx_dir, "%s-b%d-op%d-%s.onnx" % (name, batch, opset, h.hexdigest()[:12]))


def export_onnx(case, m, xs, opset, onnx_dir, log):
    """torch.onnx.export of the module (seeded weights), cached in onnx_dir by the model
    file, batch, opset, torch version and the module builder's source. Returns (path,
    seconds spent)."""
    path = _onnx_path(case, m, opset, onnx_dir)
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
        log("exported %s to ONNX in %.0f s (cached: %s)" % (case.label, dt, show_path(path)))
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


# --------------------------------------------------------------------------------------------
# lgc and PyTorch
# --------------------------------------------------------------------------------------------

def run_lgc(lgc, path, threads, batch, repeat, warmup_ms, seed=0, profile=False):
    cmd = [lgc, "bench", path, "--json", "--threads", str(threads), "--batch", str(batch),
           "--repeat", str(repeat), "--warmup-ms", str(round(warmup_ms)), "--seed", str(seed)]
    cmd += ["--profile"] if profile else []
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(shlex.quote(c) for c in cmd), p.returncode,
                                                 p.stderr.strip()[-400:]))
    return _last_json(p.stdout, "lgc bench", 400)


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
