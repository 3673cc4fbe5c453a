"""Experiment 8: polymorphism sweep: one site fed N types round robin.

``poly-N`` (``callsite.scenarios.poly``): one static site, ``GC.KeepAlive(x)`` with
a fresh instance of one of N classes, round robin.  For each N: binds per 1000
calls in the steady state (the second half of the run, after every type has
been seen at least once), the cache sizes, and on which level the calls were
answered.  L1 holds 10 rules, so up to N = 10 the site answers from L1; L2 holds
128 slots (127 distinct rules once full, see the README), so beyond that every
call misses both and binds again: the point where the caches stop helping.
The simulator runs ``calls_sim`` calls per N, the real runtimes fewer.
"""

from __future__ import annotations

from experiments import common

NAME = "poly-sweep"
NUMBER = 8
TITLE = "Polymorphism sweep: one site fed N types round robin, N = 1..300"
CLAIM = ("Article (performance): misses cost more with more types; with an unusually large variety of types "
         "the GC load increases.")
EXPECT = ("0 steady binds while N fits the caches (L0 for N = 1, L1 up to 10, L2 up to 128). From N = 129 the "
          "site binds again, N - 64 times per round of N calls: the in-place insert at slot 64 keeps cycling the "
          "back half of L2 while the 64 rules in its front half still answer, so binds start at about 500 per "
          "1000 calls at N = 129 (65 of 129) and rise towards every call as N grows (236 of 300 at N = 300). "
          "Memory: on .NET Framework (sim-netfx) every one of those binds also leaves its symbol-table entries.")
NS = list(range(1, 13)) + [16, 32, 63, 64, 65, 100, 127, 128, 129, 150, 200, 250, 300]
DEFAULT_CALLS = 3000   # simulator calls per N (at least 6 N); real runs use calls // 5 (at least 4 N)


def _steady(levels: list[str], n: int) -> dict:
    """Binds and level shares over whole rounds of N calls in the second half of the run.

    Whole rounds, because the steady state repeats per round (at N > 128: N - 64
    binds per round); a window cut mid-round would report a window artifact.
    """
    start = -(-max(len(levels) // 2, n) // n) * n
    end = start + (len(levels) - start) // n * n
    if end <= start:  # no whole round left: the second half as it is
        start, end = max(len(levels) // 2, n), len(levels)
    tail = levels[start:end]
    k = len(tail) or 1
    return {"steady_calls": len(tail),
            "steady_binds_per_1000": round(1000.0 * tail.count("bind") / k, 1),
            "steady_levels": {lv: round(tail.count(lv) / k, 4) for lv in ("l0", "l1", "l2", "bind")}}


def ns_for(calls: int) -> list[int]:
    """The sweep's N; a small --calls (smoke tests) keeps the N the calls can still cycle through twice."""
    return [n for n in NS if 2 * n <= max(calls, 24)] or [1]


def run(calls: int = DEFAULT_CALLS, runtimes=common.RUNTIMES, tick=None) -> dict:
    from callsite.scenarios import poly
    from callsite.simulator import simulate
    from callsite.workload import load_workload

    ns = ns_for(calls)
    rows: dict[str, list] = {}
    for rt in tuple(runtimes) + ("netfx",):
        out = []
        for n in ns:
            c = max(calls, 6 * n)
            r = simulate(load_workload(poly(n)), rt, c)
            d = r.to_dict()
            out.append(dict(n=n, calls=c, binds=d["binds"], binds_per_1000=round(1000.0 * d["binds"] / c, 1),
                            l1_rules=d["l1_rules"], l2_rules=d["l2_rules"], **_steady(list(r.level_names), n)))
        rows[f"sim-{rt}"] = out
        if tick:
            tick(f"sim-{rt}")
    versions = {}
    for rt in runtimes:
        real_calls = max(calls // 5, 12)
        jobs = [(f"poly-{n}", poly(n), max(real_calls, 4 * n)) for n in ns]
        res = common.real_batch(rt, jobs, levels=True)
        out = []
        for (jid, _, c), n in zip(jobs, ns):
            r = res[jid]
            versions[rt] = r.get("runtime_version") or versions.get(rt)
            if "binds" not in r:
                out.append({"n": n, "calls": c, **{k: v for k, v in r.items() if k in ("not_applicable", "error")}})
                continue
            sim = simulate(load_workload(poly(n)), rt, c)
            out.append(dict(n=n, calls=c, binds=r["binds"], binds_per_1000=round(1000.0 * r["binds"] / c, 1),
                            l1_rules=r["l1_rules"], l2_rules=r["l2_rules"],
                            us_per_call=round(1e6 * r["call_seconds"] / c, 2), **_steady(r["levels"], n),
                            sim_binds=sim.binds, sim_steady_binds_per_1000=_steady(list(sim.level_names), n)[
                                "steady_binds_per_1000"],
                            levels_agree=list(sim.level_names) == list(r["levels"])))
        rows[rt] = out
        if tick:
            tick(rt)
    targets = {}
    for key, out in rows.items():
        ok = [o for o in out if "binds" in o]
        first_bind_n = next((o["n"] for o in ok if o["steady_binds_per_1000"] > 0), None)
        t = {"kind": "real" if key in runtimes else "simulator", "sweep": out, "ns": ns,
             "calls": sum(o["calls"] for o in out), "binds": sum(o.get("binds", 0) for o in ok),
             "first_n_binding_in_steady_state": first_bind_n,
             "l1_only_up_to": max((o["n"] for o in ok if o["steady_levels"]["l2"] == 0
                                   and o["steady_levels"]["bind"] == 0), default=None)}
        if key in runtimes:
            t["runtime_version"] = versions.get(key)
        if key == "sim-netfx":
            t["note"] = "profile built from the .NET Framework reference sources; cannot run here, unverified"
        targets[key] = t
    return {"targets": targets}


if __name__ == "__main__":
    import sys

    raise SystemExit(common.cli_main(sys.modules[__name__]))
