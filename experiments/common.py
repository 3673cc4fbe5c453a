"""Shared machinery of the experiments: running a workload on every target, summaries, results files.

Targets: ``sim`` (the simulator with each runtime's profile: the prediction) and the
real runtimes ``mono`` and ``coreclr`` (a replay in a worker process).  Every
summary has the same fields, so the report can put them in one table.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from callsite.profiles import get_profile

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
RUNTIMES = ("mono", "coreclr")  # run by default
ALL_RUNTIMES = ("mono", "coreclr", "net8")  # accepted by --runtime


# ----------------------------------------------------------------- machine and files
def machine() -> dict:
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {"platform": platform.platform(), "machine": platform.machine(), "python": sys.version.split()[0],
            "cpu_count": os.cpu_count(), "memory_bytes": mem, "load_average": load}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def results_path(module_name: str, out_dir: Path | None = None) -> Path:
    return (out_dir or RESULTS) / f"{module_name}.json"


def write_result(module_name: str, doc: dict, out_dir: Path | None = None) -> Path:
    path = results_path(module_name, out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    return path


def versions(targets: dict) -> dict:
    return {k: v.get("runtime_version") for k, v in targets.items() if v.get("runtime_version")}


# ----------------------------------------------------------------- summaries
def _series(samples: list[dict], key: str) -> list:
    return [[s.get("call"), s.get(key)] for s in samples if s.get(key) is not None]


def verdict(result: dict, runtime: str | None) -> dict:
    from callsite.detect import detect

    rep = detect(result, runtime=runtime).to_dict()
    mem = rep.get("memory") or {}
    return {"worst": rep.get("worst"), "kinds": sorted({f["kind"] for f in rep.get("findings", [])}),
            "memory": mem.get("verdict"), "memory_metric": mem.get("metric"),
            "late_slope_bytes_per_1000_calls": mem.get("late_slope_bytes_per_1000_calls"),
            "messages": [f["message"] for f in rep.get("findings", [])][:3]}


def summarize(result: dict, *, real: bool, runtime: str) -> dict:
    """The fields every experiment reports, from a simulator or replay result dict."""
    calls = result.get("calls") or 0
    samples = result.get("samples") or []
    s = {
        "calls": calls, "binds": result.get("binds"),
        "binds_per_1000": round(1000.0 * result.get("binds", 0) / calls, 2) if calls else None,
        "l0_hits": result.get("l0_hits"), "l1_hits": result.get("l1_hits"), "l2_hits": result.get("l2_hits"),
        "l1_rules": result.get("l1_rules"), "l2_rules": result.get("l2_rules"),
        "rules_live": result.get("rules_live"),
        "objects_held_by_rules": (result.get("strong_instance_refs_live") or 0) + (result.get("weak_handles_live") or 0),
        "binder_objects": result.get("binder_objects"),
        "binds_series": _series(samples, "binds"),
    }
    if real:
        s.update({
            "runtime_version": result.get("runtime_version"),
            "us_per_call": round(1e6 * result["call_seconds"] / calls, 2) if calls else None,
            "seconds": result.get("seconds"),
            "heap_metric": "managed heap after GC.Collect() (GC.GetTotalMemory(true)), bytes",
            "heap_series": _series(samples, "heap_bytes"),
            "heap_growth": result.get("approx_bytes"),
            "com_live_series": _series(samples, "com_live"),
            "com_live_end": samples[-1].get("com_live") if samples else None,
            "us_per_call_series": _series(samples, "us_per_call"),
            "exceptions": result.get("exceptions") or {},
            "unexpected_exceptions": result.get("unexpected_exceptions") or [],
            "instance_restricted_rules": result.get("instance_restricted_rules"),
        })
    else:
        s.update({"heap_metric": "modelled bytes of live rules and what they hold",
                  "heap_series": _series(samples, "approx_bytes"), "heap_growth": result.get("approx_bytes"),
                  "us_per_call": None})
    s["heap_growth_second_half"] = second_half_growth(s["heap_series"])
    s["verdict"] = verdict(result, runtime)
    return s


# ----------------------------------------------------------------- running workloads
def simulate_doc(doc: dict, profile: str, calls: int) -> dict:
    from callsite.simulator import simulate
    from callsite.workload import load_workload

    return simulate(load_workload(doc), profile, calls).to_dict()


def real_batch(runtime: str, jobs: list[tuple[str, dict, int]], *, levels: bool = False,
               timeout: float = 900.0, sample_every: int | None = None, env: dict | None = None) -> dict[str, dict]:
    """Replay several workload documents in one worker for ``runtime``.

    Returns job id -> the replay result dict, or ``{"not_applicable": reason}`` /
    ``{"error": reason}`` for that job; a runtime that cannot start gives every job
    ``{"not_applicable": ...}`` naming why.
    """
    from binders import host
    from callsite.errors import RuntimeUnavailable

    specs = [{"id": jid, "source": {"workload": doc}, "calls": calls, "sample_every": sample_every,
              "levels": levels} for jid, doc, calls in jobs]
    try:
        hello, outcomes = host.run_batch(runtime, specs, timeout=timeout, raise_on_error=False, env=env)
    except RuntimeUnavailable as exc:
        return {jid: {"not_applicable": str(exc)} for jid, _, _ in jobs}
    out = {}
    for o in outcomes:
        if o.status == "ok":
            out[o.id] = o.result
        elif o.status == "not_applicable":
            out[o.id] = {"not_applicable": o.reason, "runtime_version": hello.get("runtime_version")}
        else:
            out[o.id] = {"error": f"{runtime}: {o.status}: {o.reason}", "runtime_version": hello.get("runtime_version")}
    return out


def workload_experiment(doc: dict, runtimes: tuple[str, ...], calls: int,
                        tick: Callable[[str], None] | None = None, heapshots: bool = True) -> dict:
    """One workload on the simulator (each runtime's profile) and on each real runtime."""
    targets: dict[str, Any] = {}
    uses_com = '"com"' in json.dumps(doc)
    for rt in tuple(runtimes) + ("netfx",):
        t = dict(summarize(simulate_doc(doc, rt, calls), real=False, runtime=rt), kind="simulator", profile=rt)
        if rt == "netfx":
            t["note"] = "profile built from the .NET Framework reference sources; cannot run here, unverified"
        elif uses_com and not get_profile(rt).native_com_on_linux:
            t["note"] = f"hypothetical: {rt} on Linux has no COM interop, so no such object can reach the binder"
        targets[f"sim-{rt}"] = t
        if tick:
            tick(f"sim-{rt}")
    for rt in runtimes:
        res = real_batch(rt, [(doc["name"], doc, calls)])[doc["name"]]
        if "not_applicable" in res or "error" in res:
            targets[rt] = dict(res, kind="real", calls=calls)
        else:
            targets[rt] = dict(summarize(res, real=True, runtime=rt), kind="real")
        if rt == "mono" and heapshots and "binds" in targets[rt]:
            targets[rt]["heap_evidence"] = heap_evidence(doc, calls)
        if tick:
            tick(rt)
    return targets


DLR_CLASSES = ("Closure", "DynamicMethod", "System.__ComObject", "ComInteropProxy", "TransparentProxy",
               "System.WeakReference", "RuleCache", "Action<", "Func<", "CallSite<", "CSharpInvokeMemberBinder",
               "CSharpGetMemberBinder", "CallSiteBinder")


def heap_evidence(doc: dict, calls: int) -> dict:
    """A second Mono run of the same workload with heap shots (kept apart so timings stay clean):
    per-class change ``before -> after`` (the run) and ``after -> reset`` (the program drops its
    sites and binders), for the DLR's classes and the largest changes."""
    from callsite.heap import Snapshot

    out_dir = REPO / "out" / "experiments"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = (out_dir / f"{doc['name']}.mlpd").resolve()
    if path.exists():
        path.unlink()
    res = real_batch("mono", [(doc["name"], doc, calls)], env={"DLRSIM_HEAPSHOT": str(path)})[doc["name"]]
    if "binds" not in res:
        return {"error": res.get("error") or res.get("not_applicable")}
    try:
        shots = {p: Snapshot.load(f"{path}@{doc['name']}:{p}") for p in ("before", "after", "reset")}
    except Exception as exc:  # reported, not fatal
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}

    def rows(new, old, top=8):
        diffs = new.compare_to(old)
        dlr = [d for d in diffs if d.count_diff and "Python.Runtime" not in d.key
               and any(k in d.key for k in DLR_CLASSES)]
        fmt = lambda d: {"class": d.key, "count_diff": d.count_diff, "bytes_diff": d.size_diff}  # noqa: E731
        return {"dlr_classes": [fmt(d) for d in dlr[:16]], "largest": [fmt(d) for d in diffs[:top]],
                "objects_diff": len(new) - len(old), "bytes_diff": new.total_size - old.total_size}
    return {"file": str(path), "command": f"DLRSIM_HEAPSHOT={path.name} (a second run, {calls} calls)",
            "binds": res["binds"], "run": rows(shots["after"], shots["before"]),
            "reset": rows(shots["reset"], shots["after"])}


