"""The peer benchmarks' results: one JSON object per model (summarise) and the printed tables.

Every engine's median is the median of its per-round medians; ratios are a
peer's median over lgc's (> 1: lgc is faster); GFLOP/s use lgc's own flop
count and are also given as a share of the FMA peak measured in the same run.
Imported by bench_peers.py.
"""

import statistics

from peer_engines import JSON_KEY, PEERS

SHORT = dict(eager="eager", frozen="frozen", ort="ort", dnnl="dnnl")


def spread(values):
    """(max - min) / min of per-round medians, as a fraction."""
    return (max(values) - min(values)) / min(values) if values and min(values) > 0 else 0.0


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


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------

def _lgc_summary(case, peak):
    """(lgc's JSON entry, GFLOP per run) from its per-round `lgc bench --json` results."""
    meds = [j["median_ms"] for j in case.lgc_rounds]
    med = statistics.median(meds)
    j0 = case.lgc_rounds[0]
    gflop = j0["gflops"] * j0["median_ms"] * 1e-3  # GFLOP per run, from lgc's own count
    gf = gflop / (med * 1e-3) if med > 0 else None
    out = dict(median_ms=med, round_medians_ms=meds,
               median_of="per-round medians",
               min_ms=min(j["min_ms"] for j in case.lgc_rounds),
               runs=sum(j["runs"] for j in case.lgc_rounds),
               compile_ms=statistics.median(j["compile_ms"] for j in case.lgc_rounds),
               compile_stages_ms=j0.get("compile_stages_ms"),
               cached=any(j.get("cached") for j in case.lgc_rounds),
               gflops=gf, pct_peak=100 * gf / peak if gf and peak else None,
               arena_bytes=j0.get("arena_bytes"), spread=spread(meds))
    out["largest_live_bytes"] = j0.get("largest_live_bytes")
    if case.one_thread_ms:
        one = statistics.median(case.one_thread_ms)
        out["one_thread"] = dict(median_ms=one, round_medians_ms=case.one_thread_ms,
                                 speedup=one / med if med > 0 else None)
    if case.kernel_ms:
        kmed = statistics.median(case.kernel_ms)
        kgf = gflop / (kmed * 1e-3) if kmed > 0 else None
        out["kernel"] = dict(median_ms=kmed, round_medians_ms=case.kernel_ms, gflops=kgf,
                             pct_peak=100 * kgf / peak if kgf and peak else None,
                             model=case.kernel_path)
    return out, gflop


def _engine_details(case, eng, peers, opset):
    """What a peer's entry adds: the frozen form, ORT's version and error, oneDNN's layouts."""
    if eng == "frozen":
        return dict(how=case.frozen_how, note=case.frozen_note, freeze_ms=case.freeze_ms)
    if eng == "ort":
        return dict(version=peers.ort_version, opset=opset, onnx=case.onnx, export_s=case.export_s,
                    session_ms=statistics.median(case.ort_session_ms) if case.ort_session_ms else None,
                    max_rel_err_vs_eager=case.ort_err)
    if eng == "dnnl":
        info = case.dnnl_info or {}
        return dict(version=info.get("dnnl_version"), impl=info.get("impl"), src_fmt=info.get("src_fmt"),
                    wei_fmt=info.get("wei_fmt"), dst_fmt=info.get("dst_fmt"), args=case.dnnl_args,
                    create_ms=statistics.median(case.dnnl_create_ms) if case.dnnl_create_ms else None)
    return {}


def _peer_summary(case, eng, lgc, gflop, peak, peers, opset):
    """A peer's JSON entry (None, or dict(error=...), when it never ran)."""
    ts = case.runs[eng]
    if not ts:
        note = case.peer_notes.get(eng) or (case.frozen_note if eng == "frozen" else None)
        return dict(error=note) if note else None
    med = statistics.median(case.round_meds[eng])
    d = dict(median_ms=med, median_of="per-round medians", round_medians_ms=case.round_meds[eng],
             min_ms=min(ts), runs=len(ts), spread=spread(case.round_meds[eng]))
    d.update(_engine_details(case, eng, peers, opset))
    if case.peer_notes.get(eng):
        d["note"] = case.peer_notes[eng]
    if gflop is not None:
        d["gflops"] = gflop / (med * 1e-3)
        d["pct_peak"] = 100 * d["gflops"] / peak if peak else None
    d["over_lgc"] = med / lgc["median_ms"] if lgc else None
    if eng == "dnnl" and "kernel" in (lgc or {}):
        d["over_lgc_kernel"] = med / lgc["kernel"]["median_ms"]
    return d


def summarise(case, peak, peers, opset):
    """The model's JSON result. peak: the T-thread FMA peak in GFLOP/s, or None."""
    out = dict(model=case.label, kind=case.kind, path=case.path)
    if case.descriptor:
        out["descriptor"] = case.descriptor
    if case.error:
        out["error"] = case.error
    gflop = None
    if case.lgc_rounds:
        lgc, gflop = _lgc_summary(case, peak)
        out["gflop_per_run"] = gflop
        out["lgc"] = lgc
    best = None
    for eng in PEERS:
        d = out[JSON_KEY[eng]] = _peer_summary(case, eng, out.get("lgc"), gflop, peak, peers, opset)
        if d and "median_ms" in d and (best is None or d["median_ms"] < best[1]):
            best = (eng, d["median_ms"])
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
# Tables
# --------------------------------------------------------------------------------------------

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


