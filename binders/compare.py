"""Simulator versus real runtime, call by call.

:func:`compare` runs the simulator for each workload in this process and the
real replays in one worker process per runtime (one runtime start per batch),
then reports per workload the fraction of calls whose level agrees, the first
call where they differ, and any difference in the final state (binds, L1 and
L2 sizes, per site too).
"""

from __future__ import annotations

from typing import Iterable

from binders import host

ALL_POLY = (1, 10, 64, 65, 128, 129, 300)
FINAL_FIELDS = ("binds", "l1_rules", "l2_rules")
SITE_FIELDS = ("calls", "binds", "l0_hits", "l1_hits", "l2_hits", "l1_rules", "l2_rules")


def all_scenarios() -> list[str]:
    from callsite.scenarios import names

    out = [n for n in names() if n != "poly-N"]
    return out + [f"poly-{n}" for n in ALL_POLY]


def levels_of(outcome: host.JobOutcome, result: dict | None) -> list[str]:
    if result and result.get("levels") is not None:
        return list(result["levels"])
    from binders.observe_levels import LEVELS

    out: list[str] = []
    for _start, chunk in sorted(outcome.levels):
        out.extend(LEVELS[int(c)] for c in chunk)
    return out


def diff_results(sim: dict, sim_levels: list[str], real: dict, real_levels: list[str]) -> dict:
    n = min(len(sim_levels), len(real_levels))
    same = sum(1 for a, b in zip(sim_levels, real_levels) if a == b)
    total = max(len(sim_levels), len(real_levels))
    first = None
    for i in range(total):
        a = sim_levels[i] if i < len(sim_levels) else None
        b = real_levels[i] if i < len(real_levels) else None
        if a != b:
            first = {"call": i, "expected": a, "actual": b}
            break
    final = {}
    for f in FINAL_FIELDS:
        if sim.get(f) != real.get(f):
            final[f] = {"expected": sim.get(f), "actual": real.get(f)}
    real_sites = {s["name"]: s for s in real.get("sites", [])}
    for s in sim.get("sites", []):
        r = real_sites.get(s["name"], {})
        for f in SITE_FIELDS:
            if s.get(f) != r.get(f):
                final[f"sites.{s['name']}.{f}"] = {"expected": s.get(f), "actual": r.get(f)}
    return {"agreement": round(same / total, 6) if total else 1.0, "calls_compared": n,
            "first_divergence": first, "final_differences": final}


def thrown_differences(workload, calls: int, real: dict) -> dict:
    """Calls whose rule threw, per site: derived from the workload's declaration against the replay."""
    from callsite.semantics import throw_counts

    expected = throw_counts(workload, calls)
    out = {}
    for s in real.get("sites", []):
        if "thrown" in s and s["thrown"] != expected.get(s["name"]):
            out[f"sites.{s['name']}.thrown"] = {"expected": expected.get(s["name"]), "actual": s["thrown"]}
    return out


def compare(runtime: str, items: Iterable[tuple[str, dict]], calls: int | None = None, *,
            timeout: float | None = None, out=None, profile: str | None = None) -> tuple[dict, list[dict]]:
    """items: (label, worker source).  Returns (worker hello, one report per item)."""
    from callsite.simulator import simulate
    from callsite.scenarios import get_scenario
    from callsite.workload import load_workload

    items = list(items)
    jobs = []
    workloads = {}
    for label, source in items:
        if "scenario" in source:
            wl = get_scenario(source["scenario"])
        elif "file" in source:
            wl = load_workload(source["file"])
        else:
            wl = load_workload(source["workload"])
        workloads[label] = wl
        jobs.append({"id": label, "source": source, "calls": calls if calls is not None else wl.default_calls})
    hello, outcomes = host.run_batch(runtime, jobs, timeout=timeout, out=out)
    reports = []
    for job, outcome in zip(jobs, outcomes):
        label = job["id"]
        rep = {"scenario": label, "runtime": runtime, "runtime_version": hello.get("runtime_version"),
               "calls": job["calls"]}
        if outcome.status == "not_applicable":
            rep.update(status="not_applicable", reason=outcome.reason, agreement=None,
                       first_divergence=None, final_differences={})
            reports.append(rep)
            continue
        try:
            sim = simulate(workloads[label], profile or runtime, job["calls"])
        except Exception as exc:  # a simulator bug must not hide the other scenarios
            rep.update(status="error", reason=f"simulator failed: {type(exc).__name__}: {exc}",
                       agreement=None, first_divergence=None, final_differences={})
            reports.append(rep)
            continue
        sim_levels = sim.level_names
        real = outcome.result
        real_levels = levels_of(outcome, real)
        rep.update(diff_results(sim.to_dict(), sim_levels, real, real_levels))
        rep["final_differences"].update(thrown_differences(workloads[label], job["calls"], real))
        rep["status"] = "agree" if rep["agreement"] == 1.0 and not rep["final_differences"] else "disagree"
        rep["simulated"] = {f: sim.to_dict()[f] for f in ("binds", "l0_hits", "l1_hits", "l2_hits", "l1_rules", "l2_rules")}
        rep["real"] = {f: real.get(f) for f in ("binds", "l0_hits", "l1_hits", "l2_hits", "l1_rules", "l2_rules",
                                                "seconds", "instance_restricted_rules", "weak_handles_live",
                                                "strong_instance_refs_live")}
        reports.append(rep)
    return hello, reports