def document(module, *, calls: int, runtimes: tuple[str, ...], targets: dict, extra: dict | None = None,
             started: str, command: str | None = None) -> dict:
    return {
        "format": "dlrsim-experiment/1",
        "experiment": module.NAME, "number": module.NUMBER, "title": module.TITLE,
        "claim": module.CLAIM, "expectation": module.EXPECT,
        "command": command or f"dlrsim experiment run {module.NAME} --calls {calls}"
                              + "".join(f" --runtime {r}" for r in runtimes),
        "calls": calls, "runtimes": list(runtimes), "started": started, "finished": now(),
        "machine": machine(), "runtime_versions": versions(targets),
        "workload": getattr(module, "WORKLOAD", None),
        "targets": targets, **(extra or {}),
    }


def finish(module, doc: dict, out_dir: Path | None = None, plot: bool = True) -> dict:
    """Write the JSON (and the plot) of one run; returns the document with its paths."""
    stem = _module_name(module).rsplit(".", 1)[-1]
    path = write_result(stem, doc, out_dir)
    doc["json_path"] = str(path)
    if plot:
        from experiments import plots

        png = plots.plot(doc, path.with_suffix(".png"))
        if png:
            doc["png_path"] = str(png)
    return doc


def run_one(module, *, calls: int | None = None, runtimes: tuple[str, ...] = RUNTIMES,
            out_dir: Path | None = None, command: str | None = None, plot: bool = True,
            tick: Callable[[str], None] | None = None) -> dict:
    """Run one experiment module, write its JSON and PNG, return the document."""
    calls = module.DEFAULT_CALLS if calls is None else calls
    started = now()
    r = module.run(calls=calls, runtimes=runtimes, tick=tick)
    doc = document(module, calls=calls, runtimes=runtimes, targets=r["targets"], extra=r.get("extra"),
                   started=started, command=command)
    return finish(module, doc, out_dir, plot=plot)


