"""Experiment 9: unique dynamic code snippets and assembly lifetime (seed 000).

A long session compiles and runs many distinct small assemblies, in batches; after
each batch the host "resets".  Four designs, each in its own fresh worker process:

* ``reset``: ``Assembly.Load(byte[])`` into the default domain (Mono) / default
  context (CoreCLR); the reset drops every reference to the snippets;
* ``reset+gc``: the same, the reset followed by ``GC.Collect();
  GC.WaitForPendingFinalizers(); GC.Collect()``;
* ``unload``: each batch loaded into a separate ``AppDomain`` that is unloaded
  (Mono) or a collectible ``AssemblyLoadContext`` that is unloaded (CoreCLR 3.1);
* ``worker``: each batch run in a fresh worker process that is then recycled;
  the long-lived host loads no snippet at all.

After each reset: snippet assemblies the runtime still reports loaded, managed heap
(``GC.GetTotalMemory(false)``, i.e. without forcing a collection, so the ``reset``
design is measured as it is left), RSS for comparison; at the end the managed heap
after a forced full GC and, with ``DLRSIM_HEAPSHOT`` (any runtime), heap shots
``e9:before`` / ``e9:end`` (the number of loader objects on the managed heap).
"""

from __future__ import annotations

import time

NAME = "unique-snippets"
MODES = ("reset", "reset+gc", "unload", "worker")


def _rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _peak_rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def run_batches(params: dict, runtime: str) -> dict:
    """In a worker with the runtime loaded: run ``batches`` x ``batch`` snippets in one mode."""
    import clr  # noqa: F401
    import System
    from System import GC, AppDomain, Array, Byte, Object
    from System.Reflection import Assembly

    from binders import heapshot
    from experiments import snippets

    mode = params["mode"]
    batch, batches, first = params["batch"], params["batches"], params.get("first", 0)
    template = snippets.template_bytes()
    runner_path = str(snippets.runner_path())
    runner_asm = Assembly.LoadFrom(runner_path)
    runner = runner_asm.GetType("DomainRunner")
    run_one = runner.GetMethod("RunOne")
    run_domain = runner.GetMethod("RunInNewDomain")
    run_alc = runner.GetMethod("RunInCollectibleContext")

    def snippet_count() -> int:
        return sum(1 for a in AppDomain.CurrentDomain.GetAssemblies() if str(a.GetName().Name).startswith("S_"))

    def full_gc() -> int:
        GC.Collect()
        GC.WaitForPendingFinalizers()
        GC.Collect()
        return int(GC.GetTotalMemory(True))

    detached = bool(params.get("detach_host_list", True))
    if detached:
        _detach_pythonnet_assembly_list()
    alc_refs = []

    def do_batch(label: str, indices: list[int]) -> tuple[int, int | None]:
        """Load and run the snippets ``indices`` in this mode; returns (checksum, assemblies seen inside)."""
        n = len(indices)
        datas = [Array[Byte](snippets.snippet(template, i)) for i in indices]
        total = 0
        inside = None
        if mode == "unload":
            arr = Array.CreateInstance(clr.GetClrType(Array[Byte]), n)
            for k, d in enumerate(datas):
                arr[k] = d
            if runtime == "mono":
                args = Array[Object]([System.String(str(snippets.build_dir())), arr, None])
                total += int(run_domain.Invoke(None, args))
                inside = int(args[2])
                del args
            else:
                acc = Array[System.Int32]([0])
                alc_refs.append(run_alc.Invoke(None, Array[Object]([System.String(f"snippets-{label}"), arr, acc])))
                total += int(acc[0])
                inside = n
            del arr
        else:
            for d in datas:
                total += int(run_one.Invoke(None, Array[Object]([d])))
        del datas  # the reset: the host drops every reference to this batch
        if mode in ("reset+gc", "unload"):
            # reset+gc: the seed's explicit path; unload: unloading completes only after a GC
            GC.Collect()
            GC.WaitForPendingFinalizers()
            GC.Collect()
        return total, inside

    # warm-up: one snippet through the same path, so that the baseline already holds what any first
    # call creates once (pythonnet's method wrappers, reflection caches, the runner's types)
    do_batch("warmup", [999_999])
    alc_refs.clear()
    base_heap = full_gc()
    base_loaded = snippet_count()
    heapshot.shot("e9:before")
    samples = [{"snippets": 0, "loaded": 0, "heap_bytes": int(GC.GetTotalMemory(False)), "rss": _rss()}]
    checksum = 0
    t0 = time.perf_counter()
    for b in range(batches):
        start = first + b * batch
        total, inside = do_batch(str(b), list(range(start, start + batch)))
        checksum += total
        s = {"snippets": (b + 1) * batch, "loaded": snippet_count() - base_loaded,
             "heap_bytes": int(GC.GetTotalMemory(False)), "rss": _rss()}
        if inside is not None:
            s["loaded_in_unit"] = inside
        if alc_refs:
            s["contexts_alive"] = sum(1 for w in alc_refs if w.IsAlive)
        samples.append(s)
    seconds = time.perf_counter() - t0
    end_heap = full_gc()
    if alc_refs:  # collectible contexts may need a few collections to go
        for _ in range(10):
            if not any(w.IsAlive for w in alc_refs):
                break
            end_heap = full_gc()
    heapshot.shot("e9:end")
    return {"mode": mode, "snippets": batch * batches, "batch": batch, "checksum": checksum,
            "seconds": round(seconds, 4), "samples": samples,
            "heap_after_gc_start": base_heap, "heap_after_gc_end": end_heap,
            "heap_after_gc_growth": end_heap - base_heap,
            "loaded_at_end": snippet_count() - base_loaded, "loaded_before": base_loaded,
            "contexts_alive_at_end": sum(1 for w in alc_refs if w.IsAlive),
            "rss_end": _rss(), "peak_rss": _peak_rss(), "pythonnet_assembly_list_detached": detached}


