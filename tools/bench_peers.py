#!/usr/bin/python3
"""Benchmark lgc against PyTorch on the same layers and networks, in the same run.

For each model (an lgc YAML file, or a single layer written from a one-line
benchdnn-like descriptor), rounds are interleaved: in every round each engine
runs once, in a rotated order, so that drift on a shared machine hits every
engine alike:

  lgc           `lgc bench MODEL --json --threads T --batch B --repeat R` (a fresh
                process: compile, one warm-up run, R timed runs)
  torch eager   the equivalent torch.nn.Module (tools/lgc_torch.py), eval mode,
                torch.no_grad(), torch.set_num_threads(T); warm-up, then R runs
                timed one by one with time.perf_counter
  torch frozen  torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(m)))
                (traced when scripting fails; plain torch.jit.freeze when
                optimize_for_inference fails or gives a different answer than eager
                mode, which PyTorch 1.13 does for some ReLU6 and AdaptiveAvgPool2d
                cases; the table says which form ran)

Reported per model: the medians (ms) of each engine, the ratios torch/lgc (> 1
means lgc is faster), lgc's compile time (median over rounds) and GFLOP/s at its
median, and the spread of the per-round medians (the noise). Quote medians and
ratios, never one absolute time.

Medians: PyTorch's are over all timed runs of all rounds. `lgc bench --json`
reports a median per invocation, not its run times (unless it prints a
`times_ms` list, which is then used), so lgc's median is the median of its
per-round medians.

Single-layer descriptors (input shape is C x H x W; batch from --batch):
  conv    CxHxW kK [sS] [pP|psame|pvalid] [dD] [gG] ocOC [nobias] [flip]
  dwconv  CxHxW kK [sS] [pP] [dD] [mM]      depthwise: groups=C, out=C*M (M default 1)
  maxpool CxHxW kK [sS] [pP] [dD] [ceil]
  avgpool CxHxW kK [sS] [pP] [ceil] [excl]  (excl: count_include_pad false)
  adaptive CxHxW oO                         AdaptiveAvgPool2d to OxO
  bn|relu|sigmoid|tanh CxHxW
  linear  IN->OUT [nobias]
Sizes k, s, p, d take N or HxW (k3x5).

Not measured yet (future work): ONNX Runtime and oneDNN (benchdnn) columns.

Examples:
  /usr/bin/python3 tools/bench_peers.py --threads 2
  /usr/bin/python3 tools/bench_peers.py --layers --rounds 5 --json > out.json
  /usr/bin/python3 tools/bench_peers.py --models models/lenet5.yaml "conv 64x56x56 k3 p1 oc64"
"""

import argparse
import json
import math
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lgc_torch  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEFAULT_NETWORKS = ["models/lenet5.yaml", "models/alexnet.yaml", "models/resnet18.yaml"]
DEFAULT_LAYERS = [
    "conv 3x224x224 k7 s2 p3 oc64",      # ResNet stem
    "conv 64x56x56 k3 s1 p1 oc64",       # ResNet layer1
    "conv 3x224x224 k11 s4 p2 oc64",     # AlexNet conv1
    "conv 256x14x14 k1 oc1024",          # bottleneck expand
    "dwconv 144x56x56 k3 p1",            # MobileNetV2 depthwise
    "maxpool 64x112x112 k3 s2 p1",       # ResNet stem pool
    "linear 9216->4096",                 # AlexNet fc6
]

# --------------------------------------------------------------------------------------------
# Single-layer models from descriptors
# --------------------------------------------------------------------------------------------


def _size(v):
    parts = [int(p) for p in v.split("x")]
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return parts
    raise ValueError("bad size '%s'" % v)


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
# Engines
# --------------------------------------------------------------------------------------------


def run_lgc(lgc, path, threads, batch, repeat, seed=0):
    cmd = [lgc, "bench", path, "--json", "--threads", str(threads), "--batch", str(batch),
           "--repeat", str(repeat), "--seed", str(seed)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(shlex.quote(c) for c in cmd), p.returncode,
                                                 p.stderr.strip()[-400:]))
    lines = [l for l in p.stdout.splitlines() if l.strip().startswith("{")]
    if not lines:
        raise RuntimeError("lgc bench printed no JSON: %s" % p.stdout[-400:])
    return json.loads(lines[-1])


