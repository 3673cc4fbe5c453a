"""Detector accuracy on the simulator (issue 4's goals; the Mono half is in tests/real)."""

from __future__ import annotations

import pytest

from callsite import simulate
from callsite.detect import detect
from callsite.verdict import memory_verdict, theil_sen

QUIET = ["int-arg", "com-arg-cast", "com-arg-same", "null-arg", "static-type-arg", "poly-4", "poly-12"]


@pytest.mark.parametrize("profile", ["mono", "coreclr"])
def test_com_arg_fresh_is_flagged_within_200_calls(profile):
    report = detect(simulate("com-arg-fresh", profile, 200))
    churn = [f for f in report.findings if f.kind == "identity-churn"]
    assert churn and churn[0].severity == "error"
    assert churn[0].flagged_at < 200
    assert churn[0].positions == (1,) and "instance" in churn[0].restriction
    assert "(object)" in churn[0].fix
    assert report.exit_code == 1


def test_new_site_per_iteration_is_flagged_on_mono_within_200_calls_and_not_on_coreclr():
    mono = detect(simulate("new-site-per-iteration", "mono", 200))
    f = [f for f in mono.findings if f.kind == "per-iteration-site"]
    assert f and f[0].flagged_at < 200 and mono.exit_code == 1
    assert detect(simulate("new-site-per-iteration", "coreclr", 200)).findings == []


@pytest.mark.parametrize("profile", ["mono", "coreclr"])
@pytest.mark.parametrize("scenario", QUIET)
def test_nothing_is_flagged_for_stable_sites(profile, scenario):
    report = detect(simulate(scenario, profile, 2000))
    assert report.findings == [] and report.exit_code == 0


@pytest.mark.parametrize("n", [129, 150, 300])
def test_megamorphic_past_l2_capacity_is_flagged(n):
    report = detect(simulate(f"poly-{n}", "mono", 4 * n))
    assert [f.kind for f in report.findings] == ["megamorphic"]


def test_poly_within_l2_is_not_flagged():
    assert detect(simulate("poly-100", "mono", 1000)).findings == []


def test_dead_rule_retention_counts_rules_for_dropped_objects():
    # Mono/CoreCLR: the rules hold the dropped COM objects themselves (127 distinct
    # rules in L1 and L2, whose 128 slots hold one rule twice).
    report = detect(simulate("com-arg-fresh", "mono", 500))
    dead = [f for f in report.findings if f.kind == "dead-rule-retention"][0]
    assert dead.evidence == {"stale_rules_l1": 10, "stale_rules_l2": 128,
                             "strong_refs_retained": 127, "weak_handles_retained": 0}
    assert "strongly" in dead.message
    # .NET Framework: WeakReferences (one for the COM object, one for the Type receiver)
    netfx = detect(simulate("com-arg-fresh", "netfx", 500))
    dead = [f for f in netfx.findings if f.kind == "dead-rule-retention"][0]
    assert dead.evidence["strong_refs_retained"] == 0 and dead.evidence["weak_handles_retained"] == 254


def test_theil_sen_is_robust_to_an_outlier():
    x = list(range(20))
    y = [3 * v + 7 for v in x]
    y[5] = 10_000
    s = theil_sen(x, y)
    assert s.per_call == pytest.approx(3.0)
    assert s.low <= 3.0 <= s.high


def test_memory_verdict_tells_plateau_from_growth():
    calls = list(range(0, 40_000, 1000))
    plateau = [min(c, 12_000) * 10 for c in calls]
    growing = [c * 10 for c in calls]
    assert memory_verdict(calls, plateau).verdict == "bounded"
    assert memory_verdict(calls, growing).verdict == "growing"
    assert memory_verdict(calls[:3], growing[:3]).verdict == "insufficient data"