def _module_name(module) -> str:
    spec = getattr(module, "__spec__", None)
    return spec.name if spec is not None and spec.name else module.__name__


def second_half_growth(series: list) -> int | None:
    """Heap change over the second half of the samples: ~0 when the memory has levelled off."""
    pts = [p for p in series if p[1] is not None]
    if len(pts) < 3:
        return None
    return pts[-1][1] - pts[len(pts) // 2][1]


def cli_main(module, argv: list[str] | None = None) -> int:
    """``python -m experiments.eN_...``: run it and print a short summary."""
    import argparse

    name = _module_name(module)
    p = argparse.ArgumentParser(prog=f"python -m {name}", description=module.TITLE)
    p.add_argument("--calls", type=int, default=module.DEFAULT_CALLS)
    p.add_argument("--runtime", action="append", choices=ALL_RUNTIMES)
    p.add_argument("--out", default=None, help="results folder (default experiments/results)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    rts = tuple(a.runtime or RUNTIMES)
    doc = run_one(module, calls=a.calls, runtimes=rts, out_dir=Path(a.out) if a.out else None,
                  command=f"python -m {name} --calls {a.calls}" + "".join(f" --runtime {r}" for r in rts))
    if a.json:
        print(json.dumps(doc, indent=1, default=str))
    else:
        from experiments import report

        print(report.table([doc]))
        print(f"\nwritten: {doc['json_path']}" + (f", {doc.get('png_path')}" if doc.get("png_path") else ""))
    return 0


def timed(fn: Callable, *a, **k):
    t0 = time.perf_counter()
    r = fn(*a, **k)
    return r, time.perf_counter() - t0