def time_torch(fn, xs, repeat, warmup_runs=3, warmup_s=0.05):
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
        self.lgc_rounds = []          # lgc bench JSON per round
        self.lgc_times = []           # its run times, when lgc prints them
        self.torch = {"eager": [], "frozen": []}          # all run times
        self.torch_rounds = {"eager": [], "frozen": []}   # per-round medians
        self.frozen_how = self.frozen_note = None
        self.freeze_ms = None
        self.verify = None
        self.busy = []                # the machine's busy fraction before each round
        self.others = []              # other processes' CPU share during each round
        self.discarded = 0            # rounds measured again because others were busy


def verify_case(case, lgc, module, threads, batch, tmp):
    """Run `lgc run` (compiled) with the module's weights and input; max error vs eager torch."""
    w = os.path.join(tmp, "verify.safetensors")
    lgc_torch.write_safetensors(w, module.lgc_state())
    xs = lgc_torch.random_inputs(module, seed=1)
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


def bench(cases, args, log):
    torch.set_num_threads(args.threads)
    prepared = []
    for case in cases:
        try:
            m = lgc_torch.build_module(case.path, batch=args.batch)
            lgc_torch.init_params(m, seed=0)
            xs = lgc_torch.random_inputs(m, seed=0)
            frozen = None
            if not args.no_frozen:
                t0 = time.perf_counter()
                try:
                    frozen, case.frozen_how, case.frozen_note = lgc_torch.freeze(m, xs)
                except Exception as e:  # noqa: BLE001 - a model that cannot be frozen still runs eager
                    case.frozen_note = str(e)[:200]
                case.freeze_ms = (time.perf_counter() - t0) * 1e3
            if args.verify:
                with tempfile.TemporaryDirectory(prefix="lgc-verify-") as tmp:
                    case.verify = verify_case(case, args.lgc, m, args.threads, args.batch, tmp)
                log("verify %-40s %s" % (case.label, case.verify if isinstance(case.verify, str)
                                         else "max rel err %.2e" % case.verify))
            prepared.append((case, m, frozen, xs))
        except Exception as e:  # noqa: BLE001 - report the model, keep going
            case.error = "%s: %s" % (type(e).__name__, str(e)[:300])
            log("skip %s: %s" % (case.label, case.error))

    engines = ["lgc", "eager", "frozen"]
    reps = {}  # (case label, engine) -> repeat
    for r in range(args.rounds):
        for case, m, frozen, xs in prepared:
            if case.error:
                continue
            order = engines[r % 3:] + engines[:r % 3]
            for attempt in range(args.retries + 1):
                busy = (wait_idle(args.max_busy, args.wait_idle, log) if args.wait_idle
                        else cpu_busy())
                meter = OthersMeter()
                meter.start()
                got = {}  # engine -> lgc JSON or torch run times
                for eng in order:
                    key = (case.label, eng)
                    rep = args.repeat or reps.get(key, args.min_repeat)
                    try:
                        if eng == "lgc":
                            got[eng] = run_lgc(args.lgc, case.path, args.threads, args.batch, rep)
                            est = got[eng]["median_ms"]
                        else:
                            fn = m if eng == "eager" else frozen
                            if fn is None:
                                continue
                            got[eng] = time_torch(fn, xs, rep)
                            est = statistics.median(got[eng])
                        if not args.repeat:
                            reps[key] = auto_repeat(est, args.target_ms, args.min_repeat, args.max_repeat)
                    except Exception as e:  # noqa: BLE001
                        case.error = "%s: %s" % (eng, str(e)[:300])
                        log("error %s: %s" % (case.label, case.error))
                        break
                others = meter.stop()
                if case.error:
                    break
                line = "round %d/%d %-32s busy %3s others %3s  lgc %s  eager %s  frozen %s" % (
                    r + 1, args.rounds, case.label,
                    "?" if busy is None else "%.0f%%" % (100 * busy),
                    "?" if others is None else "%.0f%%" % (100 * others),
                    fmt_ms(got["lgc"]["median_ms"]), fmt_ms(statistics.median(got["eager"])),
                    fmt_ms(statistics.median(got["frozen"])) if "frozen" in got else "-")
                if others is not None and others > args.max_busy and attempt < args.retries:
                    case.discarded += 1
                    log(line + "  (discarded: other processes busy; again)")
                    continue
                log(line)
                case.busy.append(busy)
                case.others.append(others)
                j = got["lgc"]
                case.lgc_rounds.append(j)
                case.lgc_times += list(j.get("times_ms", []))
                for eng in ("eager", "frozen"):
                    if eng in got:
                        case.torch[eng] += got[eng]
                        case.torch_rounds[eng].append(statistics.median(got[eng]))
                break
    return [summarise(c) for c in cases]


