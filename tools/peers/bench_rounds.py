"""The peer benchmarks' rounds: each model prepared for every engine, then timed in interleaved rounds.

In every round each model runs once on each of its engines, in an order rotated
from round to round, so that drift on a shared machine hits every engine
alike; a round that other processes disturbed (more than --max-busy of the
CPUs) is measured again up to --retries times. A peer that fails is dropped
from that model; lgc or torch eager failing marks the model as an error.
Imported by bench_peers.py, which puts tools/python on sys.path.
"""

import math
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import torch

from lgc import torch_model
from lgc.safetensors_io import write_safetensors
from machine_load import OthersMeter, cpu_busy, wait_idle
from peer_engines import (ENGINES, PEERS, NotForDnnl, check_ort, dnnl_layer_args, export_onnx, run_dnnl,
                          run_lgc, run_ort, time_torch)
from peer_report import fmt_ms

OPTIONAL = ("ort", "dnnl", "frozen")  # engines whose failure drops only that engine


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


class Prepared:
    """A case ready to time: its torch module, frozen form (or None), inputs, scratch folder."""

    def __init__(self, case, module, frozen, xs, tmp):
        self.case, self.module, self.frozen, self.xs, self.tmp = case, module, frozen, xs, tmp


def auto_repeat(est_ms, target_ms, lo, hi):
    if est_ms <= 0:
        return hi
    return int(max(lo, min(hi, math.ceil(target_ms / est_ms))))


# --------------------------------------------------------------------------------------------
# Preparation
# --------------------------------------------------------------------------------------------

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
        ys = torch_model.as_tuple(module(*xs))
    worst = 0.0
    for name, y in zip(module.lgc_model.outputs, ys):
        got = np.load(outs[name])
        e = y.numpy()
        if got.shape != e.shape:
            return "shape %s != torch %s" % (got.shape, e.shape)
        worst = max(worst, float(np.max(np.abs(got - e))) / max(1.0, float(np.max(np.abs(e)))))
    return worst


def _prepare_ort(case, m, xs, args, peers, tmp, log):
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


def _prepare_frozen(case, m, xs):
    """The frozen TorchScript module, or None (the reason in case.frozen_note)."""
    t0 = time.perf_counter()
    frozen = None
    try:
        frozen, case.frozen_how, case.frozen_note = torch_model.freeze(m, xs)
        case.engines.append("frozen")
    except Exception as e:  # noqa: BLE001 - a model that cannot be frozen still runs eager
        case.frozen_note = str(e)[:200]
    case.freeze_ms = (time.perf_counter() - t0) * 1e3
    return frozen


def prepare(case, args, peers, tmp, log):
    """Build the torch module and everything each engine needs; returns (module, frozen, xs)."""
    m = torch_model.build_module(case.path, batch=args.batch)
    torch_model.init_params(m, seed=0)
    xs = torch_model.random_inputs(m, seed=0)
    case.engines = ["lgc", "eager"]
    if peers.ort or peers.dnnl:
        with torch.no_grad():
            ys = torch_model.as_tuple(m(*xs))
        case.out_names = list(m.lgc_model.outputs)
        case.eager_out = [y.numpy() for y in ys]
    if peers.ort:
        _prepare_ort(case, m, xs, args, peers, tmp, log)
    if peers.dnnl and case.kind == "layer":
        try:
            case.dnnl_args = dnnl_layer_args(m.lgc_model, list(xs[0].shape), list(case.eager_out[0].shape))
            case.engines.append("dnnl")
        except NotForDnnl as e:
            case.peer_notes["dnnl"] = str(e)
    frozen = None if args.no_frozen else _prepare_frozen(case, m, xs)
    if args.verify:
        with tempfile.TemporaryDirectory(prefix="lgc-verify-") as vt:
            case.verify = verify_case(case, args.lgc, m, args.threads, args.batch, vt)
        log("verify %-40s %s" % (case.label, case.verify if isinstance(case.verify, str)
                                 else "max rel err %.2e" % case.verify))
    case.engines.sort(key=ENGINES.index)
    return m, frozen, xs


def _prepare_all(cases, args, peers, tmpdir, log):
    prepared = []
    for i, case in enumerate(cases):
        tmp = os.path.join(tmpdir, "case%d" % i)
        try:
            prepared.append(Prepared(case, *prepare(case, args, peers, tmp, log), tmp))
        except Exception as e:  # noqa: BLE001 - report the model, keep going
            case.error = "%s: %s" % (type(e).__name__, str(e)[:300])
            log("skip %s: %s" % (case.label, case.error))
    return prepared


# --------------------------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------------------------

