"""Experiment 1: a COM object created in a loop, no dynamic call.

The article's first control: ``while (true) { dynamic com = Activator.CreateInstance(comType); }``.
Here each iteration makes a native COM object (the C shim, ``binders/native``),
wraps it in a real ``System.__ComObject`` RCW with ``Marshal.GetObjectForIUnknown``
(what ``Activator.CreateInstance`` of a COM class returns) and drops it: no call
site is involved and nothing releases the object explicitly, so only the GC
(the RCW's finalizer) can free the native object.  Sampled every 1/32 of the run
after a forced full GC: managed heap, native objects still alive (before and
after the GC).  Mono only: CoreCLR on Linux has no COM interop.
"""

from __future__ import annotations

import time

from experiments import common

NAME = "com-loop"
NUMBER = 1
TITLE = "A COM object created in a loop, no dynamic call"
CLAIM = "Article: 'Everything is good this time': creating native COM objects alone does not leak; the GC copes."
EXPECT = ("No call site, so nothing is bound or cached (the simulator's prediction is trivially 0 binds). "
          "Live native objects return to 0 after each forced GC; the managed heap after GC stays flat.")
DEFAULT_CALLS = 3000


def loop(params: dict, runtime: str) -> dict:
    """In a Mono worker: create and drop RCWs; sample heap after GC and live native objects."""
    from System import GC

    from binders.com import ComFactory

    n, every = params["iterations"], max(1, params["iterations"] // 32)
    com = ComFactory()

    def full_gc() -> int:
        GC.Collect()
        GC.WaitForPendingFinalizers()
        GC.Collect()
        return int(GC.GetTotalMemory(True))

    base = full_gc()
    samples = [{"call": 0, "heap_bytes": base, "com_live": com.live(), "com_live_before_gc": com.live()}]
    t0 = time.perf_counter()
    window = t0
    for i in range(1, n + 1):
        rcw = com.new()
        del rcw  # dropped: only the GC can release it
        if i % every == 0 or i == n:
            t = time.perf_counter()
            us = 1e6 * (t - window) / (i - samples[-1]["call"])
            before = com.live()
            heap = full_gc()
            samples.append({"call": i, "heap_bytes": heap, "com_live": com.live(), "com_live_before_gc": before,
                            "us_per_call": round(us, 3)})
            window = time.perf_counter()
    seconds = time.perf_counter() - t0
    return {"calls": n, "samples": samples, "seconds": round(seconds, 4), "heap_growth": samples[-1]["heap_bytes"] - base,
            "counters": com.shim.counters()}


def run(calls: int = DEFAULT_CALLS, runtimes=common.RUNTIMES, tick=None) -> dict:
    from callsite.errors import DlrsimError
    from experiments.worker import run_in_worker

    targets = {}
    for rt in tuple(runtimes) + ("netfx",):
        targets[f"sim-{rt}"] = {"kind": "simulator", "profile": rt, "calls": calls, "binds": 0, "binds_per_1000": 0.0,
                                "l1_rules": 0, "l2_rules": 0, "rules_live": 0, "objects_held_by_rules": 0,
                                "heap_growth": 0, "heap_series": [], "binds_series": [],
                                "heap_metric": "modelled bytes of live rules and what they hold",
                                "note": "no dynamic operation: no call site, nothing to bind or cache",
                                "verdict": {"worst": None, "kinds": [], "memory": "bounded"}}
    for rt in runtimes:
        if rt != "mono":
            from binders.runtimes import get

            targets[rt] = {"kind": "real", "calls": calls, "not_applicable": get(rt).FACTS.get("com_reason")
                           or f"{rt} has no COM interop here"}
            continue
        try:
            out = run_in_worker(rt, "experiments.e1_com_loop:loop", {"iterations": calls})
        except DlrsimError as exc:
            targets[rt] = {"kind": "real", "calls": calls, "error": str(exc)}
            continue
        r = out["result"]
        samples = r["samples"]
        heap = [[s["call"], s["heap_bytes"]] for s in samples]
        targets[rt] = {
            "kind": "real", "runtime_version": out["runtime_version"], "calls": calls, "binds": 0,
            "binds_per_1000": 0.0, "l1_rules": 0, "l2_rules": 0, "rules_live": 0, "objects_held_by_rules": 0,
            "us_per_call": _median([s["us_per_call"] for s in samples[1:]]), "seconds": r["seconds"],
            "heap_metric": "managed heap after GC.Collect() (GC.GetTotalMemory(true)), bytes",
            "heap_series": heap, "heap_growth": r["heap_growth"],
            "heap_growth_second_half": common.second_half_growth(heap),
            "com_live_series": [[s["call"], s["com_live"]] for s in samples],
            "com_live_before_gc_series": [[s["call"], s["com_live_before_gc"]] for s in samples],
            "com_live_end": samples[-1]["com_live"], "shim_counters": r["counters"],
            "verdict": _verdict(samples),
        }
        if tick:
            tick(rt)
    return {"targets": targets}


def _median(xs: list[float]) -> float | None:
    xs = sorted(x for x in xs if x is not None)
    return round(xs[len(xs) // 2], 2) if xs else None


def _verdict(samples: list[dict]) -> dict:
    """The detector's memory verdict (Theil-Sen over heap after GC); no site, so no findings."""
    from callsite.verdict import memory_verdict

    mem = memory_verdict([s["call"] for s in samples], [s["heap_bytes"] for s in samples],
                         metric="managed heap after GC (bytes)").to_dict()
    return {"worst": None, "kinds": [], "memory": mem.get("verdict"), "memory_metric": mem.get("metric"),
            "late_slope_bytes_per_1000_calls": mem.get("late_slope_bytes_per_1000_calls"), "messages": []}


if __name__ == "__main__":
    import sys

    raise SystemExit(common.cli_main(sys.modules[__name__]))
