"""Expected results of the built-in scenarios (issue 2's list)."""

from __future__ import annotations

import pytest

from callsite import simulate
from tests.sim.reference import reference_levels


@pytest.mark.parametrize("profile", ["mono", "coreclr"])
def test_com_arg_fresh_binds_every_call_and_fills_both_caches(profile):
    r = simulate("com-arg-fresh", profile, 1000)
    assert r.binds == 1000
    assert (r.l1_rules, r.l2_rules) == (10, 128)
    assert r.rules_compiled == 1000
    # L2's 128 slots hold 127 rules: a full RuleCache writes each new rule twice
    assert r.rules_live == 127
    assert r.sites[0]["identity_churn"] is True
    assert r.sites[0]["identity_positions"] == [1]


@pytest.mark.parametrize("profile", ["mono", "coreclr"])
@pytest.mark.parametrize("scenario", ["int-arg", "com-arg-same", "com-arg-cast", "null-arg", "static-type-arg"])
def test_stable_arguments_bind_once(profile, scenario):
    r = simulate(scenario, profile, 1000)
    assert r.binds == 1
    assert r.l0_hits == 999
    assert r.sites[0]["identity_churn"] is False


def test_cast_turns_the_instance_restriction_into_a_type_restriction():
    fresh = simulate("com-arg-fresh", "mono", 5)
    cast = simulate("com-arg-cast", "mono", 5)
    # Mono holds each restricted COM object strongly; the Type receiver is a type token
    assert (fresh.strong_instance_refs_live, fresh.weak_handles_live) == (5, 0)
    assert (cast.strong_instance_refs_live, cast.weak_handles_live) == (0, 0)
    # .NET Framework: a WeakReference per COM object and per Type receiver
    assert simulate("com-arg-fresh", "netfx", 5).weak_handles_live == 2 * 5
    assert simulate("com-arg-cast", "netfx", 5).weak_handles_live == 1


def test_new_site_per_iteration_differs_by_runtime():
    assert simulate("new-site-per-iteration", "mono", 1000).binds == 1000
    r = simulate("new-site-per-iteration", "coreclr", 1000)
    assert r.binds == 1 and r.l2_hits == 999


def test_poly_12_binds_once_per_type():
    r = simulate("poly-12", "mono", 1200)
    assert r.binds == 12
    assert r.l2_hits == 1188   # L1 holds the last 10 types, every 12th-call repeat misses it


def test_poly_200_derivation():
    """poly-200, 2000 calls (10 rounds of 200 types, fresh objects, one site).

    Round 1: all 200 types bind. L2 appends 0..63, inserts 64..127 at 64
    ([0..63, 127..64], full), then each further rule is written at 64 in
    place and the tail shifted over it, so it sits at 64 and 65 and the
    previous occupant of 64 (one copy of the previous new rule) and the last
    rule are lost. After type 199: [0..63, 199, 199, 198, ..., 137].
    Later rounds: L1 holds only the last 10 types, and a type recurs every
    200 calls, so L1 never hits. Types 0..63 are found in L2's front half
    (hits move rules up two, but only within 0..63): 64 L2 hits. Types
    64..136 are not in L2: 73 binds, after which the back half is
    [136, 136, 135, ..., 73], so types 137..199 are gone too: 63 binds.
    Each later round costs 73 + 63 = 136 binds.
    Total: 200 + 9 * 136 = 1424 binds, 9 * 64 = 576 L2 hits.
    """
    r = simulate("poly-200", "mono", 2000)
    assert r.binds == 200 + 9 * 136
    assert r.l2_hits == 9 * 64
    assert r.l0_hits == r.l1_hits == 0
    assert simulate("poly-200", "coreclr", 2000).binds == 1424


def test_com_member_access_depends_on_the_com_binder():
    assert simulate("com-member-access", "mono", 300).binds == 300
    assert simulate("com-member-access", "netfx", 300).binds == 1


@pytest.mark.parametrize("scenario", ["com-arg-fresh", "int-arg", "poly-5", "poly-70", "poly-130",
                                      "new-site-per-iteration", "com-member-access", "null-arg"])
@pytest.mark.parametrize("profile", ["mono", "coreclr"])
def test_vectorized_engine_matches_the_naive_reference(scenario, profile):
    from callsite.scenarios import get_scenario
    wl = get_scenario(scenario)
    n = 1500
    assert simulate(wl, profile, n).level_names == reference_levels(wl, profile, n)


@pytest.mark.parametrize("profile", ["mono", "coreclr", "netfx"])
@pytest.mark.parametrize("pattern", [
    # two sites sharing one binder, interleaved: bulk runs are cut by the other site's calls
    [("a", {"com": "fresh"}), ("b", {"com": "fresh"}), ("a", {"com": "fresh"})],
    # a fresh COM argument next to a type-restricted one, and a reused COM object now and then
    [("a", {"com": "fresh"}), ("a", {"com": "fresh"}), ("a", {"com": "keep"}), ("b", {"box": "int"})],
])
def test_long_identity_churn_matches_the_naive_reference(profile, pattern):
    """Runs of binds long enough to fill L1 and L2 (the simulator's bulk path) agree call by call."""
    doc = {"binders": {"b": {"kind": "InvokeMember", "name": "KeepAlive", "flags": ["ResultDiscarded"],
                             "args": [["UseCompileTimeType", "IsStaticType"], []]}},
           "sites": {"a": {"binder": "b"}, "b": {"binder": "b"}},
           "body": [{"site": site, "args": [{"static": "GC"}, value]} for site, value in pattern]}
    from callsite import load_workload
    wl = load_workload(doc)
    n = 3000
    r = simulate(wl, profile, n, sample_every=7)
    assert r.level_names == reference_levels(wl, profile, n)
    slow = simulate(wl, profile, n, sample_every=7, shortcuts=False)
    assert r.to_dict() == slow.to_dict()
