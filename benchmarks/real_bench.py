"""Calls per second replayed on each real runtime versus the simulator.

For each workload the same number of calls is replayed on Mono and on CoreCLR
(one worker process per runtime, memory samples only at the start and the
end) and simulated with that runtime's profile.  Reported per runtime and
workload: real calls/s (whole replay loop), the time inside the compiled
invoker alone (the site call plus its in-runtime observation), the harness's
own overhead per observed call (loop time minus invoker time: building
arguments, accounting, Python), simulated calls/s and the ratio sim / real.
Expect the simulator to be at least 20 times faster.

    .venv/bin/python benchmarks/real_bench.py [--json] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from binders import host  # noqa: E402
from callsite.scenarios import get_scenario  # noqa: E402
from callsite.simulator import simulate  # noqa: E402

CASES = [  # (workload, calls, runtimes)
    ("int-arg", 20_000, ("mono", "coreclr")),            # all L0
    ("poly-4", 20_000, ("mono", "coreclr")),             # L1 hits
    ("poly-12", 20_000, ("mono", "coreclr")),            # L2 hits
    ("new-site-per-iteration", 2_000, ("mono", "coreclr")),
    ("com-arg-fresh", 2_000, ("mono",)),                 # bind every call (COM: Mono only)
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every call count")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    for runtime in ("mono", "coreclr"):
        cases = [(w, max(10, int(n * args.scale))) for w, n, rts in CASES if runtime in rts]
        jobs = [{"id": w, "source": {"scenario": w}, "calls": n, "sample_every": 10 ** 9, "levels": False}
                for w, n in cases]
        hello, outcomes = host.run_batch(runtime, jobs, timeout=3600)
        for (w, n), o in zip(cases, outcomes):
            res = o.result
            loop_s = res["seconds"]
            invoke_s = res["call_seconds"]
            wl = get_scenario(w)
            sim_calls = max(n, 200_000 if res["binds"] < n // 2 else 20_000)
            t = time.perf_counter()
            simulate(wl, runtime, sim_calls)
            sim_s = time.perf_counter() - t
            real_cps = n / loop_s
            sim_cps = sim_calls / sim_s
            rows.append({
                "runtime": runtime, "runtime_version": hello.get("runtime_version"), "workload": w, "calls": n,
                "binds": res["binds"], "real_calls_per_s": round(real_cps), "real_us_per_call": round(1e6 * loop_s / n, 2),
                "invoke_us_per_call": round(1e6 * invoke_s / n, 2),
                "harness_overhead_us_per_call": round(1e6 * (loop_s - invoke_s) / n, 2),
                "sim_calls": sim_calls, "sim_calls_per_s": round(sim_cps), "sim_over_real": round(sim_cps / real_cps, 1),
            })
    if args.json:
        print(json.dumps({"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "rows": rows},
                         indent=2))
        return
    from callsite.output import format_table

    print(format_table(["runtime", "workload", "calls", "binds", "real calls/s", "invoke us", "harness us",
                        "sim calls/s", "sim/real"],
                       [[r["runtime"], r["workload"], r["calls"], r["binds"], r["real_calls_per_s"],
                         r["invoke_us_per_call"], r["harness_overhead_us_per_call"], r["sim_calls_per_s"],
                         f"{r['sim_over_real']}x"] for r in rows]))
    worst = min(r["sim_over_real"] for r in rows)
    print(f"\nslowest ratio simulator/real: {worst}x (goal: >= 20x)")


if __name__ == "__main__":
    main()