def summarise(case):
    out = dict(model=case.label, kind=case.kind, path=case.path)
    if case.descriptor:
        out["descriptor"] = case.descriptor
    if case.error:
        out["error"] = case.error
    if case.lgc_rounds:
        meds = [j["median_ms"] for j in case.lgc_rounds]
        med = statistics.median(case.lgc_times) if case.lgc_times else statistics.median(meds)
        j0 = case.lgc_rounds[0]
        gflop = j0["gflops"] * j0["median_ms"] * 1e-3  # GFLOP per run, from lgc's own count
        out["gflop_per_run"] = gflop
        out["lgc"] = dict(median_ms=med, round_medians_ms=meds,
                          median_of="all runs" if case.lgc_times else "per-round medians",
                          min_ms=min(j["min_ms"] for j in case.lgc_rounds),
                          runs=sum(j["runs"] for j in case.lgc_rounds),
                          compile_ms=statistics.median(j["compile_ms"] for j in case.lgc_rounds),
                          compile_stages_ms=j0.get("compile_stages_ms"),
                          cached=any(j.get("cached") for j in case.lgc_rounds),
                          gflops=gflop / (med * 1e-3) if med > 0 else None,
                          arena_bytes=j0.get("arena_bytes"), spread=spread(meds))
    for eng in ("eager", "frozen"):
        ts = case.torch[eng]
        if not ts:
            continue
        med = statistics.median(ts)
        d = dict(median_ms=med, round_medians_ms=case.torch_rounds[eng], min_ms=min(ts), runs=len(ts),
                 spread=spread(case.torch_rounds[eng]))
        if eng == "frozen":
            d.update(how=case.frozen_how, note=case.frozen_note, freeze_ms=case.freeze_ms)
        if "gflop_per_run" in out:
            d["gflops"] = out["gflop_per_run"] / (med * 1e-3)
        d["over_lgc"] = med / out["lgc"]["median_ms"] if "lgc" in out else None
        out["torch_" + eng] = d
    if "torch_frozen" not in out and case.frozen_note:
        out["torch_frozen"] = dict(error=case.frozen_note)
    if case.verify is not None:
        out["verify_max_rel_err"] = case.verify
    out["busy_before_rounds"] = case.busy
    out["others_during_rounds"] = case.others
    out["rounds_discarded"] = case.discarded
    out["onnxruntime"] = None  # not measured yet (future work)
    out["onednn"] = None       # not measured yet (future work)
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