def _detach_pythonnet_assembly_list() -> None:
    """Stop pythonnet (the host) from recording every loaded assembly.

    pythonnet subscribes to ``AppDomain.AssemblyLoad`` and keeps each loaded
    assembly in ``AssemblyManager.assemblies`` (a queue of strong references, for
    its namespace lookup).  That list alone keeps a collectible
    ``AssemblyLoadContext`` alive (measured: no context ever unloads while it is
    attached), which is an artifact of hosting the runtime from Python, not of
    the design under test; a C# host has no such list.
    """
    import System
    from System.Reflection import BindingFlags

    for a in System.AppDomain.CurrentDomain.GetAssemblies():
        if a.GetName().Name == "Python.Runtime":
            t = a.GetType("Python.Runtime.AssemblyManager")
            handler = t.GetField("lhandler", BindingFlags.Static | BindingFlags.NonPublic).GetValue(None)
            if handler is not None:
                domain = System.AppDomain.CurrentDomain
                domain.GetType().GetEvent("AssemblyLoad").RemoveEventHandler(domain, handler)
            return


# ------------------------------------------------------------------ the experiment (parent side)
from experiments import common, snippets  # noqa: E402

NUMBER = 9
TITLE = "Unique dynamic code snippets: reset vs reset+GC vs unload vs worker-process recycle"
CLAIM = ("Seed 000: Assembly.Load(byte[]) into the default domain cannot be reclaimed by a reset; asks whether "
         "GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect() after the reset matters and which design "
         "gives true unloading (domain reload / unloadable context / worker process).")
EXPECT = ("reset and reset+gc: every snippet assembly stays loaded (count grows by one per snippet); the explicit "
          "GC only returns the garbage the batch left (heap without forcing a GC falls), not the assemblies. "
          "unload (AppDomain on Mono, collectible AssemblyLoadContext on CoreCLR 3.1): 0 snippet assemblies left. "
          "worker: the long-lived host loads none; each recycled worker starts from scratch.")
DEFAULT_CALLS = 400   # snippets in the session
BATCHES = 8


def _heap_evidence(path: str) -> dict | None:
    """Per-class change e9:before -> e9:end from a heap-shot file (the largest ones and the loaders)."""
    from callsite.heap import Snapshot

    try:
        before = Snapshot.load(f"{path}@e9:before")
        end = Snapshot.load(f"{path}@e9:end")
    except Exception as exc:  # a missing or damaged file is reported, not fatal
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    diffs = end.compare_to(before)
    loaders = [d for d in diffs if d.count_diff and any(w in d.key for w in ("Assembly", "Module", "RuntimeType", "AppDomain"))]

    def row(d):
        return {"class": d.key, "count_diff": d.count_diff, "bytes_diff": d.size_diff}
    return {"file": path, "objects_before": len(before), "objects_end": len(end),
            "bytes_before": before.total_size, "bytes_end": end.total_size,
            "top": [row(d) for d in diffs[:8]], "loader_classes": [row(d) for d in loaders[:8]]}


