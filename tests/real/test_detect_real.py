"""Detector accuracy on real Mono (issue 4): the same report as on the simulator.

The runs come from a dedicated Mono batch: each quiet scenario for 1000 calls,
and the two leaky ones for 200 calls only, so "flagged within the first 200
calls" is checked on what the runtime did in those 200 calls.
"""

from __future__ import annotations

import pytest

from binders import host
from callsite.detect import detect

FLAGGED = {"com-arg-fresh": "identity-churn", "new-site-per-iteration": "per-iteration-site"}
QUIET = ("int-arg", "com-arg-cast", "com-arg-same", "null-arg", "static-type-arg", "poly-4", "poly-12")


@pytest.fixture(scope="module")
def mono_runs(tmp_path_factory):
    jobs = [{"id": n, "source": {"scenario": n}, "calls": 200} for n in FLAGGED]
    jobs += [{"id": n, "source": {"scenario": n}, "calls": 1000} for n in QUIET]
    out = tmp_path_factory.mktemp("detect-mono") / "events.jsonl"
    _, outcomes = host.run_batch("mono", jobs, timeout=900, out=out)
    assert all(o.status == "ok" for o in outcomes), [(o.id, o.status, o.reason) for o in outcomes]
    return {o.id: o.result for o in outcomes}


@pytest.mark.parametrize("scenario", sorted(FLAGGED))
def test_leaky_scenarios_are_flagged_within_200_calls_on_mono(mono_runs, scenario):
    report = detect(mono_runs[scenario], runtime="mono")
    kinds = {f.kind: f for f in report.findings}
    assert FLAGGED[scenario] in kinds, [f.kind for f in report.findings]
    f = kinds[FLAGGED[scenario]]
    assert f.severity in ("warning", "error") and f.flagged_at is not None and f.flagged_at < 200
    assert report.exit_code == 1


def test_identity_churn_on_mono_names_the_argument_and_the_rules_holding_com_objects(mono_runs):
    report = detect(mono_runs["com-arg-fresh"], runtime="mono")
    churn = next(f for f in report.findings if f.kind == "identity-churn")
    assert churn.positions == (1,)
    retained = next(f for f in report.findings if f.kind == "dead-rule-retention")
    # Mono holds the restricted objects strongly: L1 (10) and L2 (128 slots, 127 rules) keep RCWs alive
    assert retained.evidence["strong_refs_retained"] == 127
    assert retained.evidence["stale_rules_l1"] == 10 and retained.evidence["stale_rules_l2"] == 128


@pytest.mark.parametrize("scenario", QUIET)
def test_nothing_is_flagged_for_stable_sites_on_mono(mono_runs, scenario):
    report = detect(mono_runs[scenario], runtime="mono")
    assert report.findings == [], [(f.kind, f.message) for f in report.findings]
    assert report.exit_code == 0


def test_demo_shows_simulator_and_mono_side_by_side(tmp_path):
    """The README's main job: the flagship on the simulator and on real Mono, the DLR's share of
    the heap from heap shots (not the harness-dominated total), and a conclusion line."""
    import json
    import subprocess
    import sys

    from binders import host

    p = subprocess.run([sys.executable, "-m", "callsite", "demo", "--calls", "60", "--json"],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path, env=host._env())
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    rows = {(r["scenario"], r["runtime"].split()[0]): r for r in doc["rows"]}
    for scenario, binds in (("com-arg-fresh", 60), ("com-arg-cast", 1)):
        sim, mono = rows[(scenario, "sim")], rows[(scenario, "mono")]
        assert sim["binds"] == mono["binds"] == binds
        assert (sim["l1_rules"], sim["l2_rules"]) == (mono["l1_rules"], mono["l2_rules"])
        assert sim["objects_held_by_rules"] == mono["objects_held_by_rules"]
        assert mono["us_per_call"] > 0 and mono["dlr_heap_bytes"] is not None
    fresh, cast = rows[("com-arg-fresh", "mono")], rows[("com-arg-cast", "mono")]
    # 60 rules and the 60 RCWs they hold against one rule: the DLR's share tells them apart,
    # while the whole heap is mostly pythonnet's caches in both runs.
    assert fresh["dlr_heap_bytes"] > cast["dlr_heap_bytes"] + 60 * 100
    assert fresh["dlr_heap_bytes"] < fresh["managed_heap_growth"]
    assert "binds 1 time instead of 60" in doc["conclusion"]
    assert (tmp_path / "dlrsim-out" / "runs").is_dir()
