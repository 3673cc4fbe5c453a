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
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from callsite.profiles import get_profile

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"   # the committed results (README tables): written only with --refresh-results
RUNTIMES = ("mono", "coreclr")  # run by default
ALL_RUNTIMES = ("mono", "coreclr", "net8")  # accepted by --runtime
WORK_ENV = "DLRSIM_EXPERIMENT_DIR"
_WORK: ContextVar[Path | None] = ContextVar("experiment_output_folder", default=None)


def default_out_dir() -> Path:
    """Where experiment results go unless told otherwise: ``./dlrsim-out/experiments``."""
    from callsite.output import output_folder

    return output_folder("experiments")


def work_dir() -> Path:
    """The output folder of the experiment running now: its results, and beside them its heap
    shots (``heap/``), worker files (``runs/``) and compiled snippets (``build/``)."""
    folder = _WORK.get()
    if folder is None and os.environ.get(WORK_ENV):  # in a worker: the parent's folder
        folder = Path(os.environ[WORK_ENV])
    return folder or default_out_dir()


def scratch_dir() -> Path:
    """Where an experiment's heap shots (``heap/``), worker files (``runs/``) and compiled snippets
    (``build/``) go: beside its results, except when those are the committed ones
    (``--refresh-results``): scratch never goes into the project (``./dlrsim-out/experiments``)."""
    folder = work_dir()
    return default_out_dir() if folder.resolve() == RESULTS.resolve() else folder


@contextmanager
def writing_to(folder: Path | None):
    token = _WORK.set(Path(folder).resolve() if folder is not None else default_out_dir())
    try:
        yield _WORK.get()
    finally:
        _WORK.reset(token)


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
    return (out_dir or work_dir()) / f"{module_name}.json"


def write_result(module_name: str, doc: dict, out_dir: Path | None = None) -> Path:
    path = results_path(module_name, out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    return path


def new_run_file(runtime: str, suffix: str) -> Path:
    """A new file for one worker's output, under the experiment's output folder (``runs/``)."""
    import tempfile

    folder = scratch_dir() / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"{time.strftime('%Y%m%d-%H%M%S')}-{runtime}-", suffix=suffix, dir=folder)
    os.close(fd)
    return Path(name)


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
            "memory_cause": mem.get("cause") or None, "memory_parts": rep.get("memory_parts"),
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
        s["binder_state_measured"] = binder_state_measured(result, runtime)
    else:
        s.update({"heap_metric": "modelled bytes of live rules and what they hold, plus the binder's own state",
                  "heap_series": _series(samples, "approx_bytes"), "heap_growth": result.get("approx_bytes"),
                  "us_per_call": None,
                  "binder_state_series": _series(samples, "binder_state_bytes"),
                  "binder_state_bytes": result.get("binder_state_bytes"),
                  "binder_state_bytes_per_bind": max((x.get("binder_state_bytes_per_bind") or 0
                                                      for x in result.get("sites") or []), default=0)})
    s["heap_growth_second_half"] = second_half_growth(s["heap_series"])
    s["verdict"] = verdict(result, runtime)
    return s


def binder_state_measured(result: dict, runtime: str) -> dict:
    """The binder's own bytes per bind on a real run (heap after GC minus what the DLR caches hold),
    or why this run cannot tell (too few samples or binds after the caches filled)."""
    from callsite.bindermemory import per_bind
    from callsite.profiles import PROFILES

    samples = [x for x in result.get("samples") or [] if x.get("heap_bytes") is not None]
    late = samples[len(samples) // 2:]
    if len(late) < 6 or late[-1]["binds"] - late[0]["binds"] < 100 or runtime not in PROFILES:
        return {"note": "not measured: fewer than 100 binds or 6 samples in the second half of this run"}
    return per_bind(result, PROFILES[runtime].memory).to_dict()


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
        hello, outcomes = host.run_batch(runtime, specs, timeout=timeout, raise_on_error=False, env=env,
                                         out=new_run_file(runtime, ".jsonl"))
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
        if heapshots and "binds" in targets[rt]:
            targets[rt]["heap_evidence"] = heap_evidence(doc, calls, rt)
        if tick:
            tick(rt)
    return targets


DLR_CLASSES = ("Closure", "DynamicMethod", "System.__ComObject", "ComInteropProxy", "TransparentProxy",
               "System.WeakReference", "RuleCache", "Action<", "Func<", "CallSite<", "CSharpInvokeMemberBinder",
               "CSharpGetMemberBinder", "CallSiteBinder")


BINDER_NAMESPACE = "Microsoft.CSharp.RuntimeBinder."


def heap_evidence(doc: dict, calls: int, runtime: str = "mono") -> dict:
    """A second run of the same workload with heap shots (kept apart so timings stay clean; Mono's
    log profiler writes ``NAME.mlpd``, EventPipe on coreclr/net8 ``NAME.RUNTIME.nettrace``):
    per-class change ``before -> after`` (the run) and ``after -> reset`` (the program drops its
    sites and binders), for the DLR's classes and the largest changes."""
    from callsite.heap import Snapshot

    out_dir = scratch_dir() / "heap"
    out_dir.mkdir(parents=True, exist_ok=True)
    from binders import runtimes

    suffix = getattr(runtimes.get(runtime), "HEAPSHOT_SUFFIX", ".nettrace")  # EventPipe unless the runtime says
    name = f"{doc['name']}{suffix}" if suffix == ".mlpd" else f"{doc['name']}.{runtime}{suffix}"
    path = (out_dir / name).resolve()
    if path.exists():
        path.unlink()
    res = real_batch(runtime, [(doc["name"], doc, calls)], env={"DLRSIM_HEAPSHOT": str(path)})[doc["name"]]
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
        # The C# binder's own objects (its symbol table, symbols, EXPR nodes): on .NET Framework
        # these would grow with every bind (callsite/bindermemory.py).
        binder = [d for d in diffs if d.count_diff and d.key.startswith(BINDER_NAMESPACE)]
        return {"dlr_classes": [fmt(d) for d in dlr[:16]], "largest": [fmt(d) for d in diffs[:top]],
                "binder_classes": [fmt(d) for d in binder[:12]],
                "binder_objects_diff": sum(d.count_diff for d in binder),
                "binder_bytes_diff": sum(d.size_diff for d in binder),
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
    with writing_to(out_dir) as folder:
        r = module.run(calls=calls, runtimes=runtimes, tick=tick)
        doc = document(module, calls=calls, runtimes=runtimes, targets=r["targets"], extra=r.get("extra"),
                       started=started, command=command)
        return finish(module, doc, folder, plot=plot)


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
    from callsite.commands._common import positive
    from callsite.output import progress

    p = argparse.ArgumentParser(prog=f"python -m {name}", description=module.TITLE, allow_abbrev=False)
    p.add_argument("--calls", type=positive, default=module.DEFAULT_CALLS)
    p.add_argument("--runtime", action="append", choices=ALL_RUNTIMES)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--out", default=None, help="results folder (default ./dlrsim-out/experiments)")
    g.add_argument("--refresh-results", action="store_true",
                   help="write into the committed experiments/results/ (what the README's tables come from)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    rts = tuple(a.runtime or RUNTIMES)
    out_dir = RESULTS if a.refresh_results else (Path(a.out) if a.out else None)
    with progress(len(rts) * 2 + 2, f"experiment {module.NUMBER}", unit="step", disable=a.json) as bar:
        doc = run_one(module, calls=a.calls, runtimes=rts, out_dir=out_dir, tick=lambda what: bar.update(1),
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