def run(calls: int = DEFAULT_CALLS, runtimes=common.RUNTIMES, tick=None, heapshots: bool = True) -> dict:
    import os

    from callsite.errors import DlrsimError
    from experiments.worker import run_in_worker

    batches = min(BATCHES, max(1, calls))
    batch = max(1, calls // batches)
    snippets_total = batch * batches
    snippets.template_bytes()  # compile once, outside the timed runs
    snippets.runner_path()
    targets: dict = {}
    for rt in tuple(runtimes) + ("netfx",):
        targets[f"sim-{rt}"] = {"kind": "simulator", "profile": rt, "not_applicable":
                                "assembly loading is outside the call-site model: no simulator prediction"}
    shot_dir = common.scratch_dir() / "heap"
    for rt in runtimes:
        modes = {}
        version = None
        for mode in MODES:
            params = {"mode": mode, "batch": batch, "batches": batches}
            try:
                if mode == "worker":
                    per = []
                    t0 = time.perf_counter()
                    for b in range(batches):
                        t1 = time.perf_counter()
                        out = run_in_worker(rt, "experiments.e9_unique_snippets:run_batches",
                                            {"mode": "reset", "batch": batch, "batches": 1, "first": b * batch})
                        r = out["result"]
                        per.append({"snippets": (b + 1) * batch, "worker_seconds": round(time.perf_counter() - t1, 3),
                                    "loaded": 0, "worker_loaded_at_exit": r["loaded_at_end"],
                                    "worker_rss_at_exit": r["rss_end"], "worker_peak_rss": r["peak_rss"],
                                    "worker_heap_after_gc": r["heap_after_gc_end"]})
                        version = out["runtime_version"]
                    modes[mode] = {"mode": mode, "snippets": snippets_total, "batch": batch,
                                   "seconds": round(time.perf_counter() - t0, 3),
                                   "samples": [{"snippets": 0, "loaded": 0}] + per,
                                   "loaded_at_end": 0, "host_loads_snippets": False,
                                   "worker_startup_and_run_seconds": [p["worker_seconds"] for p in per]}
                else:
                    env = None
                    shot = None
                    if heapshots:  # Mono's profiler writes .mlpd, EventPipe (coreclr, net8) .nettrace
                        from binders import runtimes as runtime_modules

                        suffix = getattr(runtime_modules.get(rt), "HEAPSHOT_SUFFIX", ".nettrace")
                        shot = str((shot_dir / f"e9-{rt}-{mode.replace('+', '-')}{suffix}").resolve())
                        shot_dir.mkdir(parents=True, exist_ok=True)
                        if os.path.exists(shot):
                            os.remove(shot)
                        env = {"DLRSIM_HEAPSHOT": shot}
                    out = run_in_worker(rt, "experiments.e9_unique_snippets:run_batches", params, env=env)
                    version = out["runtime_version"]
                    modes[mode] = out["result"]
                    if shot:
                        modes[mode]["heapshots"] = _heap_evidence(shot)
            except DlrsimError as exc:
                modes[mode] = {"mode": mode, "error": str(exc)}
            if tick:
                tick(f"{rt} {mode}")
        ok = {m: v for m, v in modes.items() if "error" not in v}
        targets[rt] = {
            "kind": "real", "runtime_version": version, "calls": snippets_total, "modes": modes,
            "unit": "AppDomain (unloaded)" if rt == "mono" else "collectible AssemblyLoadContext (unloaded)",
            "loaded_at_end": {m: v.get("loaded_at_end") for m, v in ok.items()},
            "heap_after_gc_growth": {m: v.get("heap_after_gc_growth") for m, v in ok.items()},
            "verdict": _e9_verdict(ok, snippets_total),
        }
    return {"targets": targets, "extra": {"snippets": snippets_total, "batch": batch, "batches": batches,
                                          "snippet_bytes": len(snippets.template_bytes())}}


def _e9_verdict(modes: dict, total: int) -> dict:
    """What the numbers say, per mode: are the snippet assemblies gone, and did the explicit GC change that."""
    v = {}
    for m, r in modes.items():
        left = r.get("loaded_at_end")
        v[m] = ("true unload: 0 snippet assemblies left" if left == 0 else
                f"no unload: {left} of {total} snippet assemblies still loaded")
    if "reset" in modes and "reset+gc" in modes:
        a, b = modes["reset"], modes["reset+gc"]
        v["explicit_gc"] = (
            f"with the explicit GC {b.get('loaded_at_end')} snippet assemblies stay loaded, without it "
            f"{a.get('loaded_at_end')}; managed heap after a final forced GC grew {b.get('heap_after_gc_growth')} B "
            f"with it, {a.get('heap_after_gc_growth')} B without")
    return v


if __name__ == "__main__":
    import sys

    raise SystemExit(common.cli_main(sys.modules[__name__]))
