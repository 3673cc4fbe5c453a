"""Invariants of the cache model over random workloads (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from callsite import load_workload, simulate
from callsite.generate import random_workload
from callsite.workload import ComObject
from tests.sim.reference import reference_levels

seeds = st.integers(min_value=0, max_value=10_000)
profiles = st.sampled_from(["mono", "coreclr", "netfx"])


@settings(max_examples=60, deadline=None)
@given(seed=seeds, profile=profiles, calls=st.integers(0, 600))
def test_counts_add_up_and_caches_stay_bounded(seed, profile, calls):
    r = simulate(random_workload(seed), profile, calls)
    assert r.l0_hits + r.l1_hits + r.l2_hits + r.binds == r.calls == calls
    for s in r.sites:
        assert s["l1_rules"] <= 10 and s["l2_rules"] <= 128
        assert s["l0_hits"] + s["l1_hits"] + s["l2_hits"] + s["binds"] == s["calls"]
    assert r.rules_compiled == r.binds
    for sample in r.samples:
        assert sample.weak_targets_dead <= sample.weak_handles_live


@settings(max_examples=40, deadline=None)
@given(seed=seeds, profile=profiles)
def test_engine_matches_reference(seed, profile):
    wl = load_workload(random_workload(seed))
    assert simulate(wl, profile, 400).level_names == reference_levels(wl, profile, 400)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, profile=st.sampled_from(["mono", "coreclr"]))
def test_instance_restricted_argument_never_hits_after_its_object_changes(seed, profile):
    wl = load_workload(random_workload(seed))
    r = simulate(wl, profile, 400)
    levels = r.level_names
    for call in wl.iter_calls(400):
        spec = wl.binders[wl.sites[call.site].binder]
        for pos, v in enumerate(call.args):
            info = spec.args[pos]
            dynamic_com = (isinstance(v, ComObject) and v.id is None and info is not None
                           and not info.use_compile_time_type and not (pos == 0 and spec.static_call))
            if dynamic_com:
                assert levels[call.index] == "bind", (call, levels[call.index])


@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(["int", "string", "double"]), fresh=st.booleans(),
       calls=st.integers(1, 3000), profile=profiles)
def test_single_type_workload_binds_once(kind, fresh, calls, profile):
    value = {"box": kind} if fresh else {"obj": "x", "type": "Widget"}
    doc = {"binders": {"b": {"kind": "InvokeMember", "name": "KeepAlive", "flags": ["ResultDiscarded"],
                             "args": [["UseCompileTimeType", "IsStaticType"], []]}},
           "sites": {"s": {"binder": "b"}},
           "body": [{"site": "s", "args": [{"static": "GC"}, value]}]}
    r = simulate(doc, profile, calls)
    assert r.binds == 1 and r.l0_hits == calls - 1


def _no_com(seed):
    return random_workload(seed, com=False, calls=60)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, profile=profiles, calls=st.integers(100, 5000))
def test_skipping_repeated_states_changes_nothing(seed, profile, calls):
    """The repeat shortcut gives the same levels, counters and samples as a full run."""
    doc = _no_com(seed)
    fast = simulate(doc, profile, calls)
    slow = simulate(doc, profile, calls, shortcuts=False)
    assert fast.level_names == slow.level_names
    assert fast.to_dict() == slow.to_dict()


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 300), profile=st.sampled_from(["mono", "coreclr"]))
def test_poly_with_skipping_matches_reference(n, profile):
    from callsite.scenarios import get_scenario
    wl = get_scenario(f"poly-{n}")
    calls = 4 * n + 37
    assert simulate(wl, profile, calls).level_names == reference_levels(wl, profile, calls)
