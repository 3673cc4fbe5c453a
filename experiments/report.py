"""The results table (markdown) regenerated from ``experiments/results/*.json``."""

from __future__ import annotations

import json
from pathlib import Path

from experiments import common


def load_results(folder: Path | None = None) -> list[dict]:
    folder = folder or common.RESULTS
    docs = []
    for p in sorted(folder.glob("e*.json")):
        try:
            d = json.loads(p.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if d.get("format") == "dlrsim-experiment/1":
            d.setdefault("json_path", str(p))
            docs.append(d)
    return sorted(docs, key=lambda d: d["number"])


def _kb(b) -> str:
    if b is None:
        return ""
    return f"{b / 1024:+,.1f} KiB"


def _num(x, nd=1) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    return f"{x:,}"


def _det(t: dict) -> str:
    v = t.get("verdict") or {}
    if not isinstance(v, dict) or "worst" not in v:
        return ""
    kinds = ", ".join(v.get("kinds") or []) or "no finding"
    mem = v.get("memory")
    cause = v.get("memory_cause")
    return kinds + (f"; memory {mem}" if mem else "") + (f" ({cause})" if cause else "")


def _binder_state(t: dict) -> str:
    """Modelled bytes per bind (simulator) or the measured slope (real runs): the binder's own memory."""
    if t.get("kind") == "simulator":
        per = t.get("binder_state_bytes_per_bind")
        return "" if per is None else f"{per:,} B (modelled)"
    m = t.get("binder_state_measured") or {}
    if "bytes_per_bind" not in m:
        return "not measured" if m else ""
    return f"{m['bytes_per_bind']:+.1f} B (95% CI {m['low']:+.1f}..{m['high']:+.1f}), {m['verdict']} (measured)"


def _target_label(key: str, t: dict) -> str:
    if t.get("kind") == "real":
        ver = (t.get("runtime_version") or "").split(" (")[0]
        return f"{key} ({ver})" if ver else key
    return f"{key} (prediction)" + (" ‡" if "hypothetical" in (t.get("note") or "") else
                                    " †" if key == "sim-netfx" else "")


def table(docs: list[dict]) -> str:
    """Experiments 1-7 (and the summary rows of 8): one row per target."""
    head = ("| # | experiment | target | calls | binds / 1000 calls | µs / call | L1 | L2 | rules live | "
            "objects held by rules | heap after GC: growth, whole run | heap after GC: growth, 2nd half | "
            "native COM live at end | binder's own state per bind | detector |")
    lines = [head, "|" + "---|" * 15]
    for d in docs:
        if d["experiment"] in ("poly-sweep", "unique-snippets"):
            continue
        for key, t in d["targets"].items():
            label = _target_label(key, t)
            if t.get("not_applicable") or t.get("error"):
                why = t.get("not_applicable") or t.get("error")
                lines.append(f"| {d['number']} | {d['experiment']} | {label} | | not applicable: {why} "
                             "| | | | | | | | | | |")
                continue
            heap = _kb(t.get("heap_growth")) if t.get("kind") == "real" else (
                f"{_kb(t.get('heap_growth'))} (modelled)" if t.get("heap_growth") is not None else "")
            lines.append("| " + " | ".join([
                str(d["number"]), d["experiment"], label, _num(t.get("calls")), _num(t.get("binds_per_1000"), 1),
                _num(t.get("us_per_call"), 1), _num(t.get("l1_rules")), _num(t.get("l2_rules")),
                _num(t.get("rules_live")), _num(t.get("objects_held_by_rules")), heap,
                _kb(t.get("heap_growth_second_half")),
                _num(t.get("com_live_end")), _binder_state(t), _det(t)]) + " |")
    return "\n".join(lines)


HEAP_COLUMNS = (("rule delegates (Action/Func<CallSite,…>)",
                 lambda k: k.startswith(("System.Action<System.Runtime.CompilerServices.CallSite",
                                         "System.Func<System.Runtime.CompilerServices.CallSite"))
                 and not k.endswith("[]")),
                ("Closure", lambda k: k == "System.Runtime.CompilerServices.Closure"),
                ("DynamicMethod", lambda k: k.endswith("DynamicMethod")),
                ("__ComObject", lambda k: k == "System.__ComObject"),
                ("ComInteropProxy", lambda k: k.endswith("ComInteropProxy")),
                ("WeakReference", lambda k: k == "System.WeakReference"),
                ("binders", lambda k: "Binder" in k and "CSharp" in k),
                ("CallSite<…>", lambda k: k.startswith("System.Runtime.CompilerServices.CallSite<")))


def heap_table(docs: list[dict]) -> str:
    """Mono heap shots (a second run of each workload): DLR objects before -> after the run."""
    rows = []
    for d in docs:
        ev = (d.get("targets", {}).get("mono") or {}).get("heap_evidence")
        if not ev or ev.get("error"):
            continue
        cells = []
        for _, match in HEAP_COLUMNS:
            hits = [r for r in ev["run"]["dlr_classes"] if match(r["class"])]
            n = sum(r["count_diff"] for r in hits)
            b = sum(r["bytes_diff"] for r in hits)
            cells.append(f"{n:+d} ({b / 1024:+.1f} KiB)" if hits else "0")
        rows.append(f"| {d['number']} {d['experiment']} | {ev['binds']:,} | " + " | ".join(cells) +
                    f" | {ev['run']['bytes_diff'] / 1024:+,.0f} KiB |")
    if not rows:
        return ""
    head = ("| experiment (Mono) | binds | " + " | ".join(c for c, _ in HEAP_COLUMNS) +
            " | whole heap (incl. pythonnet) |")
    return "\n".join([head, "|" + "---|" * (len(HEAP_COLUMNS) + 3)] + rows)


def poly_table(doc: dict) -> str:
    keys = [k for k, t in doc["targets"].items() if t.get("sweep")]
    ns = doc["targets"][keys[0]]["ns"] if keys else []
    lines = ["| N | " + " | ".join(f"{k} binds/1000 (steady)" for k in keys) + " | " +
             " | ".join(f"{k} µs/call" for k in keys if doc["targets"][k].get("kind") == "real") + " |"]
    ncols = 1 + len(keys) + sum(1 for k in keys if doc["targets"][k].get("kind") == "real")
    lines.append("|" + "---|" * ncols)
    for i, n in enumerate(ns):
        cells = [str(n)]
        for k in keys:
            r = doc["targets"][k]["sweep"][i]
            cells.append(_num(r.get("steady_binds_per_1000"), 1) if "steady_binds_per_1000" in r else "n/a")
        for k in keys:
            if doc["targets"][k].get("kind") == "real":
                cells.append(_num(doc["targets"][k]["sweep"][i].get("us_per_call"), 1))
        lines.append("| " + " | ".join(cells) + " |")
    calls = {k: sorted({r["calls"] for r in doc["targets"][k]["sweep"]}) for k in keys}
    lines.append("")
    lines.append("Calls per N: " + "; ".join(f"{k}: {c[0]}–{c[-1]}" if len(c) > 1 else f"{k}: {c[0]}"
                                              for k, c in calls.items() if c) + ". Steady state = whole rounds of N "
                 "calls in the second half of each run. Real rows: `levels_agree` (the per-call levels equal the simulator's at the same "
                 "calls) is " + ", ".join(
                     f"{k}: {sum(1 for r in doc['targets'][k]['sweep'] if r.get('levels_agree'))}/"
                     f"{len(doc['targets'][k]['sweep'])}" for k in keys if doc["targets"][k].get("kind") == "real")
                 + ".")
    return "\n".join(lines)


def snippets_table(doc: dict) -> str:
    lines = ["| runtime | design | snippets | snippet assemblies still loaded | managed heap after the last reset "
             "(no forced GC), growth | managed heap after a final forced GC, growth | RSS at end | seconds |",
             "|---|---|---|---|---|---|---|---|"]
    for rt, t in doc["targets"].items():
        if t.get("kind") != "real":
            continue
        for mode, r in t.get("modes", {}).items():
            if r.get("error"):
                lines.append(f"| {rt} | {mode} | | error: {r['error']} | | | | |")
                continue
            s = r.get("samples") or []
            if mode == "worker":
                rss = max((x.get("worker_rss_at_exit", 0) for x in s[1:]), default=0)
                lines.append(f"| {rt} | worker process recycled per batch | {r['snippets']} | 0 in the host "
                             f"(each worker at exit: {s[-1].get('worker_loaded_at_exit')}) | n/a (host loads nothing) "
                             f"| n/a | each worker ≤ {rss / 2**20:.0f} MiB, then gone | {r['seconds']} |")
                continue
            heap_nogc = s[-1]["heap_bytes"] - s[0]["heap_bytes"] if s else None
            label = {"reset": "default domain/context, reset", "reset+gc": "reset + GC.Collect/WaitForPendingFinalizers/Collect",
                     "unload": t.get("unit", "unload")}.get(mode, mode)
            lines.append(f"| {rt} | {label} | {r['snippets']} | {r['loaded_at_end']} | {_kb(heap_nogc)} | "
                         f"{_kb(r.get('heap_after_gc_growth'))} | {r['rss_end'] / 2**20:.0f} MiB | {r['seconds']} |")
    return "\n".join(lines)


def snippets_heap_table(doc: dict) -> str:
    t = doc["targets"].get("mono") or {}
    rows = []
    for mode, r in (t.get("modes") or {}).items():
        hs = r.get("heapshots") or {}
        if not hs or hs.get("error"):
            continue
        loaders = ", ".join(f"{x['class']} {x['count_diff']:+d}" for x in hs.get("loader_classes", [])[:4])
        top = ", ".join(f"{x['class']} {x['bytes_diff'] / 1024:+.0f} KiB" for x in hs.get("top", [])[:3])
        rows.append(f"| {mode} | {hs['objects_end'] - hs['objects_before']:+,} | "
                    f"{(hs['bytes_end'] - hs['bytes_before']) / 1024:+,.1f} KiB | {loaders} | {top} |")
    if not rows:
        return ""
    return "\n".join(["| design (Mono) | objects e9:before → e9:end | bytes | loader objects (count change) | "
                      "largest changes |", "|---|---|---|---|---|"] + rows)


def markdown(docs: list[dict] | None = None, folder: Path | None = None) -> str:
    docs = load_results(folder) if docs is None else docs
    if not docs:
        return "No results yet: run `dlrsim experiment run --all`."
    out = ["### Results", "", table(docs), "",
           "Predictions are the simulator with each runtime's profile; † the `netfx` profile is built from the "
           ".NET Framework reference sources and cannot be run here (unverified); ‡ hypothetical: CoreCLR on "
           "Linux has no COM interop. Simulator heap figures are modelled bytes of live rules and what they "
           "hold; real ones are `GC.GetTotalMemory(true)` after `GC.Collect()`, which also counts pythonnet's "
           "own caches.", ""]
    ht = heap_table(docs)
    if ht:
        out += ["Heap shots on Mono (a second run of the same workload with the Mono log profiler, shots "
                "`WORKLOAD:before` and `WORKLOAD:after`; change in live objects of the DLR's classes):", "", ht, ""]
    for d in docs:
        png = Path(d.get("png_path") or Path(d["json_path"]).with_suffix(".png"))
        committed = Path(d["json_path"]).resolve().parent == common.RESULTS.resolve()
        rel = png.name if committed else None  # the README's links; other runs link their own files
        out.append(f"**{d['number']}. {d['title']}** — `{d['command']}` "
                   f"({d['finished']}; {', '.join(f'{k}: {v}' for k, v in d.get('runtime_versions', {}).items())})  ")
        out.append(f"Claim: {d['claim']}  ")
        out.append(f"Expected from first principles: {d['expectation']}  ")
        out.append(f"![experiment {d['number']}]({'experiments/results/' + rel if rel else png})")
        if d["experiment"] == "poly-sweep":
            out += ["", poly_table(d)]
        if d["experiment"] == "unique-snippets":
            out += ["", snippets_table(d), "", snippets_heap_table(d)]
            for rt, t in d["targets"].items():
                if t.get("kind") == "real" and isinstance(t.get("verdict"), dict):
                    out.append(f"\n{rt}: " + "; ".join(f"{k}: {v}" for k, v in t["verdict"].items()))
        out.append("")
    m = docs[-1].get("machine", {})
    out.append(f"Machine: {m.get('platform')}, {m.get('cpu_count')} CPUs, "
               f"{(m.get('memory_bytes') or 0) / 2**30:.1f} GiB, Python {m.get('python')}.")
    return "\n".join(out)