def _run_lgc_engine(p, rep, args, got):
    """lgc bench on the model (and, for a layer, on its kernel model; for a network, on
    one thread too); returns its median, the estimate for the next round's repeat."""
    case = p.case
    got["lgc"] = run_lgc(args.lgc, case.path, args.threads, args.batch, rep, args.warmup_ms)
    if case.kernel_path:
        k = run_lgc(args.lgc, case.kernel_path, args.threads, args.batch, rep, args.warmup_ms, profile=True)
        got["kernel"] = [l["ms"] for l in k["layers"] if l["name"] == "layer"][0]
    if case.kind == "network" and args.threads > 1 and not args.no_scaling:
        one = run_lgc(args.lgc, case.path, 1, args.batch, max(3, rep // 2), args.warmup_ms)
        got["one_thread"] = one["median_ms"]
    return got["lgc"]["median_ms"]


def _run_peer(eng, p, rep, args, peers, got, extra):
    """One peer's timed runs into got[eng] (its helper's JSON into extra[eng]); returns
    their median."""
    case = p.case
    if eng in ("eager", "frozen"):
        got[eng] = time_torch(p.module if eng == "eager" else p.frozen, p.xs, rep,
                              warmup_s=args.warmup_ms * 1e-3)
    elif eng == "ort":
        check = case.ort_err is None
        j = run_ort(peers, case, args.threads, rep, args.warmup_ms, out_dir=p.tmp if check else None)
        if check:
            case.ort_err = check_ort(case, j)
        got[eng], extra[eng] = j["times_ms"], j
    else:
        j = run_dnnl(peers, case.dnnl_args, args.threads, rep, args.warmup_ms)
        want = [case.dnnl_args["n"]] + list(case.eager_out[0].shape[1:])
        if list(j.get("dst_dims", [])) != want:
            raise RuntimeError("oneDNN output %s != torch %s" % (j.get("dst_dims"), want))
        got[eng], extra[eng] = j["times_ms"], j
    return statistics.median(got[eng])


def _run_engines(p, order, args, peers, reps, log):
    """Every engine once, in `order`: (got, extra). A failing peer is dropped from the
    model; lgc or eager failing sets case.error and ends the round."""
    case, got, extra = p.case, {}, {}
    for eng in order:
        if eng not in case.engines:
            continue  # an optional peer that failed earlier in this round
        key = (case.label, eng)
        rep = args.repeat or reps.get(key, args.min_repeat)
        try:
            if eng == "lgc":
                est = _run_lgc_engine(p, rep, args, got)
            else:
                est = _run_peer(eng, p, rep, args, peers, got, extra)
            if not args.repeat:
                reps[key] = auto_repeat(est, args.target_ms, args.min_repeat, args.max_repeat)
        except Exception as e:  # noqa: BLE001
            msg = str(e).strip()[:300]
            if eng in OPTIONAL:
                case.engines.remove(eng)
                case.peer_notes[eng] = "failed: " + msg
                log("error %s: %s: %s (dropped from this model)" % (case.label, eng, msg))
                continue
            case.error = "%s: %s" % (eng, msg)
            log("error %s: %s" % (case.label, case.error))
            break
    return got, extra


def _record_round(case, busy, others, got, extra):
    case.busy.append(busy)
    case.others.append(others)
    case.lgc_rounds.append(got["lgc"])
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


def _round_line(r, args, case, busy, others, got):
    meds = " ".join("%s %s" % (e, fmt_ms(got[e]["median_ms"] if e == "lgc" else statistics.median(got[e])))
                    for e in ENGINES if e in got)
    return "round %d/%d %-32s busy %3s others %3s  %s" % (
        r + 1, args.rounds, case.label,
        "?" if busy is None else "%.0f%%" % (100 * busy),
        "?" if others is None else "%.0f%%" % (100 * others), meds)


def _measure_round(p, r, args, peers, reps, log):
    """Round r of one model, measured again while other processes were too busy."""
    case = p.case
    k = r % len(case.engines)
    order = case.engines[k:] + case.engines[:k]
    for attempt in range(args.retries + 1):
        busy = wait_idle(args.max_busy, args.wait_idle, log) if args.wait_idle else cpu_busy()
        meter = OthersMeter()
        meter.start()
        got, extra = _run_engines(p, order, args, peers, reps, log)
        others = meter.stop()
        if case.error:
            return
        line = _round_line(r, args, case, busy, others, got)
        if others is not None and others > args.max_busy and attempt < args.retries:
            case.discarded += 1
            log(line + "  (discarded: other processes busy; again)")
            continue
        log(line)
        _record_round(case, busy, others, got, extra)
        return


def bench(cases, args, peers, tmpdir, log):
    """Prepare every case, then time them in args.rounds interleaved rounds (results in the cases)."""
    torch.set_num_threads(args.threads)
    prepared = _prepare_all(cases, args, peers, tmpdir, log)
    reps = {}  # (case label, engine) -> repeat
    for r in range(args.rounds):
        for p in prepared:
            if not p.case.error:
                _measure_round(p, r, args, peers, reps, log)
    return cases