def table(results):
    head = ["model", "lgc ms", "eager ms", "frozen ms", "eager/lgc", "frozen/lgc", "lgc GF/s",
            "compile ms", "noise", "others", "frozen form"]
    rows = []
    for r in results:
        if "error" in r and "lgc" not in r:
            rows.append([r["model"], "error: " + r["error"][:90]] + [""] * (len(head) - 2))
            continue
        lg, ea, fr = r.get("lgc", {}), r.get("torch_eager", {}), r.get("torch_frozen", {})
        noise = max([d.get("spread", 0) for d in (lg, ea, fr) if d] or [0])
        b = [x for x in r.get("others_during_rounds", []) if x is not None]
        busy = "%.0f%%" % (100 * max(b)) if b else "?"
        if r.get("rounds_discarded"):
            busy += " (%d redone)" % r["rounds_discarded"]
        form = fr.get("how") or ("failed" if fr.get("error") else "-")
        if fr.get("note"):
            form += "*"
        rows.append([r["model"], fmt_ms(lg.get("median_ms")), fmt_ms(ea.get("median_ms")),
                     fmt_ms(fr.get("median_ms")), fmt_ratio(ea.get("over_lgc")), fmt_ratio(fr.get("over_lgc")),
                     "%.1f" % lg["gflops"] if lg.get("gflops") is not None else "-",
                     "%.0f" % lg["compile_ms"] if "compile_ms" in lg else "-",
                     "%.0f%%" % (100 * noise), busy, form])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    lines = []
    for i, row in enumerate([head] + rows):
        cells = [str(c).ljust(w) if j in (0, len(row) - 1) else str(c).rjust(w)
                 for j, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


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
    for s in specs:
        path = s if os.path.isabs(s) or not os.path.isfile(os.path.join(ROOT, s)) else os.path.join(ROOT, s)
        if s.endswith((".yaml", ".yml")):
            if not os.path.isfile(path):
                ap.error("no model file %s" % s)
            try:
                label = str(lgc_torch.load_yaml(path)["model"])
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

    load0 = os.getloadavg()
    t0 = time.time()
    results = bench(cases, args, log)
    elapsed = time.time() - t0
    load1 = os.getloadavg()
    for f in os.listdir(tmpdir):
        os.remove(os.path.join(tmpdir, f))
    os.rmdir(tmpdir)

    config = dict(lgc=args.lgc, threads=args.threads, batch=args.batch, rounds=args.rounds,
                  repeat=args.repeat or "auto", target_ms=args.target_ms, torch=torch.__version__,
                  cpu_count=os.cpu_count(), loadavg_start=load0, loadavg_end=load1,
                  elapsed_s=round(elapsed, 1), command=" ".join(shlex.quote(a) for a in sys.argv))
    doc = json.dumps(dict(config=config, results=results), indent=1)
    if args.json_out:
        with open(args.json_out, "w") as f:
            f.write(doc + "\n")
    if args.json:
        print(doc)
    else:
        print("lgc vs PyTorch %s: %d threads, batch %d, %d interleaved rounds, repeat %s; %.0f s; "
              "load average %.1f -> %.1f on %d CPUs" % (
                  torch.__version__, args.threads, args.batch, args.rounds, args.repeat or "auto",
                  elapsed, load0[0], load1[0], os.cpu_count()))
        print()
        print(table(results))
        print()
        print("ms: medians (torch: all runs of all rounds; lgc: its per-round medians). "
              "ratio = torch median / lgc median (> 1: lgc faster).")
        print("compile ms: lgc's YAML-to-callable time, median over rounds. noise: largest spread "
              "(max/min - 1) of any engine's per-round medians.")
        print("others: the largest share of all CPUs that other processes used during one of the "
              "model's rounds (high: that model's numbers are suspect).")
        notes = [(r["model"], r.get("torch_frozen", {}).get("note") or r.get("torch_frozen", {}).get("error"))
                 for r in results]
        notes = [(m, n) for m, n in notes if n]
        print("frozen form: script|trace + ofi (optimize_for_inference) or freeze (jit.freeze only)%s"
              % ("; * = a faster form failed or was wrong:" if notes else "."))
        for m, n in notes:
            print("  %s: %s" % (m, n))
        if any("verify_max_rel_err" in r for r in results):
            print("verify (lgc run vs torch eager, same weights and input, max rel error):")
            for r in results:
                v = r.get("verify_max_rel_err")
                print("  %s: %s" % (r["model"], v if isinstance(v, str) else "%.2e" % v))
        print("ONNX Runtime, oneDNN: not measured (future work).")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