def _table_row(r):
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
    return ([r["model"], fmt_ms(lg.get("median_ms"))]
            + [fmt_ms(peers[e].get("median_ms")) for e in PEERS]
            + [fmt_ratio(peers["eager"].get("over_lgc")), fmt_ratio(peers["frozen"].get("over_lgc")),
               SHORT.get(best.get("engine"), "-"), fmt_ratio(best.get("over_lgc")),
               "%.1f" % lg["gflops"] if lg.get("gflops") is not None else "-",
               fmt_pct(lg.get("pct_peak")),
               "%.0f" % lg["compile_ms"] if "compile_ms" in lg else "-",
               "%.0f%%" % (100 * noise), busy, form])


def table(results):
    head = ["model", "lgc ms", "eager ms", "frozen ms", "ort ms", "dnnl ms", "eager/lgc", "frozen/lgc",
            "best", "best/lgc", "lgc GF/s", "lgc %pk", "compile ms", "noise", "others", "frozen form"]
    rows = []
    for r in results:
        if "error" in r and "lgc" not in r:
            rows.append([r["model"], "error: " + r["error"][:90]] + [""] * (len(head) - 2))
        else:
            rows.append(_table_row(r))
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


# --------------------------------------------------------------------------------------------
# The printed report
# --------------------------------------------------------------------------------------------

def _print_header(args, peers, run, torch_version):
    peers_run = ["PyTorch %s" % torch_version]
    if peers.ort:
        peers_run.append("ONNX Runtime %s" % peers.ort_version)
    if peers.dnnl:
        peers_run.append("oneDNN %s" % peers.dnnl_version)
    print("lgc vs %s: %d threads, batch %d, %d interleaved rounds, repeat %s; %.0f s; "
          "load average %.1f -> %.1f on %d CPUs; %s malloc" % (
              ", ".join(peers_run), args.threads, args.batch, args.rounds, args.repeat or "auto",
              run["elapsed"], run["load0"][0], run["load1"][0], run["cpu_count"],
              "stock" if args.stock_malloc else "tuned"))
    peak, peak_others = run["peak"], run["peak_others"]
    if peak:
        print("FMA peak (%s, fp32, best of the runs before and after the rounds): %s GFLOP/s%s%s" % (
            peers.isa or "given", ", ".join("%s thread%s %.1f" % (t, "" if t == "1" else "s", g)
                                            for t, g in peak.items()),
            "" if peak_others is None else "; others %.0f%%" % (100 * peak_others),
            " (%d threads: --peak)" % args.threads if args.peak else ""))
        if peak_others is not None and peak_others > args.max_busy and not args.peak:
            print("  other processes were busy while the peak was measured: it is low, and the "
                  "%pk columns high (pass --peak from a quiet run)")
    for n in peers.notes:
        print(n)


def _print_legend(results, args, peak_t):
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


def _print_threads(results, threads):
    tt = threads_table(results, threads)
    if tt:
        print()
        print("Threads and memory (lgc): the median on one thread and on %d, and the activation "
              "arena against the largest set of" % threads)
        print("buffers live at one step (lgc bench's largest_live_bytes):")
        print()
        print(tt)


def _print_layers(results, threads, peak_t):
    pt = peak_table(results)
    if not pt:
        return
    print()
    print("Layers: each engine's GFLOP/s (lgc's flop count) as a %% of the %d-thread FMA peak%s:"
          % (threads, " (%.1f GFLOP/s)" % peak_t if peak_t else " (not measured)"))
    print()
    print(pt)
    print()
    print("lgc: the one-layer model, NCHW in and out, as ORT and PyTorch take it. lgc kernel: "
          "the layer's own step (lgc bench --profile)")
    print("between a 1x1 convolution and a Flatten, reading and writing lgc's blocked layout, "
          "as oneDNN is timed in its own layouts;")
    print("kernel ms: its median over rounds; dnnl/kernel: oneDNN's median over it (> 1: lgc "
          "faster).")


def _print_ort(results, opset):
    ort = [(r["model"], (r.get("onnxruntime") or {})) for r in results]
    if not any(o for _, o in ort):
        return
    print()
    print("ONNX Runtime (opset %d) vs torch eager, same weights and input, max rel error; "
          "session ms: InferenceSession.create, median over rounds:" % opset)
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


def _print_dnnl_and_verify(results):
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


def print_report(results, args, peers, run, torch_version):
    """The tables and notes; run: elapsed, load0, load1, cpu_count, peak, peak_others, peak_t."""
    _print_header(args, peers, run, torch_version)
    print()
    print(table(results))
    print()
    _print_legend(results, args, run["peak_t"])
    _print_threads(results, args.threads)
    _print_layers(results, args.threads, run["peak_t"])
    _print_ort(results, args.opset)
    _print_dnnl_and_verify(results)
